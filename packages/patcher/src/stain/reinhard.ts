/**
 * Reinhard colour normalisation (Reinhard et al., IEEE CG&A 2001) in CIELAB: each channel's mean and standard
 * deviation are moved to a target's. sRGB (D65) ↔ CIELAB as the CIE defines it (L 0–100).
 */
import { WsiError } from '@wsi/core';
import { checkRgbImage, likeImage, type RgbImage } from './image.js';

/**
 * Per-channel statistics in CIELAB (L, a, b): plain JSON, store it and rebuild a {@link ReinhardNormalizer}.
 *
 * @example
 * ```ts
 * const s: LabStats = { mean: [70, 20, -10], std: [15, 8, 6] };
 * ```
 */
export interface LabStats {
  mean: [number, number, number];
  std: [number, number, number];
}

const SRGB_TO_LINEAR = (() => {
  const t = new Float64Array(256);
  for (let v = 0; v < 256; v++) {
    const c = v / 255;
    t[v] = c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  }
  return t;
})();
const WHITE = [0.95047, 1, 1.08883];
const EPS = 216 / 24389;
const KAPPA = 24389 / 27;

function f(t: number): number {
  return t > EPS ? Math.cbrt(t) : (KAPPA * t + 16) / 116;
}
function finv(t: number): number {
  const t3 = t * t * t;
  return t3 > EPS ? t3 : (116 * t - 16) / KAPPA;
}
function toSrgb(c: number): number {
  const v = c <= 0.0031308 ? 12.92 * c : 1.055 * c ** (1 / 2.4) - 0.055;
  const x = Math.round(v * 255);
  return x < 0 ? 0 : x > 255 ? 255 : x;
}

/**
 * Converts one sRGB pixel (0–255) to CIELAB into `out[o…o+2]`.
 *
 * @example
 * ```ts
 * const lab = new Float64Array(3);
 * rgbToLab(255, 255, 255, lab, 0); // lab ≈ [100, 0, 0]
 * ```
 */
export function rgbToLab(r: number, g: number, b: number, out: Float64Array, o: number): void {
  const R = SRGB_TO_LINEAR[r] as number;
  const G = SRGB_TO_LINEAR[g] as number;
  const B = SRGB_TO_LINEAR[b] as number;
  const fx = f((0.4124564 * R + 0.3575761 * G + 0.1804375 * B) / (WHITE[0] as number));
  const fy = f(0.2126729 * R + 0.7151522 * G + 0.072175 * B);
  const fz = f((0.0193339 * R + 0.119192 * G + 0.9503041 * B) / (WHITE[2] as number));
  out[o] = 116 * fy - 16;
  out[o + 1] = 500 * (fx - fy);
  out[o + 2] = 200 * (fy - fz);
}

/**
 * Converts CIELAB to sRGB (0–255, rounded and clipped) into `out[o…o+2]`.
 *
 * @example
 * ```ts
 * const px = new Uint8Array(3);
 * labToRgb(100, 0, 0, px, 0); // [255, 255, 255]
 * ```
 */
export function labToRgb(L: number, a: number, bb: number, out: Uint8Array, o: number): void {
  const fy = (L + 16) / 116;
  const X = finv(fy + a / 500) * (WHITE[0] as number);
  const Y = finv(fy);
  const Z = finv(fy - bb / 200) * (WHITE[2] as number);
  out[o] = toSrgb(3.2404542 * X - 1.5371385 * Y - 0.4985314 * Z);
  out[o + 1] = toSrgb(-0.969266 * X + 1.8760108 * Y + 0.041556 * Z);
  out[o + 2] = toSrgb(0.0556434 * X - 0.2040259 * Y + 1.0572252 * Z);
}

/**
 * Mean and standard deviation of an image's CIELAB channels over its opaque pixels.
 *
 * @throws WsiError `InvalidArgument` for a bad or fully transparent image.
 * @example
 * ```ts
 * const target = fitReinhard(referenceTile);
 * ```
 */
export function fitReinhard(img: RgbImage): LabStats {
  const n = checkRgbImage(img);
  const ch = img.channels;
  const lab = new Float64Array(3);
  const s = [0, 0, 0];
  const s2 = [0, 0, 0];
  let m = 0;
  for (let i = 0, p = 0; i < n; i++, p += ch) {
    if (ch === 4 && img.data[p + 3] === 0) continue;
    rgbToLab(img.data[p] as number, img.data[p + 1] as number, img.data[p + 2] as number, lab, 0);
    for (let c = 0; c < 3; c++) {
      const v = lab[c] as number;
      s[c] = (s[c] as number) + v;
      s2[c] = (s2[c] as number) + v * v;
    }
    m++;
  }
  if (m === 0) throw new WsiError('InvalidArgument', 'no opaque pixels to fit Reinhard statistics on');
  const mean = s.map((x) => x / m) as [number, number, number];
  const std = s2.map((x, c) => Math.sqrt(Math.max(0, x / m - (mean[c] as number) ** 2))) as [number, number, number];
  return { mean, std };
}

/**
 * Moves each patch's CIELAB mean and standard deviation to a target's.
 *
 * @example
 * ```ts
 * const norm = ReinhardNormalizer.fromImage(targetTile); // or new ReinhardNormalizer(storedStats)
 * const out = norm.normalize(patch);
 * ```
 */
export class ReinhardNormalizer {
  readonly target: LabStats;

  /** @throws WsiError `InvalidArgument` when a statistic is not finite or a std is negative. */
  constructor(target: LabStats) {
    if (![...target.mean, ...target.std].every(Number.isFinite) || target.std.some((x) => x < 0))
      throw new WsiError('InvalidArgument', 'Reinhard target statistics must be finite with std ≥ 0');
    this.target = { mean: [...target.mean], std: [...target.std] };
  }

  /** A normaliser whose target is the statistics of `img`. */
  static fromImage(img: RgbImage): ReinhardNormalizer {
    return new ReinhardNormalizer(fitReinhard(img));
  }

  /**
   * Normalises one image (its own statistics fitted unless `source` is given); alpha is kept.
   *
   * @throws WsiError `InvalidArgument` for a bad image.
   */
  normalize(img: RgbImage, source?: LabStats): RgbImage & { data: Uint8Array } {
    const n = checkRgbImage(img);
    const src = source ?? fitReinhard(img);
    const gain = [0, 1, 2].map((c) =>
      (src.std[c] as number) > 1e-9 ? (this.target.std[c] as number) / (src.std[c] as number) : 1,
    );
    const out = likeImage(img);
    const ch = img.channels;
    const lab = new Float64Array(3);
    const [g0, g1, g2] = gain as [number, number, number];
    const [m0, m1, m2] = src.mean;
    const [t0, t1, t2] = this.target.mean;
    for (let i = 0, p = 0; i < n; i++, p += ch) {
      rgbToLab(img.data[p] as number, img.data[p + 1] as number, img.data[p + 2] as number, lab, 0);
      labToRgb(
        ((lab[0] as number) - m0) * g0 + t0,
        ((lab[1] as number) - m1) * g1 + t1,
        ((lab[2] as number) - m2) * g2 + t2,
        out.data,
        p,
      );
    }
    return out;
  }
}
