/**
 * The pixel buffers stain functions take and return, and small numeric helpers they share (seeded random numbers,
 * percentiles, 3×3 symmetric eigen-decomposition).
 */
import { WsiError } from '@wsi/core';

/**
 * Interleaved RGB or RGBA uint8 pixels (a uint8 `Raster` fits). Outputs keep the input's channel count and alpha.
 *
 * @example
 * ```ts
 * const img: RgbImage = { width: 224, height: 224, channels: 3, data: new Uint8Array(224 * 224 * 3) };
 * ```
 */
export interface RgbImage {
  width: number;
  height: number;
  channels: number;
  data: Uint8Array | Uint8ClampedArray;
}

/**
 * Checks an image's shape; returns its pixel count.
 *
 * @throws WsiError `InvalidArgument` unless 3 or 4 channels of uint8 fill `width × height`.
 * @example
 * ```ts
 * const n = checkRgbImage(img);
 * ```
 */
export function checkRgbImage(img: RgbImage): number {
  const { width: w, height: h, channels: c, data } = img;
  if (!(c === 3 || c === 4) || !Number.isInteger(w) || !Number.isInteger(h) || w < 0 || h < 0) {
    throw new WsiError('InvalidArgument', `expected an RGB or RGBA image, got ${w}×${h}×${c}`);
  }
  if (!(data instanceof Uint8Array || data instanceof Uint8ClampedArray) || data.length < w * h * c) {
    throw new WsiError('InvalidArgument', `a ${w}×${h}×${c} image needs ${w * h * c} uint8 values`);
  }
  return w * h;
}

/**
 * A blank image of the same size and channels whose alpha (if any) is copied from `img`.
 *
 * @example
 * ```ts
 * const out = likeImage(img);
 * ```
 */
export function likeImage(img: RgbImage): RgbImage & { data: Uint8Array } {
  const n = img.width * img.height * img.channels;
  const data = new Uint8Array(n);
  if (img.channels === 4) for (let i = 3; i < n; i += 4) data[i] = img.data[i] as number;
  return { width: img.width, height: img.height, channels: img.channels, data };
}

/**
 * A seeded pseudo-random generator (mulberry32) returning floats in [0, 1): same seed, same sequence.
 *
 * @example
 * ```ts
 * const rand = seededRandom(42);
 * const u = rand(); // 0.6011037519201636
 * ```
 */
export function seededRandom(seed: number): () => number {
  let a = (Math.trunc(seed) ^ 0x9e3779b9) >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * The p-th percentile (0–100, linear interpolation as numpy's default) of the first `n` values; sorts them in place.
 *
 * @example
 * ```ts
 * percentileInPlace(Float64Array.from([3, 1, 2]), 3, 50); // 2
 * ```
 */
export function percentileInPlace(values: Float64Array, n: number, p: number): number {
  if (n <= 0) return Number.NaN;
  const v = values.subarray(0, n).sort();
  const pos = ((n - 1) * p) / 100;
  const lo = Math.floor(pos);
  const hi = Math.min(n - 1, lo + 1);
  return (v[lo] as number) + ((v[hi] as number) - (v[lo] as number)) * (pos - lo);
}

/**
 * Eigen-decomposition of a symmetric 3×3 matrix (cyclic Jacobi): eigenvalues ascending, eigenvectors as rows.
 *
 * @example
 * ```ts
 * const { values, vectors } = symmetricEigen3([2, 0, 0, 0, 3, 0, 0, 0, 1]); // values [1, 2, 3]
 * ```
 */
export function symmetricEigen3(m: readonly number[]): { values: number[]; vectors: number[][] } {
  const a = [
    [m[0] as number, m[1] as number, m[2] as number],
    [m[3] as number, m[4] as number, m[5] as number],
    [m[6] as number, m[7] as number, m[8] as number],
  ] as [number[], number[], number[]];
  const v = [
    [1, 0, 0],
    [0, 1, 0],
    [0, 0, 1],
  ] as [number[], number[], number[]];
  const at = (i: number, j: number): number => (a[i] as number[])[j] as number;
  const set = (i: number, j: number, x: number): void => {
    (a[i] as number[])[j] = x;
  };
  for (let sweep = 0; sweep < 50; sweep++) {
    const off = at(0, 1) ** 2 + at(0, 2) ** 2 + at(1, 2) ** 2;
    if (off < 1e-30) break;
    for (const [p, q] of [
      [0, 1],
      [0, 2],
      [1, 2],
    ] as const) {
      const apq = at(p, q);
      if (Math.abs(apq) < 1e-300) continue;
      const theta = (at(q, q) - at(p, p)) / (2 * apq);
      const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
      const c = 1 / Math.sqrt(t * t + 1);
      const s = t * c;
      for (let k = 0; k < 3; k++) {
        const akp = at(k, p);
        const akq = at(k, q);
        set(k, p, c * akp - s * akq);
        set(k, q, s * akp + c * akq);
      }
      for (let k = 0; k < 3; k++) {
        const apk = at(p, k);
        const aqk = at(q, k);
        set(p, k, c * apk - s * aqk);
        set(q, k, s * apk + c * aqk);
      }
      for (let k = 0; k < 3; k++) {
        const vkp = (v[k] as number[])[p] as number;
        const vkq = (v[k] as number[])[q] as number;
        (v[k] as number[])[p] = c * vkp - s * vkq;
        (v[k] as number[])[q] = s * vkp + c * vkq;
      }
    }
  }
  const order = [0, 1, 2].sort((i, j) => at(i, i) - at(j, j));
  return {
    values: order.map((i) => at(i, i)),
    vectors: order.map((i) => [
      (v[0] as number[])[i] as number,
      (v[1] as number[])[i] as number,
      (v[2] as number[])[i] as number,
    ]),
  };
}

/**
 * The inverse of a 3×3 matrix given row-major.
 *
 * @throws WsiError `InvalidArgument` when it is singular.
 * @example
 * ```ts
 * invert3([2, 0, 0, 0, 2, 0, 0, 0, 2]); // [0.5, 0, 0, 0, 0.5, 0, 0, 0, 0.5]
 * ```
 */
export function invert3(m: readonly number[]): number[] {
  const [a = 0, b = 0, c = 0, d = 0, e = 0, f = 0, g = 0, h = 0, i = 0] = m;
  const A = e * i - f * h;
  const B = -(d * i - f * g);
  const C = d * h - e * g;
  const det = a * A + b * B + c * C;
  if (!(Math.abs(det) > 1e-12)) throw new WsiError('InvalidArgument', 'singular 3×3 matrix');
  return [
    A / det,
    -(b * i - c * h) / det,
    (b * f - c * e) / det,
    B / det,
    (a * i - c * g) / det,
    -(a * f - c * d) / det,
    C / det,
    -(a * h - b * g) / det,
    (a * e - b * d) / det,
  ];
}
