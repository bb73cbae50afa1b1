/**
 * Ring arithmetic on flat coordinate arrays `[x0, y0, x1, y1, …]` (open rings: the first vertex is not repeated).
 */

/**
 * A ring as interleaved x,y pairs, not closed (first vertex not repeated).
 *
 * @example
 * ```ts
 * const ring: FlatRing = new Float64Array([0, 0, 100, 0, 100, 100]); // a triangle
 * ```
 */
export type FlatRing = Float64Array;

/**
 * Signed area of an open ring by the shoelace formula (positive when counter-clockwise in a y-up frame,
 * i.e. clockwise on screen with y pointing down).
 *
 * @example
 * ```ts
 * ringSignedArea(new Float64Array([0, 0, 10, 0, 10, 10, 0, 10])); // 100
 * ```
 */
export function ringSignedArea(ring: ArrayLike<number>): number {
  const n = ring.length >> 1;
  if (n < 3) return 0;
  let s = 0;
  let px = ring[2 * (n - 1)] as number;
  let py = ring[2 * (n - 1) + 1] as number;
  for (let i = 0; i < n; i++) {
    const x = ring[2 * i] as number;
    const y = ring[2 * i + 1] as number;
    s += px * y - x * py;
    px = x;
    py = y;
  }
  return s / 2;
}

/**
 * Even-odd point-in-ring test (points on an edge may fall either way).
 *
 * @example
 * ```ts
 * pointInRing(5, 5, new Float64Array([0, 0, 10, 0, 10, 10, 0, 10])); // true
 * ```
 */
export function pointInRing(x: number, y: number, ring: ArrayLike<number>): boolean {
  const n = ring.length >> 1;
  let inside = false;
  let px = ring[2 * (n - 1)] as number;
  let py = ring[2 * (n - 1) + 1] as number;
  for (let i = 0; i < n; i++) {
    const qx = ring[2 * i] as number;
    const qy = ring[2 * i + 1] as number;
    if (qy > y !== py > y && x < ((px - qx) * (y - qy)) / (py - qy) + qx) inside = !inside;
    px = qx;
    py = qy;
  }
  return inside;
}

/**
 * Axis-aligned bounding box `[minX, minY, maxX, maxY]` of a flat ring.
 *
 * @example
 * ```ts
 * ringBBox([0, 0, 100, 0, 100, 50]); // [0, 0, 100, 50]
 * ```
 */
export function ringBBox(ring: ArrayLike<number>): [number, number, number, number] {
  let x0 = Infinity;
  let y0 = Infinity;
  let x1 = -Infinity;
  let y1 = -Infinity;
  for (let i = 0; i + 1 < ring.length; i += 2) {
    const x = ring[i] as number;
    const y = ring[i + 1] as number;
    if (x < x0) x0 = x;
    if (x > x1) x1 = x;
    if (y < y0) y0 = y;
    if (y > y1) y1 = y;
  }
  return [x0, y0, x1, y1];
}

function orient(ax: number, ay: number, bx: number, by: number, cx: number, cy: number): number {
  return (bx - ax) * (cy - ay) - (by - ay) * (cx - ax);
}

/**
 * One proper crossing between two edges of a polygon's rings.
 *
 * @example
 * ```ts
 * const c: Crossing = { ringA: 0, edgeA: 2, ringB: 0, edgeB: 5 }; // ring 0 crosses itself
 * ```
 */
export interface Crossing {
  ringA: number;
  edgeA: number;
  ringB: number;
  edgeB: number;
}

/**
 * Finds a proper crossing (two edges that cross at a point interior to both) among the rings of one
 * polygon, by a sweep over edges sorted by their lowest y. Touching at vertices and collinear overlaps are
 * not reported. Returns undefined when the rings are free of crossings.
 *
 * @example
 * ```ts
 * findCrossing([new Float64Array([0, 0, 10, 10, 10, 0, 0, 10])]); // bow-tie: { ringA: 0, edgeA: 0, … }
 * ```
 */
export function findCrossing(rings: readonly ArrayLike<number>[]): Crossing | undefined {
  let total = 0;
  for (const r of rings) total += r.length >> 1;
  const ex0 = new Float64Array(total);
  const ey0 = new Float64Array(total);
  const ex1 = new Float64Array(total);
  const ey1 = new Float64Array(total);
  const ringOf = new Int32Array(total);
  const edgeOf = new Int32Array(total);
  let k = 0;
  rings.forEach((r, ri) => {
    const n = r.length >> 1;
    for (let i = 0; i < n; i++) {
      const j = (i + 1) % n;
      ex0[k] = r[2 * i] as number;
      ey0[k] = r[2 * i + 1] as number;
      ex1[k] = r[2 * j] as number;
      ey1[k] = r[2 * j + 1] as number;
      ringOf[k] = ri;
      edgeOf[k] = i;
      k++;
    }
  });
  const order = Array.from({ length: total }, (_, i) => i).sort(
    (a, b) => Math.min(ey0[a] as number, ey1[a] as number) - Math.min(ey0[b] as number, ey1[b] as number),
  );
  const active: number[] = [];
  for (const e of order) {
    const eyMin = Math.min(ey0[e] as number, ey1[e] as number);
    let w = 0;
    for (let a = 0; a < active.length; a++) {
      const o = active[a] as number;
      if (Math.max(ey0[o] as number, ey1[o] as number) >= eyMin) active[w++] = o;
    }
    active.length = w;
    for (const o of active) {
      if (crosses(e, o)) {
        const [p, q] =
          ringOf[e]! < ringOf[o]! || (ringOf[e] === ringOf[o] && edgeOf[e]! < edgeOf[o]!) ? [e, o] : [o, e];
        return { ringA: ringOf[p]!, edgeA: edgeOf[p]!, ringB: ringOf[q]!, edgeB: edgeOf[q]! };
      }
    }
    active.push(e);
  }
  return undefined;

  function crosses(a: number, b: number): boolean {
    const ax = ex0[a]!,
      ay = ey0[a]!,
      bx = ex1[a]!,
      by = ey1[a]!;
    const cx = ex0[b]!,
      cy = ey0[b]!,
      dx = ex1[b]!,
      dy = ey1[b]!;
    if (Math.max(ax, bx) < Math.min(cx, dx) || Math.max(cx, dx) < Math.min(ax, bx)) return false;
    const d1 = orient(cx, cy, dx, dy, ax, ay);
    const d2 = orient(cx, cy, dx, dy, bx, by);
    const d3 = orient(ax, ay, bx, by, cx, cy);
    const d4 = orient(ax, ay, bx, by, dx, dy);
    return ((d1 > 0 && d2 < 0) || (d1 < 0 && d2 > 0)) && ((d3 > 0 && d4 < 0) || (d3 < 0 && d4 > 0));
  }
}
