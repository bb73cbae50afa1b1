/**
 * Patch grids over segmented tissue: candidates per tissue region (CLAM's per-contour bounding-box grid) or on one
 * slide-wide grid, accepted by CLAM's `four_pt` rule with hole exclusion, by centre-in-tissue, and/or by a minimum
 * tissue fraction.
 */
import { WsiError } from '@wsi/core';
import type { Contour } from './contours.js';
import { PolygonTester, scaleContour } from './polygon.js';
import type { TissueSegmentation } from './segment.js';

/**
 * Acceptance rules: CLAM's `four_pt`, the patch centre in tissue, or the tissue fraction alone.
 *
 * @example
 * ```ts
 * const rule: AcceptRule = 'center';
 * ```
 */
export type AcceptRule = 'four_pt' | 'center' | 'tissue';

/**
 * Grid options.
 *
 * @example
 * ```ts
 * const o: GridOptions = { patchSizeLevel0: 512, stepLevel0: 512, rule: 'four_pt' };
 * ```
 */
export interface GridOptions {
  patchSizeLevel0: number;
  stepLevel0: number;
  /** Default `four_pt`. */
  rule?: AcceptRule;
  /** Minimum fraction of the patch covered by the tissue mask (default 0; 0.5 for the `tissue` rule). */
  minTissueFraction?: number;
  /** `contour` (default, CLAM): a grid from each region's bounding box; `slide`: one grid from (0, 0). */
  origin?: 'contour' | 'slide';
}

interface LevelZeroRegion {
  outer: PolygonTester;
  holes: PolygonTester[];
}

/**
 * Level-0 testers of the regions (contours scaled as CLAM does: `int32(cont * downsample)`).
 *
 * @example
 * ```ts
 * const rs = levelZeroRegions(seg);
 * ```
 */
export function levelZeroRegions(seg: TissueSegmentation): LevelZeroRegion[] {
  const [sx, sy] = seg.downsample;
  return seg.regions.map((r) => ({
    outer: new PolygonTester(scaleContour(r.contour, sx, sy)),
    holes: r.holes.map((h: Contour) => new PolygonTester(scaleContour(h, sx, sy))),
  }));
}

/** Summed-area table of a 0/255 mask, (w + 1) × (h + 1). */
function integral(seg: TissueSegmentation): Float64Array {
  const { width: w, height: h, data } = seg.mask;
  const s = new Float64Array((w + 1) * (h + 1));
  for (let y = 0; y < h; y++) {
    let run = 0;
    for (let x = 0; x < w; x++) {
      run += data[y * w + x] ? 1 : 0;
      s[(y + 1) * (w + 1) + x + 1] = (s[y * (w + 1) + x + 1] as number) + run;
    }
  }
  return s;
}

/**
 * Level-0 top-left corners of the accepted patches, interleaved x, y, sorted by row then column, without
 * duplicates. An empty array when there is no tissue.
 *
 * @throws WsiError `InvalidArgument` for non-positive sizes or a fraction outside [0, 1].
 * @example
 * ```ts
 * const coords = tissueGrid(seg, { patchSizeLevel0: 256, stepLevel0: 256 });
 * ```
 */
export function tissueGrid(seg: TissueSegmentation, options: GridOptions): Int32Array {
  const size = options.patchSizeLevel0;
  const step = options.stepLevel0;
  if (!(Number.isInteger(size) && size > 0 && Number.isInteger(step) && step > 0)) {
    throw new WsiError('InvalidArgument', `patch size and step must be positive integers, got ${size}, ${step}`);
  }
  const rule = options.rule ?? 'four_pt';
  if (!['four_pt', 'center', 'tissue'].includes(rule))
    throw new WsiError('InvalidArgument', `unknown acceptance rule '${rule}'`);
  const minFrac = options.minTissueFraction ?? (rule === 'tissue' ? 0.5 : 0);
  if (!(minFrac >= 0 && minFrac <= 1))
    throw new WsiError('InvalidArgument', `minimum tissue fraction must be in [0, 1], got ${minFrac}`);
  const regions = levelZeroRegions(seg);
  const sat = minFrac > 0 ? integral(seg) : undefined;
  const [sx, sy] = seg.downsample;
  const mw = seg.mask.width;
  const mh = seg.mask.height;
  const fraction = (x: number, y: number): number => {
    const x0 = Math.max(0, Math.min(mw, Math.round(x / sx)));
    const y0 = Math.max(0, Math.min(mh, Math.round(y / sy)));
    const x1 = Math.max(x0 + 1, Math.min(mw, Math.round((x + size) / sx)));
    const y1 = Math.max(y0 + 1, Math.min(mh, Math.round((y + size) / sy)));
    const s = sat as Float64Array;
    const W = mw + 1;
    const c =
      (s[y1 * W + x1] as number) - (s[y0 * W + x1] as number) - (s[y1 * W + x0] as number) + (s[y0 * W + x0] as number);
    return c / ((x1 - x0) * (y1 - y0));
  };
  const half = Math.floor(size / 2);
  const shift = Math.trunc(half * 0.5);
  const seen = new Set<number>();
  const out: number[] = [];
  for (const r of regions) {
    const { outer, holes } = r;
    const inHole = (cx: number, cy: number): boolean => holes.some((h) => h.test(cx, cy) > 0);
    const accept = (x: number, y: number): boolean => {
      if (rule === 'four_pt') {
        const cx = x + half;
        const cy = y + half;
        const any =
          outer.test(cx - shift, cy - shift) >= 0 ||
          outer.test(cx + shift, cy + shift) >= 0 ||
          outer.test(cx + shift, cy - shift) >= 0 ||
          outer.test(cx - shift, cy + shift) >= 0;
        if (!any || inHole(x + size / 2, y + size / 2)) return false;
      } else if (rule === 'center') {
        if (outer.test(x + half, y + half) < 0 || inHole(x + size / 2, y + size / 2)) return false;
      }
      return minFrac === 0 || fraction(x, y) >= minFrac;
    };
    let xStart = outer.minX;
    let yStart = outer.minY;
    if (options.origin === 'slide') {
      xStart = Math.max(0, Math.floor((outer.minX - size + 1) / step) * step);
      yStart = Math.max(0, Math.floor((outer.minY - size + 1) / step) * step);
    }
    // bounding box as cv2.boundingRect: [min, max] inclusive
    for (let y = yStart; y <= outer.maxY; y += step) {
      for (let x = xStart; x <= outer.maxX; x += step) {
        const key = y * 4294967296 + x;
        if (seen.has(key) || !accept(x, y)) continue;
        seen.add(key);
        out.push(x, y);
      }
    }
  }
  const n = out.length >> 1;
  const idx = Array.from({ length: n }, (_, i) => i);
  idx.sort(
    (a, b) =>
      (out[a * 2 + 1] as number) - (out[b * 2 + 1] as number) || (out[a * 2] as number) - (out[b * 2] as number),
  );
  const coords = new Int32Array(n * 2);
  idx.forEach((k, i) => {
    coords[i * 2] = out[k * 2] as number;
    coords[i * 2 + 1] = out[k * 2 + 1] as number;
  });
  return coords;
}
