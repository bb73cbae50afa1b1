/**
 * Deterministic hashing and value noise for the synthetic sources.
 */

/**
 * A 32-bit integer hash of two coordinates and a seed (deterministic across runs and platforms).
 *
 * @example
 * ```ts
 * const h = hash2(10, 20, 42) / 2 ** 32; // in [0, 1)
 * ```
 */
export function hash2(x: number, y: number, seed: number): number {
  let h = Math.imul(x | 0, 0x27d4eb2d) ^ Math.imul(y | 0, 0x165667b1) ^ Math.imul(seed | 0, 0x9e3779b1);
  h = Math.imul(h ^ (h >>> 15), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

const INV = 1 / 2 ** 32;

/**
 * Smooth value noise along one image row: fills `out[i]` (in [0, 1)) for pixels `x0 … x0 + out.length - 1` of
 * row `y`, lattice spacing `scale` pixels.
 *
 * @example
 * ```ts
 * const row = new Float32Array(512);
 * valueNoiseRow(row, 0, 100, 64, 7);
 * ```
 */
export function valueNoiseRow(out: Float32Array, x0: number, y: number, scale: number, seed: number): void {
  const fy = y / scale;
  const ly = Math.floor(fy);
  let ty = fy - ly;
  ty = ty * ty * (3 - 2 * ty);
  let lx = Math.floor(x0 / scale);
  let a0 = hash2(lx, ly, seed) * INV;
  let a1 = hash2(lx, ly + 1, seed) * INV;
  let b0 = hash2(lx + 1, ly, seed) * INV;
  let b1 = hash2(lx + 1, ly + 1, seed) * INV;
  let left = a0 + (a1 - a0) * ty;
  let right = b0 + (b1 - b0) * ty;
  for (let i = 0; i < out.length; i++) {
    const fx = (x0 + i) / scale;
    const cx = Math.floor(fx);
    if (cx !== lx) {
      lx = cx;
      a0 = hash2(lx, ly, seed) * INV;
      a1 = hash2(lx, ly + 1, seed) * INV;
      b0 = hash2(lx + 1, ly, seed) * INV;
      b1 = hash2(lx + 1, ly + 1, seed) * INV;
      left = a0 + (a1 - a0) * ty;
      right = b0 + (b1 - b0) * ty;
    }
    let tx = fx - cx;
    tx = tx * tx * (3 - 2 * tx);
    out[i] = left + (right - left) * tx;
  }
}

/**
 * Value noise at one point (same field as {@link valueNoiseRow}).
 *
 * @example
 * ```ts
 * const v = valueNoiseAt(120, 40, 64, 7);
 * ```
 */
export function valueNoiseAt(x: number, y: number, scale: number, seed: number): number {
  const row = new Float32Array(1);
  valueNoiseRow(row, x, y, scale, seed);
  return row[0] as number;
}
