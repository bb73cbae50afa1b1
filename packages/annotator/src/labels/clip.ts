/**
 * Exact area of a polygon ring inside an axis-aligned rectangle: Sutherland–Hodgman clipping of the ring
 * against the rectangle's four edges (the rectangle is convex, so the clipped ring is exact for a simple
 * ring), then the shoelace formula. The sign follows the ring's winding, so holes can subtract.
 */

/**
 * Reusable buffers for {@link clipRingSignedArea}.
 *
 * @example
 * ```ts
 * const scratch = new ClipScratch();
 * const area = clipRingSignedArea(ring, 0, 0, 256, 256, scratch);
 * ```
 */
export class ClipScratch {
  a = new Float64Array(64);
  b = new Float64Array(64);
  ensure(n: number): void {
    if (this.a.length < n) {
      this.a = new Float64Array(n);
      this.b = new Float64Array(n);
    }
  }
}

function ringArea(p: Float64Array, n: number): number {
  if (n < 3) return 0;
  let s = 0;
  let px = p[2 * (n - 1)] as number;
  let py = p[2 * (n - 1) + 1] as number;
  for (let i = 0; i < n; i++) {
    const x = p[2 * i] as number;
    const y = p[2 * i + 1] as number;
    s += px * y - x * py;
    px = x;
    py = y;
  }
  return s / 2;
}

/** Clips `n` points of `src` against one half-plane (axis 0 = x, 1 = y; keep `v >= c` when `keepGreater`). */
function clipEdge(
  src: Float64Array,
  n: number,
  dst: Float64Array,
  axis: 0 | 1,
  c: number,
  keepGreater: boolean,
): number {
  if (n === 0) return 0;
  let m = 0;
  const other = 1 - axis;
  let px = src[2 * (n - 1)] as number;
  let py = src[2 * (n - 1) + 1] as number;
  let pv = axis === 0 ? px : py;
  let pIn = keepGreater ? pv >= c : pv <= c;
  for (let i = 0; i < n; i++) {
    const x = src[2 * i] as number;
    const y = src[2 * i + 1] as number;
    const v = axis === 0 ? x : y;
    const inside = keepGreater ? v >= c : v <= c;
    if (inside !== pIn) {
      const t = (c - pv) / (v - pv);
      const po = other === 0 ? px : py;
      const o = other === 0 ? x : y;
      const io = po + t * (o - po);
      dst[2 * m] = axis === 0 ? c : io;
      dst[2 * m + 1] = axis === 0 ? io : c;
      m++;
    }
    if (inside) {
      dst[2 * m] = x;
      dst[2 * m + 1] = y;
      m++;
    }
    px = x;
    py = y;
    pv = v;
    pIn = inside;
  }
  return m;
}

/**
 * Signed area of `ring ∩ [x0, x1] × [y0, y1]` (ring open, interleaved x,y).
 *
 * @example
 * ```ts
 * clipRingSignedArea(new Float64Array([0, 0, 10, 0, 10, 10, 0, 10]), 5, 5, 20, 20); // 25
 * ```
 */
export function clipRingSignedArea(
  ring: Float64Array,
  x0: number,
  y0: number,
  x1: number,
  y1: number,
  scratch: ClipScratch = new ClipScratch(),
): number {
  const n = ring.length >> 1;
  // one half-plane turns k points into at most 4k/3 (inside points + crossings), so 4 stages stay < 3.2n
  scratch.ensure(8 * n + 16);
  const { a, b } = scratch;
  let m = clipEdge(ring, n, a, 0, x0, true);
  m = clipEdge(a, m, b, 0, x1, false);
  m = clipEdge(b, m, a, 1, y0, true);
  m = clipEdge(a, m, b, 1, y1, false);
  return ringArea(b, m);
}
