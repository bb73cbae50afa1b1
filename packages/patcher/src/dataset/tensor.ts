/**
 * Patches → model input: uint8 H×W×3 into a normalised Float32 NCHW slot, with an optional dihedral transform
 * (flips and 90° rotations) applied through a cached index map.
 */
import { WsiError } from '@wsi/core';

/**
 * Per-channel normalisation, `(v · scale − mean[c]) / std[c]`: an `@wsi/embed` `EncoderPreset` fits as is.
 *
 * @example
 * ```ts
 * import { getPreset } from '@wsi/embed';
 * const norm: TensorNormalization = getPreset('uni_v1'); // ImageNet mean/std, scale 1/255
 * ```
 */
export interface TensorNormalization {
  mean: readonly [number, number, number] | readonly number[];
  std: readonly [number, number, number] | readonly number[];
  /** Default 1/255. */
  scale?: number;
  /** Default `RGB`. */
  channelOrder?: 'RGB' | 'BGR';
}

/**
 * ImageNet statistics (the default of most encoder presets).
 *
 * @example
 * ```ts
 * ds.batches({ normalize: IMAGENET_NORMALIZATION });
 * ```
 */
export const IMAGENET_NORMALIZATION: Readonly<TensorNormalization> = Object.freeze({
  mean: [0.485, 0.456, 0.406],
  std: [0.229, 0.224, 0.225],
  scale: 1 / 255,
  channelOrder: 'RGB',
});

/**
 * Three 256-entry lookup tables (one per output channel) and the source channel each output channel reads.
 *
 * @throws WsiError `InvalidArgument` when mean/std are not 3 finite numbers with std > 0.
 * @example
 * ```ts
 * const { luts, source } = normalizationTables(IMAGENET_NORMALIZATION);
 * ```
 */
export function normalizationTables(n: TensorNormalization): { luts: Float32Array[]; source: number[] } {
  const scale = n.scale ?? 1 / 255;
  if (
    n.mean.length !== 3 ||
    n.std.length !== 3 ||
    ![...n.mean, ...n.std, scale].every(Number.isFinite) ||
    n.std.some((s) => !(s > 0))
  ) {
    throw new WsiError('InvalidArgument', 'normalisation needs 3 finite means and 3 positive standard deviations');
  }
  const source = n.channelOrder === 'BGR' ? [2, 1, 0] : [0, 1, 2];
  const luts = [0, 1, 2].map((c) => {
    const t = new Float32Array(256);
    const src = source[c] as number;
    for (let v = 0; v < 256; v++) t[v] = (v * scale - (n.mean[src] as number)) / (n.std[src] as number);
    return t;
  });
  return { luts, source };
}

const maps = new Map<string, Int32Array>();

/**
 * Source pixel of every output pixel for a square `size` patch rotated `k` quarter turns clockwise after optional
 * horizontal / vertical flips (null for the identity). Cached per (size, k, flips).
 *
 * @example
 * ```ts
 * const map = dihedralMap(224, 1, false, false); // 90° clockwise
 * ```
 */
export function dihedralMap(size: number, k: number, hflip: boolean, vflip: boolean): Int32Array | null {
  const q = ((k % 4) + 4) % 4;
  if (q === 0 && !hflip && !vflip) return null;
  const key = `${size}:${q}:${hflip ? 1 : 0}:${vflip ? 1 : 0}`;
  const hit = maps.get(key);
  if (hit) return hit;
  const n = size - 1;
  const map = new Int32Array(size * size);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      // rotation: output (y, x) comes from the flipped image at (sy, sx)
      let sy = y;
      let sx = x;
      if (q === 1) [sy, sx] = [n - x, y];
      else if (q === 2) [sy, sx] = [n - y, n - x];
      else if (q === 3) [sy, sx] = [x, n - y];
      if (hflip) sx = n - sx;
      if (vflip) sy = n - sy;
      map[y * size + x] = sy * size + sx;
    }
  }
  if (maps.size > 64) maps.clear();
  maps.set(key, map);
  return map;
}

/**
 * Writes one H×W×3 uint8 patch as a normalised 3×H×W float slot of `dst` at element `offset`, reading pixels
 * through `map` when given.
 *
 * @example
 * ```ts
 * const t = normalizationTables(IMAGENET_NORMALIZATION);
 * writeChw(rgb, 224 * 224, t, null, x, b * 3 * 224 * 224);
 * ```
 */
export function writeChw(
  rgb: Uint8Array,
  pixels: number,
  tables: { luts: Float32Array[]; source: number[] },
  map: Int32Array | null,
  dst: Float32Array,
  offset: number,
): void {
  const [l0, l1, l2] = tables.luts as [Float32Array, Float32Array, Float32Array];
  const [s0, s1, s2] = tables.source as [number, number, number];
  const o1 = offset + pixels;
  const o2 = o1 + pixels;
  if (map === null) {
    for (let p = 0, i = 0; p < pixels; p++, i += 3) {
      dst[offset + p] = l0[rgb[i + s0] as number] as number;
      dst[o1 + p] = l1[rgb[i + s1] as number] as number;
      dst[o2 + p] = l2[rgb[i + s2] as number] as number;
    }
    return;
  }
  for (let p = 0; p < pixels; p++) {
    const i = (map[p] as number) * 3;
    dst[offset + p] = l0[rgb[i + s0] as number] as number;
    dst[o1 + p] = l1[rgb[i + s1] as number] as number;
    dst[o2 + p] = l2[rgb[i + s2] as number] as number;
  }
}
