/**
 * CLAM's tissue segmentation (`WholeSlideImage.segmentTissue`): saturation → median blur → threshold (fixed or
 * Otsu) → close → borders with holes → area filters in units of a 512² level-0 reference patch.
 */
import { type Raster, type Slide, type SlideLevel, throwIfAborted, WsiError } from '@wsi/core';
import { readLevel } from '@wsi/reader';
import { type Contour, contourArea, findContours } from './contours.js';
import {
  closeMask,
  type GrayImage,
  medianBlur,
  medianThreshold,
  otsuThreshold,
  saturation,
  threshold,
} from './image-ops.js';
import { rowTable } from './polygon.js';
import type { SegmentationParams } from './presets.js';

/**
 * One tissue region at the segmentation level: its outer border and the holes kept.
 *
 * @example
 * ```ts
 * const r: TissueRegion = seg.regions[0]!; r.holes.length;
 * ```
 */
export interface TissueRegion {
  /** Outer border, interleaved x, y pixel indices at the segmentation level. */
  contour: Contour;
  holes: Contour[];
  /** Area (segmentation-level pixels²) minus the holes' areas, as CLAM filters on. */
  area: number;
}

/**
 * The result of {@link segmentTissue} / {@link segmentImage}.
 *
 * @example
 * ```ts
 * const seg: TissueSegmentation = await segmentTissue(slide, params);
 * seg.regions.length; seg.mask.data; // 0/255 at seg.level
 * ```
 */
export interface TissueSegmentation {
  /** Level segmented (−1 when segmenting a free image). */
  level: number;
  /** Level-0 pixels per segmentation pixel, per axis (CLAM's `level_downsamples`). */
  downsample: [number, number];
  width: number;
  height: number;
  /** Threshold applied to the blurred saturation (`sthresh` or Otsu's). */
  threshold: number;
  /** Thresholded and closed image before the area filters (0/255). */
  binary: GrayImage;
  /** Final tissue: kept regions filled, kept holes cleared (0/255). */
  mask: GrayImage;
  regions: TissueRegion[];
  params: SegmentationParams;
  /** The segmentation-level image (RGBA or RGB), for overlays. */
  image: Raster;
}

/**
 * Segments an image that represents level 0 downsampled by `downsample` (x, y).
 *
 * @example
 * ```ts
 * const seg = segmentImage(levelRaster, [16, 16], segmentationParams('tcga'));
 * ```
 */
export function segmentImage(
  image: Raster,
  downsample: [number, number],
  params: SegmentationParams,
): TissueSegmentation {
  const s = saturation(image);
  let t = params.sthresh;
  let thresholded: GrayImage;
  if (params.useOtsu) {
    const blurred = medianBlur(s, params.mthresh);
    t = otsuThreshold(blurred);
    thresholded = threshold(blurred, t);
  } else {
    thresholded = medianThreshold(s, params.mthresh, t);
  }
  const binary = params.close > 0 ? closeMask(thresholded, params.close) : thresholded;
  const ref = Math.trunc(params.refPatchSize ** 2 / (downsample[0] * downsample[1]));
  const aT = params.aT * ref;
  const aH = params.aH * ref;
  const { outers, holes } = findContours(binary);
  const regions: TissueRegion[] = [];
  for (let i = 0; i < outers.length; i++) {
    const outer = outers[i] as Contour;
    const hs = holes[i] as Contour[];
    const holeAreas = hs.map(contourArea);
    const area = contourArea(outer) - holeAreas.reduce((a, b) => a + b, 0);
    if (area === 0 || !(area > aT)) continue;
    const kept = hs
      .map((h, k) => ({ h, a: holeAreas[k] as number }))
      .sort((a, b) => b.a - a.a)
      .slice(0, params.maxNHoles)
      .filter((x) => x.a > aH)
      .map((x) => x.h);
    regions.push({ contour: outer, holes: kept, area });
  }
  const mask = rasterizeRegions(regions, image.width, image.height);
  return {
    level: -1,
    downsample,
    width: image.width,
    height: image.height,
    threshold: t,
    binary,
    mask,
    regions,
    params,
    image,
  };
}

/**
 * Fills regions into a 0/255 mask: a pixel is tissue when it is inside or on a region's border and not strictly
 * inside one of that region's holes.
 *
 * @example
 * ```ts
 * const mask = rasterizeRegions(seg.regions, seg.width, seg.height);
 * ```
 */
export function rasterizeRegions(regions: readonly TissueRegion[], width: number, height: number): GrayImage {
  const data = new Uint8Array(width * height);
  const row = new Uint8Array(width);
  for (const r of regions) {
    const outer = rowTable(r.contour);
    const holeTables = r.holes.map(rowTable);
    let x0 = width;
    let x1 = -1;
    for (let i = 0; i < r.contour.length; i += 2) {
      const x = r.contour[i] as number;
      if (x < x0) x0 = x;
      if (x > x1) x1 = x;
    }
    x0 = Math.max(0, x0);
    x1 = Math.min(width - 1, x1);
    for (let y = Math.max(0, outer.minY); y <= Math.min(height - 1, outer.maxY); y++) {
      row.fill(0, x0, x1 + 1);
      const xs = outer.xs[y - outer.minY] as number[];
      for (let k = 0; k + 1 < xs.length; k += 2)
        fill(row, Math.ceil(xs[k] as number), Math.floor(xs[k + 1] as number), 1);
      const on = outer.on[y - outer.minY] as number[];
      for (let k = 0; k < on.length; k += 2) fill(row, on[k] as number, on[k + 1] as number, 1);
      for (const h of holeTables) {
        if (y < h.minY || y > h.maxY) continue;
        const hx = h.xs[y - h.minY] as number[];
        for (let k = 0; k + 1 < hx.length; k += 2) {
          const a = hx[k] as number;
          const b = hx[k + 1] as number;
          fill(row, Number.isInteger(a) ? a + 1 : Math.ceil(a), Number.isInteger(b) ? b - 1 : Math.floor(b), 0);
        }
        const hon = h.on[y - h.minY] as number[];
        for (let k = 0; k < hon.length; k += 2) fill(row, hon[k] as number, hon[k + 1] as number, 1);
      }
      const base = y * width;
      for (let x = x0; x <= x1; x++) if (row[x]) data[base + x] = 255;
    }
  }
  return { width, height, data };
}

function fill(row: Uint8Array, a: number, b: number, v: number): void {
  const lo = Math.max(0, a);
  const hi = Math.min(row.length - 1, b);
  if (hi >= lo) row.fill(v, lo, hi + 1);
}

/**
 * CLAM's segmentation level: `params.segLevel`, or when −1 the level best for downsample 64.
 *
 * @example
 * ```ts
 * const level = segmentationLevel(slide, -1);
 * ```
 */
export function segmentationLevel(slide: Slide, segLevel: number): number {
  if (segLevel >= 0) {
    if (segLevel >= slide.levels.length)
      throw new WsiError('InvalidArgument', `segmentation level ${segLevel} outside 0..${slide.levels.length - 1}`);
    return segLevel;
  }
  return slide.bestLevelForDownsample(64);
}

/**
 * Per-axis downsample of a level (level-0 size / level size), as CLAM's `_assertLevelDownsamples`.
 *
 * @example
 * ```ts
 * const [sx, sy] = axisDownsample(slide, 2);
 * ```
 */
export function axisDownsample(slide: Slide, level: number): [number, number] {
  const l0 = slide.levels[0] as SlideLevel;
  const l = slide.levels[level] as SlideLevel;
  return [l0.width / l.width, l0.height / l.height];
}

/**
 * Reads the segmentation level of a slide and segments it.
 *
 * @throws WsiError `InvalidArgument` (bad level, level over `maxPixels` — default 64 Mpx).
 * @example
 * ```ts
 * const seg = await segmentTissue(slide, segmentationParams('clam-default'));
 * ```
 */
export async function segmentTissue(
  slide: Slide,
  params: SegmentationParams,
  options: { signal?: AbortSignal; maxPixels?: number } = {},
): Promise<TissueSegmentation> {
  const level = segmentationLevel(slide, params.segLevel);
  const image = await readLevel(slide, level, {
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.maxPixels === undefined ? {} : { maxPixels: options.maxPixels }),
  });
  throwIfAborted(options.signal);
  const seg = segmentImage(image, axisDownsample(slide, level), params);
  seg.level = level;
  return seg;
}
