/**
 * Painting positioned MIRAX tiles into a region as OpenSlide 3.4.1 does with cairo: each tile translated by
 * `tile position − region origin` (the same sub-pixel bilinear shift as `TiledSlide`, from slide/region.ts), composited
 * with SATURATE in OpenSlide's order (last row and column first), then un-premultiplied as the Python binding does.
 * Integer translations of opaque tiles take a row-copy fast path with the same result.
 */
import { createRaster, type Raster } from '@wsi/core';
import { bilinearShift, subpixel } from '../../slide/region.js';
import type { PlacedTile } from './layout.js';

/**
 * A tile with its decoded image (RGBA, opaque). `image` may hold only part of the camera image: its pixels from
 * (`ox`, `oy`) on, of a `fullWidth` × `fullHeight` image (defaults: 0, 0 and the raster's own size).
 */
export interface DrawTile {
  tile: PlacedTile;
  image: Raster<'uint8'>;
  ox?: number;
  oy?: number;
  fullWidth?: number;
  fullHeight?: number;
  /** Integer path only: the window rectangle to copy (from {@link visibleRects}); the rest is painted over. */
  clip?: WindowRect;
}

/**
 * A rectangle of the region window, `[x0, x1) × [y0, y1)`.
 *
 * @example
 * ```ts
 * const r: WindowRect = { x0: 0, y0: 0, x1: 256, y1: 128 };
 * ```
 */
export interface WindowRect {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

/**
 * True when every tile lands on the window at an integer offset: painting is then a plain copy in tile order, the
 * last tile drawn over a pixel owning it.
 *
 * @example
 * ```ts
 * if (integerShifts(tiles, 1000, 2000)) rects = visibleRects(tiles, 1000, 2000, 256, 256, 512, 512);
 * ```
 */
export function integerShifts(tiles: readonly PlacedTile[], fx: number, fy: number): boolean {
  return tiles.every((t) => subpixel(fx - t.x).frac === 0 && subpixel(fy - t.y).frac === 0);
}

/** The window rectangle (`w` × `h` at level (`fx`, `fy`)) that a tile's drawn pixels cover, or undefined. */
function windowRectOf(
  tile: PlacedTile,
  fx: number,
  fy: number,
  w: number,
  h: number,
  imageWidth: number,
  imageHeight: number,
): WindowRect | undefined {
  const ix = subpixel(fx - tile.x).i;
  const iy = subpixel(fy - tile.y).i;
  const x0 = Math.max(0, -ix);
  const x1 = Math.min(w, Math.min(tile.drawW, imageWidth - tile.srcX) - ix);
  const y0 = Math.max(0, -iy);
  const y1 = Math.min(h, Math.min(tile.drawH, imageHeight - tile.srcY) - iy);
  return x1 > x0 && y1 > y0 ? { x0, y0, x1, y1 } : undefined;
}

/**
 * For tiles at integer offsets (sorted by row, col: the order they are copied in), the bounding box of the window
 * pixels each tile still owns once the tiles after it are drawn — undefined for a tile drawn over entirely (or not
 * in the window). Camera images overlap their neighbours: a region whose edge lies in an overlap band need not
 * decode the image underneath at all, and images above others need not decode the rows drawn over.
 *
 * @example
 * ```ts
 * const vis = visibleRects(tiles, 1000, 2000, 256, 256, 512, 512); // vis[i]: tiles[i]'s rectangle, or undefined
 * ```
 */
export function visibleRects(
  tiles: readonly PlacedTile[],
  fx: number,
  fy: number,
  w: number,
  h: number,
  imageWidth: number,
  imageHeight: number,
): (WindowRect | undefined)[] {
  const drawn = tiles.map((t) => windowRectOf(t, fx, fy, w, h, imageWidth, imageHeight));
  // the cells between all tile edges: each is owned by the last tile covering it
  const edges = (a: 'x0' | 'y0', b: 'x1' | 'y1') =>
    [...new Set(drawn.flatMap((r) => (r ? [r[a], r[b]] : [])))].sort((p, q) => p - q);
  const xs = edges('x0', 'x1');
  const ys = edges('y0', 'y1');
  const out: (WindowRect | undefined)[] = drawn.map(() => undefined);
  for (let b = 0; b + 1 < ys.length; b++) {
    const cy0 = ys[b] as number;
    const cy1 = ys[b + 1] as number;
    for (let a = 0; a + 1 < xs.length; a++) {
      const cx0 = xs[a] as number;
      const cx1 = xs[a + 1] as number;
      let owner = -1;
      for (let i = drawn.length - 1; i >= 0 && owner < 0; i--) {
        const r = drawn[i];
        if (r && r.x0 <= cx0 && cx1 <= r.x1 && r.y0 <= cy0 && cy1 <= r.y1) owner = i;
      }
      if (owner < 0) continue;
      const o = out[owner];
      if (!o) out[owner] = { x0: cx0, y0: cy0, x1: cx1, y1: cy1 };
      else {
        o.x0 = Math.min(o.x0, cx0);
        o.y0 = Math.min(o.y0, cy0);
        o.x1 = Math.max(o.x1, cx1);
        o.y1 = Math.max(o.y1, cy1);
      }
    }
  }
  return out;
}

/**
 * The rectangle of a tile's camera image (image pixels) that painting the level window at (`fx`, `fy`), `w` × `h`
 * reads — the same clipping as the painting itself, one pixel wider and taller for the bilinear path, or only the
 * window rectangle `clip` (from {@link visibleRects}, integer path) — or undefined when it reads nothing.
 *
 * @example
 * ```ts
 * const r = imageRectFor(tile, 1000.5, 2000, 256, 256, 512, 512); // { x, y, width, height } within the image
 * ```
 */
export function imageRectFor(
  tile: PlacedTile,
  fx: number,
  fy: number,
  w: number,
  h: number,
  imageWidth: number,
  imageHeight: number,
  clip?: WindowRect,
): { x: number; y: number; width: number; height: number } | undefined {
  const r = clip ?? windowRectOf(tile, fx, fy, w + 1, h + 1, imageWidth, imageHeight);
  if (!r) return undefined;
  const ix = subpixel(fx - tile.x).i;
  const iy = subpixel(fy - tile.y).i;
  return { x: tile.srcX + r.x0 + ix, y: tile.srcY + r.y0 + iy, width: r.x1 - r.x0, height: r.y1 - r.y0 };
}

/**
 * Paints `tiles` (sorted by row, col ascending) into `dest` at (dx, dy), for the level window whose origin is
 * (`fx`, `fy`) level pixels and size `w × h`.
 *
 * @example
 * ```ts
 * paintTiles(out, 0, 0, 1000.5, 2000, 256, 256, drawTiles);
 * ```
 */
export function paintTiles(
  dest: Raster<'uint8'>,
  dx: number,
  dy: number,
  fx: number,
  fy: number,
  w: number,
  h: number,
  tiles: readonly DrawTile[],
): void {
  const shifts = tiles.map(({ tile }) => ({ sx: subpixel(fx - tile.x), sy: subpixel(fy - tile.y) }));
  if (shifts.every((s) => s.sx.frac === 0 && s.sy.frac === 0)) {
    tiles.forEach((t, i) => {
      copyTile(dest, dx, dy, w, h, t, shifts[i]!.sx.i, shifts[i]!.sy.i);
    });
    return;
  }
  const win = createRaster(w + 1, h + 1, 4) as Raster<'uint8'>;
  const shifted = createRaster(w, h, 4) as Raster<'uint8'>;
  for (let i = tiles.length - 1; i >= 0; i--) {
    const s = shifts[i]!;
    win.data.fill(0);
    copyTile(win, 0, 0, w + 1, h + 1, tiles[i]!, s.sx.i, s.sy.i);
    bilinearShift(win, shifted, 0, 0, w, h, s.sx.weight, s.sy.weight);
    saturate(dest, dx, dy, shifted);
  }
  unpremultiply(dest, dx, dy, w, h);
}

/** Copies the tile's drawn window so that its pixel (u, v) lands on dest (dx + u − ix, dy + v − iy), clipped to w × h. */
function copyTile(
  dest: Raster<'uint8'>,
  dx: number,
  dy: number,
  w: number,
  h: number,
  t: DrawTile,
  ix: number,
  iy: number,
): void {
  const { tile, image } = t;
  const ox = t.ox ?? 0;
  const oy = t.oy ?? 0;
  const dw = Math.min(tile.drawW, (t.fullWidth ?? image.width) - tile.srcX);
  const dh = Math.min(tile.drawH, (t.fullHeight ?? image.height) - tile.srcY);
  const c = t.clip;
  const x0 = Math.max(0, -ix, c ? c.x0 : 0);
  const x1 = Math.min(w, dw - ix, c ? c.x1 : w);
  const y0 = Math.max(0, -iy, c ? c.y0 : 0);
  const y1 = Math.min(h, dh - iy, c ? c.y1 : h);
  if (x1 <= x0 || y1 <= y0) return;
  const src = image.data;
  const dst = dest.data;
  for (let y = y0; y < y1; y++) {
    const s = ((tile.srcY + y + iy - oy) * image.width + tile.srcX + x0 + ix - ox) * 4;
    dst.set(src.subarray(s, s + (x1 - x0) * 4), ((dy + y) * dest.width + dx + x0) * 4);
  }
}

/** cairo's SATURATE of an un-premultiplied source onto premultiplied dest pixels. */
function saturate(dest: Raster<'uint8'>, dx: number, dy: number, src: Raster<'uint8'>): void {
  const s = src.data;
  const d = dest.data;
  for (let y = 0; y < src.height; y++) {
    let p = y * src.width * 4;
    let q = ((dy + y) * dest.width + dx) * 4;
    for (let x = 0; x < src.width; x++, p += 4, q += 4) {
      const a = s[p + 3]!;
      const da = d[q + 3]!;
      if (a === 0 || da === 255) continue;
      const room = 255 - da;
      // premultiplied source, scaled down when it would overflow the remaining coverage
      const f = a > room ? room / 255 : a / 255;
      d[q] = Math.min(255, d[q]! + Math.round(s[p]! * f));
      d[q + 1] = Math.min(255, d[q + 1]! + Math.round(s[p + 1]! * f));
      d[q + 2] = Math.min(255, d[q + 2]! + Math.round(s[p + 2]! * f));
      d[q + 3] = da + Math.min(a, room);
    }
  }
}

function unpremultiply(dest: Raster<'uint8'>, dx: number, dy: number, w: number, h: number): void {
  const d = dest.data;
  for (let y = 0; y < h; y++) {
    let q = ((dy + y) * dest.width + dx) * 4;
    for (let x = 0; x < w; x++, q += 4) {
      const al = d[q + 3]!;
      if (al === 255 || al === 0) continue;
      const half = al >> 1;
      d[q] = Math.min(255, Math.floor((d[q]! * 255 + half) / al));
      d[q + 1] = Math.min(255, Math.floor((d[q + 1]! * 255 + half) / al));
      d[q + 2] = Math.min(255, Math.floor((d[q + 2]! * 255 + half) / al));
    }
  }
}
