/**
 * Seeded pseudo-random numbers. Everything random in ivae (data sets, weight initialisation, shuffling,
 * reparameterisation noise) draws from a `Random` so that the same seed gives the same numbers.
 */
export class Random {
  private state: number;
  private spareNormal: number | null = null;

  /** @param seed any integer; the same seed gives the same sequence. */
  constructor(seed: number) {
    if (!Number.isFinite(seed)) throw new Error(`Random: seed must be a finite number, got ${seed}`);
    // splitmix-style scrambling so that nearby seeds give unrelated streams
    let s = (Math.floor(seed) ^ 0x9e3779b9) >>> 0;
    s = Math.imul(s ^ (s >>> 16), 0x85ebca6b) >>> 0;
    s = Math.imul(s ^ (s >>> 13), 0xc2b2ae35) >>> 0;
    this.state = (s ^ (s >>> 16)) >>> 0 || 0x6d2b79f5;
  }

  /** Uniform in [0, 1) (mulberry32). */
  next(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Uniform in [a, b). */
  uniform(a: number, b: number): number {
    return a + (b - a) * this.next();
  }

  /** Integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** Standard normal (Box–Muller, caching the second value). */
  normal(mean = 0, std = 1): number {
    if (this.spareNormal !== null) {
      const v = this.spareNormal;
      this.spareNormal = null;
      return mean + std * v;
    }
    let u = 0;
    while (u <= 1e-300) u = this.next();
    const v = this.next();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spareNormal = r * Math.sin(2 * Math.PI * v);
    return mean + std * r * Math.cos(2 * Math.PI * v);
  }

  /** In-place Fisher–Yates shuffle; returns the same array. */
  shuffle<T extends { length: number; [i: number]: any }>(arr: T): T {
    for (let i = arr.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = arr[i];
      arr[i] = arr[j];
      arr[j] = t;
    }
    return arr;
  }

  /** A random permutation of 0..n-1. */
  permutation(n: number): Int32Array {
    const p = new Int32Array(n);
    for (let i = 0; i < n; i++) p[i] = i;
    return this.shuffle(p);
  }

  /** A fresh integer seed, for handing to tfjs ops or child generators. */
  seed(): number {
    return Math.floor(this.next() * 2147483647);
  }

  /** The generator's full state (for checkpoints): restoring it with {@link setState} continues the same stream. */
  getState(): { state: number; spareNormal: number | null } {
    return { state: this.state, spareNormal: this.spareNormal };
  }

  /** Restores a state from {@link getState}. */
  setState(s: { state: number; spareNormal: number | null }): void {
    if (!Number.isInteger(s?.state) || s.state < 0 || s.state > 0xffffffff) {
      throw new Error(`Random: bad state ${JSON.stringify(s)}`);
    }
    this.state = s.state;
    this.spareNormal = s.spareNormal ?? null;
  }

  /** An independent child generator (so sub-tasks do not shift each other's streams). */
  fork(): Random {
    return new Random(this.seed());
  }
}
