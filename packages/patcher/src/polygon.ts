/**
 * Exact point-in-polygon tests on integer polygons (the semantics of OpenCV's `pointPolygonTest` without
 * distance: 1 inside, 0 on the border, −1 outside), with per-row edge lists cached so that testing a grid of
 * points costs O(edges crossing the row) per point.
 */
import type { Contour } from './contours.js';

interface RowInfo {
  /** Edges with exactly one end at or above the row (x0, y0, x1, y1 each), sorted by crossing x. */
  spans: Int32Array;
  /** Their crossing x, ascending. */
  xs: Float64Array;
  /** x of vertices on the row, and [min, max] of horizontal edges on the row (pairs). */
  onRow: Int32Array;
}

/**
 * A polygon ready for repeated point tests.
 *
 * @example
 * ```ts
 * const t = new PolygonTester(new Int32Array([0, 0, 10, 0, 10, 10, 0, 10]));
 * t.test(5, 5); // 1
 * t.test(10, 3); // 0 (on the border)
 * ```
 */
export class PolygonTester {
  readonly minX: number;
  readonly minY: number;
  readonly maxX: number;
  readonly maxY: number;
  readonly #rows = new Map<number, RowInfo>();
  /** Edges (ax, ay, bx, by) sorted by their smaller y; `#ymin` those y; `#span` the tallest edge. */
  readonly #edges: Int32Array;
  readonly #ymin: Int32Array;
  readonly #span: number;

  constructor(points: Contour) {
    const n = points.length >> 1;
    const order = Array.from({ length: n }, (_, i) => i);
    const yminOf = (i: number): number =>
      Math.min(points[(i === 0 ? n - 1 : i - 1) * 2 + 1] as number, points[i * 2 + 1] as number);
    order.sort((a, b) => yminOf(a) - yminOf(b));
    this.#edges = new Int32Array(n * 4);
    this.#ymin = new Int32Array(n);
    let span = 0;
    order.forEach((i, k) => {
      const j = i === 0 ? n - 1 : i - 1;
      this.#edges[k * 4] = points[j * 2] as number;
      this.#edges[k * 4 + 1] = points[j * 2 + 1] as number;
      this.#edges[k * 4 + 2] = points[i * 2] as number;
      this.#edges[k * 4 + 3] = points[i * 2 + 1] as number;
      this.#ymin[k] = yminOf(i);
      span = Math.max(span, Math.abs((points[j * 2 + 1] as number) - (points[i * 2 + 1] as number)));
    });
    this.#span = span;
    let x0 = Infinity;
    let y0 = Infinity;
    let x1 = -Infinity;
    let y1 = -Infinity;
    for (let i = 0; i < points.length; i += 2) {
      const x = points[i] as number;
      const y = points[i + 1] as number;
      if (x < x0) x0 = x;
      if (x > x1) x1 = x;
      if (y < y0) y0 = y;
      if (y > y1) y1 = y;
    }
    this.minX = x0;
    this.minY = y0;
    this.maxX = x1;
    this.maxY = y1;
  }

  #row(y: number): RowInfo {
    let r = this.#rows.get(y);
    if (r) return r;
    const e = this.#edges;
    const ymin = this.#ymin;
    const spans: number[] = [];
    const onRow: number[] = [];
    // first edge whose smaller y is ≥ y − tallest edge
    let lo = 0;
    let hi = ymin.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((ymin[mid] as number) < y - this.#span) lo = mid + 1;
      else hi = mid;
    }
    for (let k = lo; k < ymin.length && (ymin[k] as number) <= y; k++) {
      const ax = e[k * 4] as number;
      const ay = e[k * 4 + 1] as number;
      const bx = e[k * 4 + 2] as number;
      const by = e[k * 4 + 3] as number;
      if (by === y) onRow.push(bx, bx);
      if (ay === y && by === y) onRow.push(Math.min(ax, bx), Math.max(ax, bx));
      if (ay <= y !== by <= y) spans.push(ax, ay, bx, by, ax + ((y - ay) * (bx - ax)) / (by - ay));
    }
    // spans sorted by crossing x; border intervals sorted and merged
    const m = spans.length / 5;
    const order = Array.from({ length: m }, (_, i) => i).sort(
      (i, j) => (spans[i * 5 + 4] as number) - (spans[j * 5 + 4] as number),
    );
    const sorted = new Int32Array(m * 4);
    const xs = new Float64Array(m);
    order.forEach((e, i) => {
      for (let c = 0; c < 4; c++) sorted[i * 4 + c] = spans[e * 5 + c] as number;
      xs[i] = spans[e * 5 + 4] as number;
    });
    const iv: [number, number][] = [];
    for (let i = 0; i < onRow.length; i += 2) iv.push([onRow[i] as number, onRow[i + 1] as number]);
    iv.sort((u, v) => u[0] - v[0]);
    const merged: number[] = [];
    for (const [lo, hi] of iv) {
      const last = merged.length - 1;
      if (last > 0 && lo <= (merged[last] as number) + 1) merged[last] = Math.max(merged[last] as number, hi);
      else merged.push(lo, hi);
    }
    r = { spans: sorted, xs, onRow: Int32Array.from(merged) };
    if (this.#rows.size > 4096) this.#rows.clear();
    this.#rows.set(y, r);
    return r;
  }

  /**
   * The row's crossings: sorted x where the polygon's non-horizontal edges cross row `y` (half-open rule), and the
   * border pixels lying on the row as [min, max] pairs. Integer x strictly between crossings 2k and 2k+1 are inside.
   *
   * @example
   * ```ts
   * const { xs, onRow } = tester.crossings(12);
   * ```
   */
  crossings(y: number): { xs: Float64Array; onRow: Int32Array } {
    const { xs, onRow } = this.#row(y);
    return { xs, onRow };
  }

  /**
   * 1 when (x, y) is inside, 0 on the border, −1 outside (integer points).
   *
   * @example
   * ```ts
   * if (tester.test(cx, cy) >= 0) accept();
   * ```
   */
  test(x: number, y: number): number {
    if (x < this.minX || x > this.maxX || y < this.minY || y > this.maxY) return -1;
    const { spans, xs, onRow } = this.#row(y);
    // border pixels on the row: last interval starting at or before x
    let lo = 0;
    let hi = (onRow.length >> 1) - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if ((onRow[mid * 2] as number) <= x) lo = mid + 1;
      else hi = mid - 1;
    }
    if (hi >= 0 && x <= (onRow[hi * 2 + 1] as number)) return 0;
    // crossings strictly right of x decide; the ones within rounding of x are settled exactly
    const eps = 1e-7 * (1 + Math.abs(x));
    let a = 0;
    let b = xs.length;
    while (a < b) {
      const mid = (a + b) >> 1;
      if ((xs[mid] as number) < x - eps) a = mid + 1;
      else b = mid;
    }
    let count = 0;
    let i = a;
    for (; i < xs.length && (xs[i] as number) <= x + eps; i++) {
      const ax = spans[i * 4] as number;
      const ay = spans[i * 4 + 1] as number;
      const bx = spans[i * 4 + 2] as number;
      const by = spans[i * 4 + 3] as number;
      let d = (y - ay) * (bx - ax) - (x - ax) * (by - ay);
      if (d === 0) return 0;
      if (by < ay) d = -d;
      if (d > 0) count++;
    }
    count += xs.length - i;
    return count & 1 ? 1 : -1;
  }
}

/**
 * Scales a contour's points by (sx, sy), truncating to integers as CLAM does (`np.array(cont * scale, dtype='int32')`).
 *
 * @example
 * ```ts
 * const level0 = scaleContour(contour, 64, 64);
 * ```
 */
export function scaleContour(c: Contour, sx: number, sy: number): Contour {
  const out = new Int32Array(c.length);
  for (let i = 0; i < c.length; i += 2) {
    out[i] = Math.trunc((c[i] as number) * sx);
    out[i + 1] = Math.trunc((c[i + 1] as number) * sy);
  }
  return out;
}

/**
 * Every row's crossings of a polygon at once (edges bucketed by row), for filling: `xs[y − minY]` sorted crossing
 * x, `on[y − minY]` border [min, max] pairs; see {@link PolygonTester.crossings}.
 *
 * @example
 * ```ts
 * const t = rowTable(contour); // t.xs[0] are the crossings of row t.minY
 * ```
 */
export function rowTable(points: Contour): { minY: number; maxY: number; xs: number[][]; on: number[][] } {
  let minY = Infinity;
  let maxY = -Infinity;
  for (let i = 1; i < points.length; i += 2) {
    const y = points[i] as number;
    if (y < minY) minY = y;
    if (y > maxY) maxY = y;
  }
  const rows = maxY - minY + 1;
  const xs: number[][] = Array.from({ length: Math.max(0, rows) }, () => []);
  const on: number[][] = Array.from({ length: Math.max(0, rows) }, () => []);
  const n = points.length >> 1;
  for (let i = 0; i < n; i++) {
    const j = i === 0 ? n - 1 : i - 1;
    const ax = points[j * 2] as number;
    const ay = points[j * 2 + 1] as number;
    const bx = points[i * 2] as number;
    const by = points[i * 2 + 1] as number;
    (on[by - minY] as number[]).push(bx, bx);
    if (ay === by) {
      (on[by - minY] as number[]).push(Math.min(ax, bx), Math.max(ax, bx));
      continue;
    }
    const y0 = Math.min(ay, by);
    const y1 = Math.max(ay, by);
    for (let y = y0; y < y1; y++) (xs[y - minY] as number[]).push(ax + ((y - ay) * (bx - ax)) / (by - ay));
  }
  for (const r of xs) r.sort((a, b) => a - b);
  return { minY, maxY, xs, on };
}
