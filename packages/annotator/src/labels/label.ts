import type { AnnotationCollection } from '@wsi/core';
import { WsiError } from '@wsi/core';
import { collectClasses, compileShapes, indexShapes, type Shape } from '../raster/shapes.js';
import { ClipScratch, clipRingSignedArea } from './clip.js';
import { EDGE_INDEX_MIN_VERTICES, ShapeEdgeIndex } from './edge-index.js';

/**
 * How a patch's class fractions become one label.
 *
 * @example
 * ```ts
 * const rule: LabelRule = { kind: 'threshold', threshold: 0.5 };
 * ```
 */
export type LabelRule = { kind: 'majority' } | { kind: 'any' } | { kind: 'threshold'; threshold: number };

/**
 * Parses `majority`, `any` or `threshold:X` (0 < X ≤ 1).
 *
 * @example
 * ```ts
 * parseLabelRule('threshold:0.5'); // { kind: 'threshold', threshold: 0.5 }
 * ```
 */
export function parseLabelRule(text: string | LabelRule): LabelRule {
  if (typeof text !== 'string') return text;
  if (text === 'majority' || text === 'any') return { kind: text };
  const m = /^threshold:(.+)$/.exec(text);
  const t = m ? Number(m[1]) : Number.NaN;
  if (m && Number.isFinite(t) && t > 0 && t <= 1) return { kind: 'threshold', threshold: t };
  throw new WsiError('InvalidArgument', `--rule must be majority, any or threshold:X with 0 < X ≤ 1, got '${text}'`);
}

/**
 * Per-patch labels and class fractions.
 *
 * @example
 * ```ts
 * const { labels, labelNames, fractions }: PatchLabels = await labelPatches('a.geojson', 'patches/slide.h5');
 * ```
 */
export interface PatchLabels {
  /** One value per patch: 0 background, k = `labelNames[k]`. */
  labels: Uint8Array;
  /** `['background', ...classes]`. */
  labelNames: string[];
  /** Class names (fraction columns). */
  classes: string[];
  /** Row-major N × classes.length: covered fraction of each patch per class (0..1). */
  fractions: Float32Array;
  /** Patch side in level-0 pixels. */
  patchSize: number;
  rule: LabelRule;
}

/**
 * Covered area of `shape ∩ rect` (outer ring minus holes, each clipped exactly). With an edge index, a
 * rectangle no edge touches is decided by one point-in-polygon test.
 *
 * @example
 * ```ts
 * shapeAreaInRect(shape, 0, 0, 256, 256);
 * ```
 */
export function shapeAreaInRect(
  shape: Shape,
  x0: number,
  y0: number,
  x1: number,
  y1: number,
  scratch = new ClipScratch(),
  edges?: ShapeEdgeIndex,
): number {
  const [bx0, by0, bx1, by1] = shape.bbox;
  if (bx1 <= x0 || bx0 >= x1 || by1 <= y0 || by0 >= y1) return 0;
  if (edges && !edges.touches(x0, y0, x1, y1)) {
    // no boundary in the rectangle: wholly inside or wholly outside
    return edges.contains((x0 + x1) / 2, (y0 + y1) / 2) ? (x1 - x0) * (y1 - y0) : 0;
  }
  let area = 0;
  for (let r = 0; r < shape.rings.length; r++) {
    const ring = shape.rings[r] as Float64Array;
    let a: number;
    if (bx0 >= x0 && bx1 <= x1 && by0 >= y0 && by1 <= y1) a = shape.areas[r] as number;
    else a = clipRingSignedArea(ring, x0, y0, x1, y1, scratch) * (shape.signs[r] as number);
    area += r === 0 ? a : -a;
  }
  return Math.max(area, 0);
}

/**
 * Labels patches from annotations: for each patch (level-0 top-left in `coords`, side `patchSize`), the
 * fraction of its area covered by each class (flatbush index over polygons, exact Sutherland–Hodgman
 * clipping with holes subtracted; overlapping polygons of one class are summed and capped at 1), then one
 * label by `rule`: `majority` (largest of background = 1 − covered and each class; ties to the lower
 * value), `threshold:X` (largest class if its fraction ≥ X) or `any` (largest class if > 0).
 *
 * @example
 * ```ts
 * const r = computePatchLabels(collection, new Int32Array([0, 0, 256, 0]), 256, { rule: 'majority' });
 * r.labelNames[r.labels[0]];
 * ```
 */
export function computePatchLabels(
  collection: AnnotationCollection,
  coords: Int32Array,
  patchSize: number,
  options: { rule?: string | LabelRule; classes?: readonly string[] } = {},
): PatchLabels {
  if (!(Number.isFinite(patchSize) && patchSize > 0)) {
    throw new WsiError('InvalidArgument', `patch size must be a positive number, got ${patchSize}`);
  }
  if (coords.length % 2 !== 0) throw new WsiError('InvalidArgument', 'coords must hold x,y pairs');
  const rule = parseLabelRule(options.rule ?? 'majority');
  const classes = collectClasses(collection, options.classes);
  const shapes = compileShapes(collection, classes);
  const index = indexShapes(shapes);
  const edgeIndexes = shapes.map((s) => {
    let v = 0;
    for (const r of s.rings) v += r.length >> 1;
    return v > EDGE_INDEX_MIN_VERTICES ? new ShapeEdgeIndex(s) : undefined;
  });
  const n = coords.length / 2;
  const C = classes.length;
  const fractions = new Float32Array(n * C);
  const labels = new Uint8Array(n);
  const acc = new Float64Array(C);
  const scratch = new ClipScratch();
  const patchArea = patchSize * patchSize;
  for (let p = 0; p < n; p++) {
    const x0 = coords[2 * p] as number;
    const y0 = coords[2 * p + 1] as number;
    const x1 = x0 + patchSize;
    const y1 = y0 + patchSize;
    acc.fill(0);
    if (index) {
      const hits = index.search(x0, y0, x1, y1);
      for (const h of hits) {
        const s = shapes[h] as Shape;
        acc[s.cls - 1] = (acc[s.cls - 1] as number) + shapeAreaInRect(s, x0, y0, x1, y1, scratch, edgeIndexes[h]);
      }
    }
    let covered = 0;
    let best = -1;
    let bestF = 0;
    for (let c = 0; c < C; c++) {
      const f = Math.min(1, (acc[c] as number) / patchArea);
      fractions[p * C + c] = f;
      covered += f;
      if (f > bestF) {
        bestF = f;
        best = c;
      }
    }
    let label = 0;
    if (best >= 0) {
      if (rule.kind === 'any') label = best + 1;
      else if (rule.kind === 'threshold') label = bestF >= rule.threshold ? best + 1 : 0;
      else label = bestF > Math.max(0, 1 - covered) ? best + 1 : 0;
    }
    labels[p] = label;
  }
  return { labels, labelNames: ['background', ...classes], classes, fractions, patchSize, rule };
}
