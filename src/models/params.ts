import * as tf from "@tensorflow/tfjs";
import { check, IvaeInputError } from "../util/errors";
import { Random } from "../util/random";

/** Named trainable variables of a model, in a fixed order (the order of save/load). */
export class ParamStore {
  readonly names: string[] = [];
  readonly vars: tf.Variable[] = [];
  private readonly byName = new Map<string, tf.Variable>();

  /** Adds a variable initialised from `values`. */
  add(name: string, shape: number[], values: Float32Array): tf.Variable {
    if (this.byName.has(name)) throw new Error(`ParamStore: duplicate parameter ${name}`);
    const init = tf.tensor(values, shape, "float32");
    // tf.variable shares init's data and counts it again: dispose init, or every model leaks a copy (issue 16)
    const v = tf.variable(init, true, `${name}_${uid++}`);
    init.dispose();
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

  /**
   * Sets every parameter from name → values: all names present, each with as many values as the parameter,
   * all finite; checked before anything is assigned, so a bad map leaves the weights as they were.
   */
  setAll(weights: Map<string, Float32Array>, where: string): void {
    this.vars.forEach((v, i) => {
      const name = this.names[i];
      const vals = weights.get(name);
      check(vals !== undefined, where, `missing weights for ${name}`);
      check(vals.length === v.size, where, `weights for ${name} have ${vals.length} values, expected ${v.size}`);
      for (let j = 0; j < vals.length; j++) {
        if (!Number.isFinite(vals[j]))
          throw new IvaeInputError(`${where}: weights for ${name} hold a non-finite value (${vals[j]}) at index ${j}`);
      }
    });
    this.vars.forEach((v, i) => {
      const t = tf.tensor(weights.get(this.names[i])!, v.shape, "float32");
      // assign keeps t's data and counts it again: dispose t, or every call leaks a copy of the weights
      v.assign(t);
      t.dispose();
    });
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
