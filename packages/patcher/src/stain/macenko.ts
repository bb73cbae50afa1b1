/**
 * Macenko stain normalisation (Macenko et al., ISBI 2009): the H and E optical-density vectors of an image are the
 * extreme angles of its OD pixels projected on their two principal directions; pixels are unmixed into H and E
 * concentrations and remixed with a target's vectors and concentration scale.
 */
import { WsiError } from '@wsi/core';
import { checkRgbImage, likeImage, percentileInPlace, type RgbImage, symmetricEigen3 } from './image.js';

/**
 * Stain vectors and concentration scale: `stainMatrix[0]` is haematoxylin's unit OD vector (R, G, B), `[1]`
 * eosin's; `maxConcentrations` are their 99th-percentile concentrations. Plain JSON: store it and rebuild a
 * normaliser with {@link MacenkoNormalizer}.
 *
 * @example
 * ```ts
 * const s: MacenkoStains = { stainMatrix: [[0.65, 0.7, 0.29], [0.07, 0.99, 0.11]], maxConcentrations: [1.9, 1.0] };
 * ```
 */
export interface MacenkoStains {
  stainMatrix: [[number, number, number], [number, number, number]];
  maxConcentrations: [number, number];
}

/**
 * The reference H&E stains of the Macenko method as published with its widely used implementation (H = (0.5626,
 * 0.7201, 0.4062), E = (0.2159, 0.8012, 0.5581), max concentrations 1.9705 and 1.0308; natural-log OD, Io = 240).
 *
 * @example
 * ```ts
 * const norm = new MacenkoNormalizer(MACENKO_REFERENCE);
 * ```
 */
export const MACENKO_REFERENCE: Readonly<MacenkoStains> = Object.freeze({
  stainMatrix: [
    [0.5626, 0.7201, 0.4062],
    [0.2159, 0.8012, 0.5581],
  ],
  maxConcentrations: [1.9705, 1.0308],
}) as Readonly<MacenkoStains>;

/**
 * Ruifrok & Johnston's H&E(&DAB) colour-deconvolution vectors (Anal. Quant. Cytol. Histol. 2001), as used by
 * scikit-image's `rgb2hed`: rows H, E, DAB (unnormalised as published).
 *
 * @example
 * ```ts
 * const [h, e, d] = RUIFROK_HED;
 * ```
 */
export const RUIFROK_HED: readonly (readonly [number, number, number])[] = [
  [0.65, 0.7, 0.29],
  [0.07, 0.99, 0.11],
  [0.27, 0.57, 0.78],
];

/**
 * Options of {@link fitMacenko}.
 *
 * @example
 * ```ts
 * const o: MacenkoOptions = { io: 240, beta: 0.15, alpha: 1 };
 * ```
 */
export interface MacenkoOptions {
  /** Transmitted light intensity (default 240). */
  io?: number;
  /** OD threshold: pixels with any channel's OD below it are background (default 0.15). */
  beta?: number;
  /** Angle percentile of the extremes, in percent (default 1 → the 1st and 99th). */
  alpha?: number;
  /** Pixels used for the fit at most (strided sample; default 262144). */
  maxPixels?: number;
}

function odLut(io: number): Float64Array {
  const lut = new Float64Array(256);
  for (let v = 0; v < 256; v++) lut[v] = -Math.log((v + 1) / io);
  return lut;
}

function unit(v: readonly number[]): [number, number, number] {
  const n = Math.hypot(v[0] as number, v[1] as number, v[2] as number) || 1;
  const s = (v[0] as number) + (v[1] as number) + (v[2] as number) < 0 ? -1 : 1;
  return [((v[0] as number) * s) / n, ((v[1] as number) * s) / n, ((v[2] as number) * s) / n];
}

/** Least-squares unmixing matrix (2×3) of two stain vectors: (SᵀS)⁻¹Sᵀ with S = [h e] (3×2). */
function unmixer(m: MacenkoStains['stainMatrix']): number[] {
  const [h, e] = m;
  const hh = h[0] * h[0] + h[1] * h[1] + h[2] * h[2];
  const ee = e[0] * e[0] + e[1] * e[1] + e[2] * e[2];
  const he = h[0] * e[0] + h[1] * e[1] + h[2] * e[2];
  const det = hh * ee - he * he;
  if (!(Math.abs(det) > 1e-12)) throw new WsiError('InvalidArgument', 'the two stain vectors are parallel');
  const row = (a: number, b: number) => [0, 1, 2].map((c) => (a * (h[c] as number) + b * (e[c] as number)) / det);
  return [...row(ee, -he), ...row(-he, hh)];
}

/**
 * Estimates an image's H and E stain vectors and concentration scale by Macenko's method.
 *
 * @throws WsiError `InvalidArgument` for a bad image, or when fewer than 16 pixels carry stain (a blank patch).
 * @example
 * ```ts
 * const stains = fitMacenko(targetTile); // { stainMatrix: [[…H], […E]], maxConcentrations: [h99, e99] }
 * ```
 */
export function fitMacenko(img: RgbImage, options: MacenkoOptions = {}): MacenkoStains {
  const n = checkRgbImage(img);
  const io = options.io ?? 240;
  const beta = options.beta ?? 0.15;
  const alpha = options.alpha ?? 1;
  const lut = odLut(io);
  const ch = img.channels;
  const step = Math.max(1, Math.ceil(n / (options.maxPixels ?? 262144)));
  const m = Math.ceil(n / step);
  const od = new Float64Array(m * 3);
  let k = 0;
  for (let i = 0; i < n; i += step) {
    const p = i * ch;
    if (ch === 4 && img.data[p + 3] === 0) continue;
    const r = lut[img.data[p] as number] as number;
    const g = lut[img.data[p + 1] as number] as number;
    const b = lut[img.data[p + 2] as number] as number;
    if (r < beta || g < beta || b < beta) continue;
    od[k * 3] = r;
    od[k * 3 + 1] = g;
    od[k * 3 + 2] = b;
    k++;
  }
  if (k < 16) throw new WsiError('InvalidArgument', `only ${k} stained pixels: cannot fit stain vectors`);
  const mean = [0, 0, 0];
  for (let i = 0; i < k * 3; i++) (mean[i % 3] as number) += od[i] as number;
  for (let c = 0; c < 3; c++) mean[c] = (mean[c] as number) / k;
  const cov = new Array<number>(9).fill(0);
  for (let i = 0; i < k; i++) {
    const d0 = (od[i * 3] as number) - (mean[0] as number);
    const d1 = (od[i * 3 + 1] as number) - (mean[1] as number);
    const d2 = (od[i * 3 + 2] as number) - (mean[2] as number);
    cov[0] = (cov[0] as number) + d0 * d0;
    cov[1] = (cov[1] as number) + d0 * d1;
    cov[2] = (cov[2] as number) + d0 * d2;
    cov[4] = (cov[4] as number) + d1 * d1;
    cov[5] = (cov[5] as number) + d1 * d2;
    cov[8] = (cov[8] as number) + d2 * d2;
  }
  cov[3] = cov[1] as number;
  cov[6] = cov[2] as number;
  cov[7] = cov[5] as number;
  const { vectors } = symmetricEigen3(cov);
  const e1 = unit(vectors[2] as number[]); // largest variance
  const e2 = vectors[1] as number[];
  const phi = new Float64Array(k);
  for (let i = 0; i < k; i++) {
    const x = (od[i * 3] as number) * e1[0] + (od[i * 3 + 1] as number) * e1[1] + (od[i * 3 + 2] as number) * e1[2];
    const y =
      (od[i * 3] as number) * (e2[0] as number) +
      (od[i * 3 + 1] as number) * (e2[1] as number) +
      (od[i * 3 + 2] as number) * (e2[2] as number);
    phi[i] = Math.atan2(y, x);
  }
  const lo = percentileInPlace(phi, k, alpha);
  const hi = percentileInPlace(phi, k, 100 - alpha);
  const along = (a: number) =>
    unit([0, 1, 2].map((c) => (e1[c] as number) * Math.cos(a) + (e2[c] as number) * Math.sin(a)));
  const vMin = along(lo);
  const vMax = along(hi);
  // haematoxylin absorbs more red than eosin
  const stainMatrix: MacenkoStains['stainMatrix'] = vMin[0] > vMax[0] ? [vMin, vMax] : [vMax, vMin];
  const u = unmixer(stainMatrix);
  const ch0 = new Float64Array(k);
  const ch1 = new Float64Array(k);
  for (let i = 0; i < k; i++) {
    const r = od[i * 3] as number;
    const g = od[i * 3 + 1] as number;
    const b = od[i * 3 + 2] as number;
    ch0[i] = (u[0] as number) * r + (u[1] as number) * g + (u[2] as number) * b;
    ch1[i] = (u[3] as number) * r + (u[4] as number) * g + (u[5] as number) * b;
  }
  return { stainMatrix, maxConcentrations: [percentileInPlace(ch0, k, 99), percentileInPlace(ch1, k, 99)] };
}

/**
 * Maps patches onto a target's stains: each patch's own stains are fitted (or given), its pixels unmixed into H
 * and E concentrations, rescaled to the target's concentration scale and remixed with the target's vectors.
 *
 * @example
 * ```ts
 * const norm = MacenkoNormalizer.fromImage(targetTile); // or new MacenkoNormalizer(storedStains)
 * const out = norm.normalize(patch); // same size and channels, alpha kept
 * ```
 */
export class MacenkoNormalizer {
  readonly target: MacenkoStains;
  readonly options: MacenkoOptions;
  readonly #lut: Float64Array;

  /** @throws WsiError `InvalidArgument` for a target whose vectors are parallel or scales not positive. */
  constructor(target: MacenkoStains = MACENKO_REFERENCE, options: MacenkoOptions = {}) {
    unmixer(target.stainMatrix);
    if (!target.maxConcentrations.every((x) => x > 0))
      throw new WsiError('InvalidArgument', 'target max concentrations must be positive');
    this.target = { stainMatrix: target.stainMatrix, maxConcentrations: target.maxConcentrations };
    this.options = options;
    this.#lut = odLut(options.io ?? 240);
  }

  /** A normaliser whose target is the stains of `img`. */
  static fromImage(img: RgbImage, options: MacenkoOptions = {}): MacenkoNormalizer {
    return new MacenkoNormalizer(fitMacenko(img, options), options);
  }

  /**
   * Normalises one image (fitting its stains unless `source` is given).
   *
   * @throws WsiError `InvalidArgument` for a bad image or one without stain to fit.
   */
  normalize(img: RgbImage, source?: MacenkoStains): RgbImage & { data: Uint8Array } {
    const n = checkRgbImage(img);
    const src = source ?? fitMacenko(img, this.options);
    const u = unmixer(src.stainMatrix);
    const io = this.options.io ?? 240;
    const [th, te] = this.target.stainMatrix;
    const sh = this.target.maxConcentrations[0] / src.maxConcentrations[0];
    const se = this.target.maxConcentrations[1] / src.maxConcentrations[1];
    const out = likeImage(img);
    const ch = img.channels;
    const lut = this.#lut;
    for (let i = 0, p = 0; i < n; i++, p += ch) {
      const r = lut[img.data[p] as number] as number;
      const g = lut[img.data[p + 1] as number] as number;
      const b = lut[img.data[p + 2] as number] as number;
      const ch0 = ((u[0] as number) * r + (u[1] as number) * g + (u[2] as number) * b) * sh;
      const ch1 = ((u[3] as number) * r + (u[4] as number) * g + (u[5] as number) * b) * se;
      for (let c = 0; c < 3; c++) {
        const v = io * Math.exp(-((th[c] as number) * ch0 + (te[c] as number) * ch1));
        out.data[p + c] = v >= 255 ? 255 : v <= 0 ? 0 : Math.round(v);
      }
    }
    return out;
  }
}
