/**
 * From a requested patch resolution (magnification, mpp or level) to what is read: the level, the side read
 * there, the resize target (CLAM's `custom_downsample` convention) and the level-0 side and step.
 */
import { type Slide, type SlideLevel, WsiError } from '@wsi/core';

/**
 * Trident's mpp → nominal magnification rule, for slides without an objective power.
 *
 * @throws WsiError `InvalidArgument` when mpp ≥ 2.4 or not positive.
 * @example
 * ```ts
 * magnificationFromMpp(0.2265); // 40
 * ```
 */
export function magnificationFromMpp(mpp: number): number {
  if (!(mpp > 0 && Number.isFinite(mpp))) throw new WsiError('InvalidArgument', `mpp must be > 0, got ${mpp}`);
  const table: [number, number][] = [
    [0.16, 80],
    [0.2, 60],
    [0.3, 40],
    [0.6, 20],
    [1.2, 10],
    [2.4, 5],
  ];
  for (const [limit, mag] of table) if (mpp < limit) return mag;
  throw new WsiError(
    'InvalidArgument',
    `mpp ${mpp} is too coarse to infer a magnification (Trident's rule stops at 2.4 µm/px)`,
  );
}

/**
 * How patches are sized: `patchSize` pixels at one of `magnification`, `mpp` or `level` (none: level 0).
 *
 * @example
 * ```ts
 * const r: PatchResolution = { patchSize: 256, magnification: 20, overlap: 0 };
 * ```
 */
export interface PatchResolution {
  patchSize: number;
  magnification?: number;
  mpp?: number;
  level?: number;
  /** Overlap between neighbours in output pixels (default 0). */
  overlap?: number;
  /** µm/px at level 0, overriding the slide's (slides without mpp). */
  slideMpp?: number;
}

/**
 * The resolved reading plan of a grid.
 *
 * @example
 * ```ts
 * const plan = resolvePatchPlan(slide, { patchSize: 256, magnification: 20 });
 * plan.readSize; plan.patchLevel; plan.targetPatchSize;
 * ```
 */
export interface PatchPlan {
  patchLevel: number;
  /** Per-axis downsample of `patchLevel` (CLAM's convention). */
  downsample: [number, number];
  /** Side read at `patchLevel` (CLAM's `patch_size`). */
  readSize: number;
  /** Output side after resizing, when the read is resized. */
  targetPatchSize?: number;
  /** Output side (the requested patch size). */
  outputSize: number;
  patchSizeLevel0: number;
  stepLevel0: number;
  overlap: number;
  level0Magnification?: number;
  targetMagnification?: number;
  mpp?: number;
  levelDim: [number, number];
  downsampledLevelDim: [number, number];
}

const posInt = (v: number | undefined, name: string, min = 1): void => {
  if (v !== undefined && !(Number.isInteger(v) && v >= min))
    throw new WsiError('InvalidArgument', `${name} must be an integer ≥ ${min}, got ${v}`);
};
const posNum = (v: number | undefined, name: string): void => {
  if (v !== undefined && !(Number.isFinite(v) && v > 0))
    throw new WsiError('InvalidArgument', `${name} must be > 0, got ${v}`);
};

/**
 * Resolves a {@link PatchResolution} on a slide.
 *
 * @throws WsiError `InvalidArgument` (several resolutions, bad numbers, overlap ≥ patch size, a magnification or mpp
 *   on a slide with neither mpp nor objective power and no `slideMpp`, a patch larger than the slide), `OutOfBounds`
 *   (level).
 * @example
 * ```ts
 * resolvePatchPlan(slide, { patchSize: 224, mpp: 0.5 });
 * ```
 */
export function resolvePatchPlan(slide: Slide, res: PatchResolution): PatchPlan {
  posInt(res.patchSize, 'patch size');
  posInt(res.level, 'level', 0);
  posInt(res.overlap, 'overlap', 0);
  posNum(res.magnification, 'magnification');
  posNum(res.mpp, 'mpp');
  posNum(res.slideMpp, 'slide mpp');
  const given = [res.magnification, res.mpp, res.level].filter((v) => v !== undefined).length;
  if (given > 1) throw new WsiError('InvalidArgument', 'give at most one of magnification, mpp and level');
  const overlap = res.overlap ?? 0;
  if (overlap >= res.patchSize)
    throw new WsiError('InvalidArgument', `overlap ${overlap} must be smaller than the patch size ${res.patchSize}`);
  const l0 = slide.levels[0] as SlideLevel;
  const mpp = res.slideMpp ?? (slide.mpp ? (slide.mpp.x + slide.mpp.y) / 2 : undefined);
  const objective = slide.objectivePower ?? (mpp !== undefined ? magnificationFromMpp(mpp) : undefined);
  let ds: number; // wanted level-0 pixels per output pixel
  let level: number;
  if (res.magnification !== undefined) {
    if (objective === undefined) {
      throw new WsiError(
        'InvalidArgument',
        'the slide has neither an objective power nor an mpp: pass slideMpp (--slide-mpp) or patch by level',
        {
          details: { magnification: res.magnification },
        },
      );
    }
    ds = objective / res.magnification;
    level = slide.bestLevelForDownsample(ds);
  } else if (res.mpp !== undefined) {
    if (mpp === undefined)
      throw new WsiError(
        'InvalidArgument',
        'the slide has no mpp: pass slideMpp (--slide-mpp) or patch by level or magnification',
      );
    ds = res.mpp / mpp;
    level = slide.bestLevelForDownsample(ds);
  } else {
    level = res.level ?? 0;
    const l = slide.levels[level];
    if (!l) throw new WsiError('OutOfBounds', `level ${level} outside 0..${slide.levels.length - 1}`);
    ds = l.downsample;
  }
  if (ds < 1 - 1e-6) {
    throw new WsiError(
      'InvalidArgument',
      `the requested resolution is finer than level 0 (downsample ${ds.toFixed(3)}); upsampling is not supported`,
    );
  }
  const lvl = slide.levels[level] as SlideLevel;
  const downsample: [number, number] = [l0.width / lvl.width, l0.height / lvl.height];
  const rel = ds / lvl.downsample;
  const native = Math.abs(rel - 1) < 0.01;
  const readSize = native ? res.patchSize : Math.round(res.patchSize * rel);
  const patchSizeLevel0 = Math.round(res.patchSize * (native ? snap(lvl.downsample) : ds));
  const step = res.patchSize - overlap;
  const stepLevel0 = Math.max(1, Math.round(step * (native ? snap(lvl.downsample) : ds)));
  if (patchSizeLevel0 > l0.width || patchSizeLevel0 > l0.height) {
    throw new WsiError(
      'InvalidArgument',
      `a patch of ${patchSizeLevel0} level-0 px is larger than the slide (${l0.width} × ${l0.height})`,
      {
        details: { patchSizeLevel0, width: l0.width, height: l0.height },
      },
    );
  }
  const targetMagnification = objective !== undefined ? round3(objective / ds) : undefined;
  return {
    patchLevel: level,
    downsample,
    readSize,
    ...(native ? {} : { targetPatchSize: res.patchSize }),
    outputSize: res.patchSize,
    patchSizeLevel0,
    stepLevel0,
    overlap,
    ...(objective === undefined ? {} : { level0Magnification: objective }),
    ...(targetMagnification === undefined ? {} : { targetMagnification }),
    ...(mpp === undefined ? {} : { mpp }),
    levelDim: [l0.width, l0.height],
    downsampledLevelDim: [lvl.width, lvl.height],
  };
}

/** A level downsample as an integer when it is one up to rounding of odd level sizes (4.0005 → 4). */
function snap(d: number): number {
  const r = Math.round(d);
  return Math.abs(d - r) < 0.01 * r ? r : d;
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}
