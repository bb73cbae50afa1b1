/**
 * A small seeded PRNG (xoshiro128**, seeded through splitmix32) for initialisation, shuffling and dropout masks.
 */

/**
 * Seeded random numbers; identical seeds give identical streams on every platform.
 *
 * @example
 * ```ts
 * const rng = new Rng(42);
 * rng.uniform(); // [0, 1)
 * rng.shuffle([1, 2, 3]);
 * ```
 */
export class Rng {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;

  constructor(seed: number) {
    let x = seed >>> 0;
    const next = () => {
      x = (x + 0x9e3779b9) >>> 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.s0 = next();
    this.s1 = next();
    this.s2 = next();
    this.s3 = next() || 1;
  }

  /** A uniform 32-bit unsigned integer. */
  u32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5) >>> 0, 7), 9) >>> 0;
    const t = (this.s1 << 9) >>> 0;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** Uniform in [0, 1). */
  uniform(): number {
    return this.u32() / 4294967296;
  }

  /** Standard normal (Box–Muller). */
  normal(): number {
    const u = 1 - this.uniform();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.uniform());
  }

  /** Integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.uniform() * n);
  }

  /** Shuffles in place (Fisher–Yates) and returns the array. */
  shuffle<T>(a: T[]): T[] {
    for (let i = a.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const tmp = a[i] as T;
      a[i] = a[j] as T;
      a[j] = tmp;
    }
    return a;
  }

  /**
   * Fills `out[0..count)` with an inverted-dropout mask: 0 with probability `p` (quantised to 1/256), else
   * `1/(1−p)`. Four mask entries per 32-bit draw.
   */
  dropoutMask(out: Float32Array, count: number, p: number): void {
    const threshold = Math.round(p * 256);
    const keep = threshold >= 256 ? 0 : 256 / (256 - threshold);
    let i = 0;
    while (i < count) {
      let r = this.u32();
      for (let k = 0; k < 4 && i < count; k++, i++) {
        out[i] = (r & 255) < threshold ? 0 : keep;
        r >>>= 8;
      }
    }
  }

  /** The generator's state, for checkpoints. */
  state(): [number, number, number, number] {
    return [this.s0, this.s1, this.s2, this.s3];
  }

  /** Restores a state from {@link Rng.state}. */
  setState(s: readonly number[]): void {
    [this.s0, this.s1, this.s2, this.s3] = s.map((v) => v >>> 0) as [number, number, number, number];
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}
