/**
 * Segmentation parameters and the named presets (CLAM's `presets/*.csv` values and a Trident-style Otsu preset).
 */
import { WsiError } from '@wsi/core';

/**
 * CLAM's `segmentTissue` parameters.
 *
 * @example
 * ```ts
 * const p: SegmentationParams = { ...PRESETS['clam-default'], aT: 1 };
 * ```
 */
export interface SegmentationParams {
  /** Segmentation level; −1 (default) = the level best for downsample 64. */
  segLevel: number;
  /** Saturation threshold (pixels with blurred saturation > sthresh are tissue). */
  sthresh: number;
  /** Median blur kernel (odd). */
  mthresh: number;
  /** Morphological close kernel (0 = none). */
  close: number;
  /** Otsu's threshold instead of `sthresh`. */
  useOtsu: boolean;
  /** Minimum tissue area, in 512×512 level-0 reference patches. */
  aT: number;
  /** Minimum hole area, in reference patches. */
  aH: number;
  /** Largest number of holes kept per tissue region (largest first). */
  maxNHoles: number;
  /** Reference patch side at level 0 (default 512). */
  refPatchSize: number;
}

/**
 * Names of the built-in presets.
 *
 * @example
 * ```ts
 * const p: PresetName = 'bwh-biopsy';
 * ```
 */
export type PresetName = 'clam-default' | 'tcga' | 'bwh-biopsy' | 'otsu';

const base = { segLevel: -1, refPatchSize: 512 };

/**
 * The presets: `clam-default` (CLAM's `create_patches_fp.py` defaults), `tcga` (`presets/tcga.csv`),
 * `bwh-biopsy` (`presets/bwh_biopsy.csv`), `otsu` (Trident-style: Otsu threshold, small area filters).
 *
 * @example
 * ```ts
 * PRESETS.tcga.aT; // 16
 * ```
 */
export const PRESETS: Readonly<Record<PresetName, Readonly<SegmentationParams>>> = {
  'clam-default': { ...base, sthresh: 8, mthresh: 7, close: 4, useOtsu: false, aT: 100, aH: 16, maxNHoles: 8 },
  tcga: { ...base, sthresh: 8, mthresh: 7, close: 4, useOtsu: false, aT: 16, aH: 4, maxNHoles: 8 },
  'bwh-biopsy': { ...base, sthresh: 15, mthresh: 11, close: 2, useOtsu: false, aT: 1, aH: 1, maxNHoles: 2 },
  otsu: { ...base, sthresh: 8, mthresh: 7, close: 4, useOtsu: true, aT: 1, aH: 1, maxNHoles: 8 },
};

/**
 * Resolves a preset name plus overrides into validated parameters.
 *
 * @throws WsiError `InvalidArgument` for an unknown preset or out-of-range values.
 * @example
 * ```ts
 * const p = segmentationParams('tcga', { aT: 1 });
 * ```
 */
export function segmentationParams(
  preset: PresetName | string = 'clam-default',
  overrides: Partial<SegmentationParams> = {},
): SegmentationParams {
  // own keys only: 'toString' or '__proto__' are not presets
  const p = Object.hasOwn(PRESETS, preset) ? PRESETS[preset as PresetName] : undefined;
  if (!p)
    throw new WsiError('InvalidArgument', `unknown preset '${preset}' (one of ${Object.keys(PRESETS).join(', ')})`);
  const out: SegmentationParams = { ...p };
  for (const [k, v] of Object.entries(overrides))
    if (v !== undefined) (out as unknown as Record<string, unknown>)[k] = v;
  const bad = (msg: string): never => {
    throw new WsiError('InvalidArgument', msg, { details: { params: out } });
  };
  if (!Number.isInteger(out.segLevel) || out.segLevel < -1) bad(`segLevel must be −1 or a level, got ${out.segLevel}`);
  if (!(Number.isInteger(out.sthresh) && out.sthresh >= 0 && out.sthresh <= 255))
    bad(`sthresh must be an integer in 0..255, got ${out.sthresh}`);
  if (!(Number.isInteger(out.mthresh) && out.mthresh >= 1 && out.mthresh % 2 === 1 && out.mthresh <= 255))
    bad(`mthresh must be an odd integer ≥ 1, got ${out.mthresh}`);
  if (!(Number.isInteger(out.close) && out.close >= 0 && out.close <= 255))
    bad(`close must be an integer ≥ 0, got ${out.close}`);
  for (const k of ['aT', 'aH'] as const)
    if (!(Number.isFinite(out[k]) && out[k] >= 0)) bad(`${k} must be ≥ 0, got ${out[k]}`);
  if (!(Number.isInteger(out.maxNHoles) && out.maxNHoles >= 0))
    bad(`maxNHoles must be an integer ≥ 0, got ${out.maxNHoles}`);
  if (!(Number.isInteger(out.refPatchSize) && out.refPatchSize >= 1))
    bad(`refPatchSize must be a positive integer, got ${out.refPatchSize}`);
  return out;
}
