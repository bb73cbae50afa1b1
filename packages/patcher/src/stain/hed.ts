/**
 * HED stain augmentation (Tellez et al., 2018): pixels are unmixed into haematoxylin, eosin and DAB
 * concentrations with Ruifrok & Johnston's vectors, each concentration is scaled by α ~ U(1 − σ, 1 + σ) and
 * shifted by β ~ U(−b, b), and the result is remixed. Seeded: the same seed gives the same image.
 */
import { WsiError } from '@wsi/core';
import { checkRgbImage, invert3, likeImage, type RgbImage, seededRandom } from './image.js';
import { RUIFROK_HED } from './macenko.js';

/**
 * Options of {@link hedJitter}.
 *
 * @example
 * ```ts
 * const o: HedJitterOptions = { sigma: 0.05, bias: 0.05, seed: 7 };
 * ```
 */
export interface HedJitterOptions {
  /** Scale jitter: α ~ U(1 − sigma, 1 + sigma) per stain (default 0.05). */
  sigma?: number;
  /** Shift jitter: β ~ U(−bias, bias) per stain, in OD units (default 0.05). */
  bias?: number;
  /** Seed of the draw (default 0); ignored when `random` is given. */
  seed?: number;
  /** A [0, 1) generator to draw from instead (e.g. a dataset's seeded stream). */
  random?: () => number;
}

/**
 * One draw of the jitter: per-stain (H, E, DAB) scales and shifts.
 *
 * @example
 * ```ts
 * const j: HedJitter = { alpha: [1, 1, 1], beta: [0, 0, 0] }; // identity
 * ```
 */
export interface HedJitter {
  alpha: [number, number, number];
  beta: [number, number, number];
}

const M = RUIFROK_HED.map((row) => {
  const n = Math.hypot(...row);
  return row.map((x) => x / n);
});
const M_FLAT = M.flat();
const M_INV = invert3(M_FLAT);
const OD = (() => {
  const t = new Float64Array(256);
  for (let v = 0; v < 256; v++) t[v] = -Math.log(Math.max(v, 1) / 255);
  return t;
})();

/**
 * Draws a jitter.
 *
 * @throws WsiError `InvalidArgument` for a negative or non-finite sigma or bias.
 * @example
 * ```ts
 * const j = drawHedJitter({ sigma: 0.05, bias: 0.05, seed: 1 });
 * ```
 */
export function drawHedJitter(options: HedJitterOptions = {}): HedJitter {
  const sigma = options.sigma ?? 0.05;
  const bias = options.bias ?? 0.05;
  if (!(sigma >= 0 && bias >= 0 && Number.isFinite(sigma) && Number.isFinite(bias)))
    throw new WsiError('InvalidArgument', `HED jitter needs finite sigma, bias ≥ 0, got ${sigma}, ${bias}`);
  const rand = options.random ?? seededRandom(options.seed ?? 0);
  const alpha = [0, 0, 0].map(() => 1 + sigma * (2 * rand() - 1)) as [number, number, number];
  const beta = [0, 0, 0].map(() => bias * (2 * rand() - 1)) as [number, number, number];
  return { alpha, beta };
}

/**
 * Applies a jitter to `n` interleaved pixels of `src` (stride `ch`, 3 or 4) into `dst` (RGB or RGBA at the same
 * stride; alpha untouched). Reuses no state: safe to call on any buffers, including `src === dst`.
 *
 * @example
 * ```ts
 * applyHedJitter(rgb, rgb, 224 * 224, 3, drawHedJitter({ seed: 3 })); // in place
 * ```
 */
export function applyHedJitter(
  src: Uint8Array | Uint8ClampedArray,
  dst: Uint8Array | Uint8ClampedArray,
  n: number,
  ch: number,
  j: HedJitter,
): void {
  // OD' = OD · (M⁻¹ diag(α) M) + β · M
  const A = new Float64Array(9);
  for (let r = 0; r < 3; r++)
    for (let c = 0; c < 3; c++) {
      let s = 0;
      for (let k = 0; k < 3; k++)
        s += (M_INV[r * 3 + k] as number) * (j.alpha[k] as number) * (M_FLAT[k * 3 + c] as number);
      A[r * 3 + c] = s;
    }
  const off = [0, 1, 2].map((c) => j.beta.reduce((s, b, k) => s + b * (M_FLAT[k * 3 + c] as number), 0));
  // exp(−Σ_r OD_r·A[r][c] − off_c) = 255·e^(−off_c) · Π_r e^(−OD_r·A[r][c]): nine 256-entry tables per call
  const luts = new Float64Array(9 * 256);
  for (let r = 0; r < 3; r++)
    for (let c = 0; c < 3; c++) {
      const a = A[r * 3 + c] as number;
      const base = (r * 3 + c) * 256;
      for (let v = 0; v < 256; v++) luts[base + v] = Math.exp(-(OD[v] as number) * a);
    }
  const k0 = 255 * Math.exp(-(off[0] as number));
  const k1 = 255 * Math.exp(-(off[1] as number));
  const k2 = 255 * Math.exp(-(off[2] as number));
  for (let i = 0, p = 0; i < n; i++, p += ch) {
    const r = src[p] as number;
    const g = (src[p + 1] as number) + 768;
    const b = (src[p + 2] as number) + 1536;
    const v0 = k0 * (luts[r] as number) * (luts[g] as number) * (luts[b] as number);
    const v1 = k1 * (luts[r + 256] as number) * (luts[g + 256] as number) * (luts[b + 256] as number);
    const v2 = k2 * (luts[r + 512] as number) * (luts[g + 512] as number) * (luts[b + 512] as number);
    dst[p] = v0 >= 255 ? 255 : Math.round(v0);
    dst[p + 1] = v1 >= 255 ? 255 : Math.round(v1);
    dst[p + 2] = v2 >= 255 ? 255 : Math.round(v2);
  }
}

/**
 * A HED-jittered copy of an image (alpha kept).
 *
 * @throws WsiError `InvalidArgument` for a bad image or options.
 * @example
 * ```ts
 * const aug = hedJitter(patch, { sigma: 0.05, bias: 0.05, seed: 42 });
 * ```
 */
export function hedJitter(img: RgbImage, options: HedJitterOptions = {}): RgbImage & { data: Uint8Array } {
  const n = checkRgbImage(img);
  const out = likeImage(img);
  applyHedJitter(img.data, out.data, n, img.channels, drawHedJitter(options));
  return out;
}
