/**
 * From measured rates to a cohort estimate: patches per second each resource allows, the slowest (bottleneck),
 * and hours for N slides.
 */

/**
 * What a cohort will take, and which resource limits it.
 *
 * @example
 * ```ts
 * const e: DoctorEstimate = estimateCohort({ slides: 100, slideBytes: 1e9, diskMBps: 200, decodeMPps: 80, encoderPps: 50 });
 * ```
 */
export interface DoctorEstimate {
  slides: number;
  slideBytes: number;
  /** Level-0 bytes per pixel of the compressed slide. */
  bytesPerPixel: number;
  level0Magnification: number;
  patchSize: number;
  magnification: number;
  tissueFraction: number;
  patchesPerSlide: number;
  /** Patches per second each resource allows on its own. */
  patchesPerSecond: { disk: number; decode: number; encoder: number };
  bottleneck: 'disk' | 'decode' | 'encoder';
  /** Hours for all slides (stages overlap, so the slowest resource sets the pace). */
  hours: number;
}

/** Inputs of {@link estimateCohort}. */
export interface EstimateInput {
  slides: number;
  slideBytes: number;
  diskMBps: number;
  /** Level-0 megapixels decoded per second with every core busy. */
  decodeMPps: number;
  encoderPps: number;
  /** Default 0.125 (a 1 GB 40× slide ≈ 8 gigapixels). */
  bytesPerPixel?: number;
  /** Default 40. */
  level0Magnification?: number;
  /** Default 256 at 20×. */
  patchSize?: number;
  magnification?: number;
  /** Share of the slide that is tissue (default 0.4). */
  tissueFraction?: number;
}

const r1 = (x: number): number => Math.round(x * 10) / 10;

/**
 * Estimates a cohort: patches per slide from its size, then per-resource patch rates (disk: compressed bytes of a
 * patch's level-0 area; decode: its level-0 pixels; encoder: as measured), the bottleneck and the hours.
 *
 * @example
 * ```ts
 * estimateCohort({ slides: 500, slideBytes: 1.5e9, diskMBps: 150, decodeMPps: 60, encoderPps: 40 }).hours;
 * ```
 */
export function estimateCohort(i: EstimateInput): DoctorEstimate {
  const bpp = i.bytesPerPixel ?? 0.125;
  const mag0 = i.level0Magnification ?? 40;
  const patchSize = i.patchSize ?? 256;
  const magnification = i.magnification ?? 20;
  const tissue = i.tissueFraction ?? 0.4;
  const side0 = patchSize * Math.max(1, mag0 / magnification);
  const area0 = side0 * side0;
  const patchesPerSlide = Math.max(1, Math.round((i.slideBytes / bpp / area0) * tissue));
  const pps = {
    disk: r1((i.diskMBps * 1e6) / (bpp * area0)),
    decode: r1((i.decodeMPps * 1e6) / area0),
    encoder: r1(i.encoderPps),
  };
  const bottleneck = (Object.entries(pps) as [DoctorEstimate['bottleneck'], number][]).reduce((a, b) =>
    b[1] < a[1] ? b : a,
  )[0];
  const rate = Math.max(1e-9, pps[bottleneck]);
  return {
    slides: i.slides,
    slideBytes: i.slideBytes,
    bytesPerPixel: Math.round(bpp * 1e4) / 1e4,
    level0Magnification: mag0,
    patchSize,
    magnification,
    tissueFraction: tissue,
    patchesPerSlide,
    patchesPerSecond: pps,
    bottleneck,
    hours: Math.round(((i.slides * patchesPerSlide) / rate / 3600) * 100) / 100,
  };
}
