import * as tf from "@tensorflow/tfjs";
import { Random } from "../util/random";

/** Named trainable variables of a model, in a fixed order (the order of save/load). */
export class ParamStore {
  readonly names: string[] = [];
  readonly vars: tf.Variable[] = [];
  private readonly byName = new Map<string, tf.Variable>();

  /** Adds a variable initialised from `values`. */
  add(name: string, shape: number[], values: Float32Array): tf.Variable {
    if (this.byName.has(name)) throw new Error(`ParamStore: duplicate parameter ${name}`);
    const v = tf.variable(tf.tensor(values, shape, "float32"), true, `${name}_${uid++}`);
    this.names.push(name);
    this.vars.push(v);
    this.byName.set(name, v);
    return v;
  }

  /** Glorot-uniform weights drawn from the seeded `rng` (independent of tfjs's global RNG). */
  glorot(name: string, fanIn: number, fanOut: number, rng: Random): tf.Variable {
    return this.add(name, [fanIn, fanOut], glorotValues(fanIn, fanOut, rng));
  }

  /** A zero vector (biases). */
  zeros(name: string, n: number): tf.Variable {
    return this.add(name, [n], new Float32Array(n));
  }

  get(name: string): tf.Variable {
    const v = this.byName.get(name);
    if (!v) throw new Error(`ParamStore: no parameter ${name}`);
    return v;
  }

  /** Total number of scalar parameters. */
  count(): number {
    return this.vars.reduce((a, v) => a + v.size, 0);
  }

  /** Copies of all weights as plain arrays (name → values). */
  snapshot(): Map<string, Float32Array> {
    const m = new Map<string, Float32Array>();
    this.vars.forEach((v, i) => m.set(this.names[i], v.dataSync().slice() as Float32Array));
    return m;
  }

  dispose(): void {
    for (const v of this.vars) v.dispose();
  }
}

let uid = 0;

/** fanIn × fanOut Glorot-uniform values, limit √(6/(fanIn+fanOut)), from the seeded `rng`. */
export function glorotValues(fanIn: number, fanOut: number, rng: Random): Float32Array {
  const limit = Math.sqrt(6 / (fanIn + fanOut));
  const v = new Float32Array(fanIn * fanOut);
  for (let i = 0; i < v.length; i++) v[i] = rng.uniform(-limit, limit);
  return v;
}
