/**
 * A small seeded pseudo-random generator (mulberry32) so every fuzz case is reproducible from its seed.
 */

/**
 * Hashes strings and numbers into a 32-bit seed (FNV-1a).
 *
 * @example
 * ```ts
 * const seed = hashSeed('svs', 1, 42);
 * ```
 */
export function hashSeed(...parts: (string | number)[]): number {
  let h = 0x811c9dc5;
  for (const p of parts) {
    const s = `${String(p)}\u0000`;
    for (let i = 0; i < s.length; i++) {
      h ^= s.charCodeAt(i);
      h = Math.imul(h, 0x01000193);
    }
  }
  return h >>> 0;
}

/**
 * A deterministic random source.
 *
 * @example
 * ```ts
 * const rng = new Rng(7);
 * rng.int(10); // 0..9, the same for seed 7 on every run
 * ```
 */
export class Rng {
  #state: number;

  constructor(seed: number) {
    this.#state = seed >>> 0;
  }

  /** A float in [0, 1). */
  next(): number {
    this.#state = (this.#state + 0x6d2b79f5) >>> 0;
    let t = this.#state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** An integer in [0, n) (0 when n ≤ 0). */
  int(n: number): number {
    return n <= 0 ? 0 : Math.floor(this.next() * n);
  }

  /** True with probability `p`. */
  chance(p: number): boolean {
    return this.next() < p;
  }

  /** One element of a non-empty array. */
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)] as T;
  }

  /** An "interesting" 32-bit value: 0, 1, edges, powers of two, or random. */
  interesting(): number {
    const v = [0, 1, 2, 0x7f, 0x80, 0xff, 0x100, 0x7fff, 0x8000, 0xffff, 0x10000, 0x7fffffff, 0x80000000, 0xffffffff];
    return this.chance(0.7) ? this.pick(v) : this.int(0x100000000);
  }
}
