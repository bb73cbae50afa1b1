/**
 * Border following (Suzuki & Abe 1985, "Topological structural analysis of digitized binary images by border
 * following", algorithm 1): every outer border and hole border of a binary image, 8-connected foreground, with
 * the two-level hierarchy OpenCV calls `RETR_CCOMP` and every border pixel kept (`CHAIN_APPROX_NONE`).
 */
import type { GrayImage } from './image-ops.js';

/**
 * A closed border: interleaved `x, y` pixel indices (pixel centres), in tracing order.
 *
 * @example
 * ```ts
 * const square: Contour = new Int32Array([0, 0, 4, 0, 4, 4, 0, 4]);
 * ```
 */
export type Contour = Int32Array;

/**
 * Outer borders, each with the hole borders directly inside it (holes of holes are outer borders again).
 *
 * @example
 * ```ts
 * const { outers, holes } = findContours(mask);
 * holes[0]; // the holes of outers[0]
 * ```
 */
export interface ContourSet {
  outers: Contour[];
  holes: Contour[][];
}

// neighbour offsets in counter-clockwise order (y down): right, up-right, up, up-left, left, down-left, down, down-right
const DX = [1, 1, 0, -1, -1, -1, 0, 1];
const DY = [0, -1, -1, -1, 0, 1, 1, 1];

/**
 * Traces the borders of the non-zero pixels of `mask` (image edges count as background).
 *
 * @example
 * ```ts
 * const { outers } = findContours({ width: 3, height: 3, data: new Uint8Array([0,0,0, 0,255,0, 0,0,0]) });
 * outers[0]; // Int32Array [1, 1]
 * ```
 */
export function findContours(mask: GrayImage): ContourSet {
  const w = mask.width + 2;
  const h = mask.height + 2;
  const f = new Int32Array(w * h);
  for (let y = 0; y < mask.height; y++) {
    const src = y * mask.width;
    const dst = (y + 1) * w + 1;
    for (let x = 0; x < mask.width; x++) if (mask.data[src + x] !== 0) f[dst + x] = 1;
  }
  const off = DX.map((dx, d) => dx + (DY[d] as number) * w);
  // per border number (NBD): is it a hole border, its parent border; border 1 is the frame (a hole)
  const isHole: boolean[] = [false, true];
  const parent: number[] = [0, 0];
  const points: (Int32Array | undefined)[] = [undefined, undefined];
  let nbd = 1;
  const buf: number[] = [];

  for (let y = 1; y < h - 1; y++) {
    let lnbd = 1;
    for (let x = 1; x < w - 1; x++) {
      const p = y * w + x;
      const v = f[p] as number;
      if (v === 0) continue;
      let start = -1; // direction of (i2, j2)
      let hole = false;
      if (v === 1 && f[p - 1] === 0) {
        start = 4;
      } else if (v >= 1 && f[p + 1] === 0) {
        start = 0;
        hole = true;
        if (v > 1) lnbd = v;
      }
      if (start >= 0) {
        nbd++;
        isHole[nbd] = hole;
        const lHole = isHole[lnbd] as boolean;
        parent[nbd] = hole === lHole ? (parent[lnbd] as number) : lnbd;
        buf.length = 0;
        trace(f, off, p, start, nbd, w, buf);
        const pts = new Int32Array(buf.length);
        for (let k = 0; k < buf.length; k++) pts[k] = (buf[k] as number) - 1;
        points[nbd] = pts;
      }
      const now = f[p] as number;
      if (now !== 1) lnbd = now < 0 ? -now : now;
    }
  }
  const outers: Contour[] = [];
  const holes: Contour[][] = [];
  const index = new Map<number, number>();
  for (let b = 2; b <= nbd; b++) {
    if (isHole[b]) continue;
    index.set(b, outers.length);
    outers.push(points[b] as Int32Array);
    holes.push([]);
  }
  for (let b = 2; b <= nbd; b++) {
    if (!isHole[b]) continue;
    const o = index.get(parent[b] as number);
    if (o !== undefined) (holes[o] as Contour[]).push(points[b] as Int32Array);
  }
  return { outers, holes };
}

/** Follows one border from pixel `p0` whose background neighbour lies in direction `start`; pushes x, y (padded). */
function trace(f: Int32Array, off: number[], p0: number, start: number, nbd: number, w: number, out: number[]): void {
  // 3.1: clockwise from (i2, j2) around p0 for a non-zero pixel
  let d1 = -1;
  for (let k = 0; k < 8; k++) {
    const d = (start - k + 8) & 7;
    if (f[p0 + (off[d] as number)] !== 0) {
      d1 = d;
      break;
    }
  }
  out.push(p0 % w, (p0 / w) | 0);
  if (d1 < 0) {
    f[p0] = -nbd;
    return;
  }
  const p1 = p0 + (off[d1] as number);
  let p3 = p0;
  let dPrev = d1; // direction from p3 to p2
  for (;;) {
    // 3.3: counter-clockwise from the element after p2 around p3
    let d4 = dPrev;
    let eastExamined = false;
    for (let k = 1; k <= 8; k++) {
      d4 = (dPrev + k) & 7;
      if (f[p3 + (off[d4] as number)] !== 0) break;
      if (d4 === 0) eastExamined = true;
    }
    const p4 = p3 + (off[d4] as number);
    // 3.4
    if (eastExamined) f[p3] = -nbd;
    else if (f[p3] === 1) f[p3] = nbd;
    // 3.5
    if (p4 === p0 && p3 === p1) return;
    out.push(p4 % w, (p4 / w) | 0);
    // the new p2 is p3, seen from p4 it lies in the opposite direction of d4
    dPrev = (d4 + 4) & 7;
    p3 = p4;
  }
}

/**
 * The area enclosed by a contour (shoelace formula, absolute), as OpenCV's `contourArea`.
 *
 * @example
 * ```ts
 * contourArea(new Int32Array([0, 0, 4, 0, 4, 4, 0, 4])); // 16
 * ```
 */
export function contourArea(c: Contour): number {
  const n = c.length >> 1;
  if (n < 3) return 0;
  let s = 0;
  let px = c[(n - 1) * 2] as number;
  let py = c[(n - 1) * 2 + 1] as number;
  for (let i = 0; i < n; i++) {
    const x = c[i * 2] as number;
    const y = c[i * 2 + 1] as number;
    s += px * y - x * py;
    px = x;
    py = y;
  }
  return Math.abs(s) / 2;
}
