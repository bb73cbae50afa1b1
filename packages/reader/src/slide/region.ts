/**
 * Region assembly: copying the rows of the tiles a window touches into a raster (no per-pixel loops), and
 * OpenSlide's sub-pixel positioning (a bilinear shift by the fractional part of the level-space origin, computed
 * as cairo/pixman do, on premultiplied RGBA, then un-premultiplied as OpenSlide's Python binding does).
 */
import { type Raster, WsiError } from '@wsi/core';

/** The geometry of one level's tile grid. */
export interface TileGrid {
  width: number;
  height: number;
  tileWidth: number;
  tileHeight: number;
}

/** Fetches a decoded tile (null = missing, painted transparent). */
export type TileFetcher = (col: number, row: number) => Promise<Raster | null>;

/**
 * Copies level pixels `[x, x+w) × [y, y+h)` (level coordinates, may extend outside the level) into `dest` at
 * `(dx, dy)`. Pixels outside the level or in missing tiles are left untouched (zero in a fresh raster). Only
 * the tiles the window touches are fetched, all at once.
 *
 * @example
 * ```ts
 * const out = createRaster(256, 256, 4);
 * await copyWindow(grid, (c, r) => slide.readTile(0, c, r), out, 0, 0, 1000, 2000, 256, 256);
 * ```
 */
export async function copyWindow(
  grid: TileGrid,
  fetch: TileFetcher,
  dest: Raster,
  dx: number,
  dy: number,
  x: number,
  y: number,
  w: number,
  h: number,
): Promise<void> {
  const x0 = Math.max(x, 0);
  const y0 = Math.max(y, 0);
  const x1 = Math.min(x + w, grid.width);
  const y1 = Math.min(y + h, grid.height);
  if (x1 <= x0 || y1 <= y0) return;
  const c0 = Math.floor(x0 / grid.tileWidth);
  const c1 = Math.floor((x1 - 1) / grid.tileWidth);
  const r0 = Math.floor(y0 / grid.tileHeight);
  const r1 = Math.floor((y1 - 1) / grid.tileHeight);
  const jobs: Promise<void>[] = [];
  for (let r = r0; r <= r1; r++) {
    for (let c = c0; c <= c1; c++) {
      jobs.push(
        fetch(c, r).then((tile) => {
          if (tile) blitTile(grid, tile, c, r, dest, dx - x, dy - y, x0, y0, x1, y1);
        }),
      );
    }
  }
  await Promise.all(jobs);
}

/** Copies the part of tile (c, r) inside `[x0,x1)×[y0,y1)` (level coords) to dest, offset by (ox, oy). */
function blitTile(grid: TileGrid, tile: Raster, c: number, r: number, dest: Raster, ox: number, oy: number, x0: number, y0: number, x1: number, y1: number): void {
  if (tile.channels !== dest.channels || tile.dtype !== dest.dtype) {
    throw new WsiError('CorruptFile', `tile (${c}, ${r}) decoded to ${tile.channels}×${tile.dtype}, expected ${dest.channels}×${dest.dtype}`);
  }
  const tx = c * grid.tileWidth;
  const ty = r * grid.tileHeight;
  const ax = Math.max(x0, tx);
  const bx = Math.min(x1, tx + tile.width);
  const ay = Math.max(y0, ty);
  const by = Math.min(y1, ty + tile.height);
  if (bx <= ax || by <= ay) return;
  const ch = dest.channels;
  const rowLen = (bx - ax) * ch;
  const src = tile.data;
  const dst = dest.data;
  for (let yy = ay; yy < by; yy++) {
    const s = ((yy - ty) * tile.width + (ax - tx)) * ch;
    const d = ((yy + oy) * dest.width + (ax + ox)) * ch;
    dst.set(src.subarray(s, s + rowLen), d);
  }
}

/**
 * Splits a level-space origin into the integer pixel and pixman's 8-bit bilinear weight, as cairo does for a
 * source translated by a non-integer amount (16.16 fixed point, 7 weight bits).
 */
export function subpixel(v: number): { i: number; weight: number } {
  let i = Math.floor(v);
  let fixed = Math.round((v - i) * 65536);
  if (fixed >= 65536) {
    i += 1;
    fixed -= 65536;
  }
  return { i, weight: (fixed >> 9) << 1 };
}

/**
 * Bilinear shift of an RGBA window: `src` is `(w+1)×(h+1)` level pixels starting at the integer origin; `dest`
 * receives `w×h` pixels at `(dx, dy)`, each the pixman bilinear blend with weights `wx`, `wy` (0–256), computed on
 * premultiplied values and un-premultiplied as OpenSlide's Python binding does.
 *
 * @example
 * ```ts
 * const { i, weight } = subpixel(1000 / 2.0005);
 * bilinearShift(window, out, 0, 0, 256, 256, weight, 0);
 * ```
 */
export function bilinearShift(src: Raster<'uint8'>, dest: Raster<'uint8'>, dx: number, dy: number, w: number, h: number, wx: number, wy: number): void {
  const s = src.data;
  const d = dest.data;
  const sw = src.width * 4;
  const a00 = (256 - wx) * (256 - wy);
  const a10 = wx * (256 - wy);
  const a01 = (256 - wx) * wy;
  const a11 = wx * wy;
  for (let y = 0; y < h; y++) {
    let p = y * sw;
    let q = ((y + dy) * dest.width + dx) * 4;
    for (let x = 0; x < w; x++, p += 4, q += 4) {
      const p2 = p + sw;
      const al = (s[p + 3]! * a00 + s[p + 7]! * a10 + s[p2 + 3]! * a01 + s[p2 + 7]! * a11) >>> 16;
      if (al === 0) {
        d[q] = 0;
        d[q + 1] = 0;
        d[q + 2] = 0;
        d[q + 3] = 0;
        continue;
      }
      let r = (s[p]! * a00 + s[p + 4]! * a10 + s[p2]! * a01 + s[p2 + 4]! * a11) >>> 16;
      let g = (s[p + 1]! * a00 + s[p + 5]! * a10 + s[p2 + 1]! * a01 + s[p2 + 5]! * a11) >>> 16;
      let b = (s[p + 2]! * a00 + s[p + 6]! * a10 + s[p2 + 2]! * a01 + s[p2 + 6]! * a11) >>> 16;
      if (al !== 255) {
        const half = al >> 1;
        r = Math.min(255, Math.floor((r * 255 + half) / al));
        g = Math.min(255, Math.floor((g * 255 + half) / al));
        b = Math.min(255, Math.floor((b * 255 + half) / al));
      }
      d[q] = r;
      d[q + 1] = g;
      d[q + 2] = b;
      d[q + 3] = al;
    }
  }
}

/** Premultiplies an RGBA raster in place (tiles with partial alpha, before a bilinear shift). */
export function premultiply(r: Raster<'uint8'>): void {
  const d = r.data;
  for (let i = 0; i < d.length; i += 4) {
    const a = d[i + 3]!;
    if (a === 255) continue;
    d[i] = mul255(d[i]!, a);
    d[i + 1] = mul255(d[i + 1]!, a);
    d[i + 2] = mul255(d[i + 2]!, a);
  }
}

function mul255(c: number, a: number): number {
  const t = c * a + 0x80;
  return ((t >> 8) + t) >> 8;
}
