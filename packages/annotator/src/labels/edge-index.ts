import Flatbush from 'flatbush';
import type { Shape } from '../raster/shapes.js';

/**
 * Shapes with more vertices than this get an edge index for patch labelling.
 *
 * @example
 * ```ts
 * const indexed = shape.rings.some((r) => r.length / 2 > EDGE_INDEX_MIN_VERTICES);
 * ```
 */
export const EDGE_INDEX_MIN_VERTICES = 64;

/**
 * A flatbush index over the edges of one shape (all rings). It answers, for a rectangle, whether any edge
 * touches it; when none does the rectangle is wholly inside or wholly outside, decided by an even-odd ray
 * from its centre — so patches deep inside a large outline cost O(log n) instead of a full clip.
 *
 * @example
 * ```ts
 * const ei = new ShapeEdgeIndex(shape);
 * if (!ei.touches(0, 0, 256, 256)) console.log(ei.contains(128, 128));
 * ```
 */
export class ShapeEdgeIndex {
  private readonly index: Flatbush;
  private readonly e: Float64Array;

  constructor(shape: Shape) {
    let n = 0;
    for (const r of shape.rings) n += r.length >> 1;
    this.e = new Float64Array(4 * n);
    this.index = new Flatbush(n);
    let k = 0;
    for (const r of shape.rings) {
      const m = r.length >> 1;
      for (let i = 0; i < m; i++) {
        const j = i + 1 === m ? 0 : i + 1;
        const x0 = r[2 * i] as number;
        const y0 = r[2 * i + 1] as number;
        const x1 = r[2 * j] as number;
        const y1 = r[2 * j + 1] as number;
        this.e.set([x0, y0, x1, y1], 4 * k++);
        this.index.add(Math.min(x0, x1), Math.min(y0, y1), Math.max(x0, x1), Math.max(y0, y1));
      }
    }
    this.index.finish();
  }

  /** Whether any edge's bounding box touches the rectangle (conservative: may say yes for a near miss). */
  touches(x0: number, y0: number, x1: number, y1: number): boolean {
    return this.index.search(x0, y0, x1, y1).length > 0;
  }

  /** Even-odd test of a point against all rings, using only the edges that span its row. */
  contains(x: number, y: number): boolean {
    let inside = false;
    for (const k of this.index.search(x, y, Number.POSITIVE_INFINITY, y)) {
      const ax = this.e[4 * k] as number;
      const ay = this.e[4 * k + 1] as number;
      const bx = this.e[4 * k + 2] as number;
      const by = this.e[4 * k + 3] as number;
      if (ay > y !== by > y && x < ((bx - ax) * (y - ay)) / (by - ay) + ax) inside = !inside;
    }
    return inside;
  }
}
