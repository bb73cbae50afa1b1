/**
 * Region assembly: copying the rows of the tiles a window touches into a raster (no per-pixel loops), and
 * OpenSlide's sub-pixel positioning (a bilinear shift by the fractional part of the level-space origin, computed
 * as cairo/pixman do, on premultiplied RGBA, then un-premultiplied as OpenSlide's Python binding does).
 */
import { type Raster, WsiError } from '@wsi/core';

/**
 * The geometry of one level's tile grid.
 *
 * @example
 * ```ts
 * const grid: TileGrid = { width: 46000, height: 32914, tileWidth: 256, tileHeight: 256 };
 * ```
 */
export interface TileGrid {
  width: number;
  height: number;
  tileWidth: number;
  tileHeight: number;
}

/**
 * Fetches a decoded tile (null = missing, painted transparent).
 *
 * @example
 * ```ts
 * const fetchTile: TileFetcher = async (col, row) => (await hasTile(col, row)) ? decodeTile(col, row) : null;
 * ```
 */
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
function blitTile(
  grid: TileGrid,
  tile: Raster,
  c: number,
  r: number,
  dest: Raster,
  ox: number,
  oy: number,
  x0: number,
  y0: number,
  x1: number,
  y1: number,
): void {
  if (tile.channels !== dest.channels || tile.dtype !== dest.dtype) {
    throw new WsiError(
      'CorruptFile',
      `tile (${c}, ${r}) decoded to ${tile.channels}×${tile.dtype}, expected ${dest.channels}×${dest.dtype}`,
    );
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
  if (bx - ax === tile.width && tile.width === dest.width) {
    // whole rows on both sides: one contiguous copy
    const s = (ay - ty) * tile.width * ch;
    dst.set(src.subarray(s, s + (by - ay) * rowLen), (ay + oy) * dest.width * ch + (ax + ox) * ch);
    return;
  }
  for (let yy = ay; yy < by; yy++) {
    const s = ((yy - ty) * tile.width + (ax - tx)) * ch;
    const d = ((yy + oy) * dest.width + (ax + ox)) * ch;
    dst.set(src.subarray(s, s + rowLen), d);
  }
}

/**
 * Splits a level-space origin as cairo hands it to pixman: the left source pixel `i` and the 16.16 fraction
 * `weight` (0–65535; 0 = integer position, where OpenSlide copies pixels unfiltered); `frac` is the same number.
 *
 * @example
 * ```ts
 * subpixel(10.5); // { i: 10, frac: 32768, weight: 32768 }
 * ```
 */
export function subpixel(v: number): { i: number; frac: number; weight: number } {
  let i = Math.floor(v);
  let weight = Math.round((v - i) * 65536);
  if (weight >= 65536) {
    i += 1;
    weight -= 65536;
  }
  return { i, frac: weight, weight };
}

const f32 = Math.fround;
/** pixman's `unorm_to_float(v, 8)`: v × (1/255) in single precision. */
const UNORM = Float32Array.from({ length: 256 }, (_, v) => f32(v * f32(1 / 255)));

/** pixman's `float_to_unorm(f, 8)`: clamp, ×256 truncated, minus the carry. */
function toUnorm(f: number): number {
  if (f > 1) f = 1;
  else if (!(f > 0)) return 0;
  const u = Math.trunc(f * 256);
  return u - (u >> 8);
}

/**
 * Sub-pixel shift of an RGBA window exactly as cairo 1.16 + pixman 0.42 paint it for OpenSlide 3.4.1 (the bilinear
 * filter on pixman's single-precision float path): `src` is `(w+1)×(h+1)` level pixels starting at the integer
 * origin; `dest` receives `w×h` pixels at `(dx, dy)`; `wx`, `wy` are the 16.16 fractions from {@link subpixel}.
 * Values are premultiplied (as cairo's ARGB32) and the result un-premultiplied as OpenSlide's Python binding does.
 *
 * @example
 * ```ts
 * const sx = subpixel(1000 / 2.0005);
 * const sy = subpixel(0);
 * bilinearShift(window, out, 0, 0, 256, 256, sx.weight, sy.weight);
 * ```
 */
export function bilinearShift(
  src: Raster<'uint8'>,
  dest: Raster<'uint8'>,
  dx: number,
  dy: number,
  w: number,
  h: number,
  wx: number,
  wy: number,
): void {
  const s = src.data;
  const d = dest.data;
  const sw = src.width * 4;
  const fx = f32(wx / 65536);
  const fy = f32(wy / 65536);
  const w11 = f32(fx * fy);
  const w10 = f32(fx * f32(1 - fy));
  const w01 = f32(f32(1 - fx) * fy);
  const w00 = f32(f32(1 - fx) * f32(1 - fy));
  // per-weight lookup tables: product of a channel value and a weight, in single precision
  const t00 = UNORM.map((v) => f32(v * w00));
  const t10 = UNORM.map((v) => f32(v * w10));
  const t01 = UNORM.map((v) => f32(v * w01));
  const t11 = UNORM.map((v) => f32(v * w11));
  const mix = (p: number, p2: number) =>
    toUnorm(f32(f32(f32(t00[s[p]!]! + t10[s[p + 4]!]!) + t01[s[p2]!]!) + t11[s[p2 + 4]!]!));
  for (let y = 0; y < h; y++) {
    let p = y * sw;
    let q = ((y + dy) * dest.width + dx) * 4;
    for (let x = 0; x < w; x++, p += 4, q += 4) {
      const p2 = p + sw;
      const al = mix(p + 3, p2 + 3);
      if (al === 0) {
        d[q] = 0;
        d[q + 1] = 0;
        d[q + 2] = 0;
        d[q + 3] = 0;
        continue;
      }
      let r = mix(p, p2);
      let g = mix(p + 1, p2 + 1);
      let b = mix(p + 2, p2 + 2);
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

/** OpenSlide paints regions in 4096² chunks, each with its own sub-pixel origin. */
export const PAINT_CHUNK = 4096;

/** One painting chunk of a region: output offset, level-0 origin (≥ 0) and size in level pixels. */
export interface PaintChunk {
  /** Where the chunk lands in the output raster. */
  ox: number;
  oy: number;
  /** Level-0 origin of the chunk, clipped at 0 as OpenSlide does (the part left of / above 0 stays transparent). */
  x: number;
  y: number;
  /** Size in pixels of the level. */
  w: number;
  h: number;
}

/**
 * Splits a region into OpenSlide 3.4.1's painting chunks: 4096² pieces whose level-0 origins are
 * `trunc(x + k·4096·downsample)`, with negative origins clipped to 0 (the skipped part is
 * `trunc(−x / downsample)` level pixels). Chunks wholly outside are dropped. Every slide class paints these.
 *
 * @example
 * ```ts
 * for (const c of paintChunks(-100, 0, 512, 512, 4)) paint(out, c); // [{ ox: 25, oy: 0, x: 0, y: 0, w: 487, h: 512 }]
 * ```
 */
export function paintChunks(x: number, y: number, width: number, height: number, downsample: number): PaintChunk[] {
  const chunks: PaintChunk[] = [];
  for (let row = 0; row * PAINT_CHUNK < height; row++) {
    for (let col = 0; col * PAINT_CHUNK < width; col++) {
      let cx = Math.trunc(x + col * PAINT_CHUNK * downsample);
      let cy = Math.trunc(y + row * PAINT_CHUNK * downsample);
      let ox = col * PAINT_CHUNK;
      let oy = row * PAINT_CHUNK;
      let w = Math.min(width - ox, PAINT_CHUNK);
      let h = Math.min(height - oy, PAINT_CHUNK);
      if (cx < 0) {
        const t = Math.trunc(-cx / downsample);
        ox += t;
        w -= t;
        cx = 0;
      }
      if (cy < 0) {
        const t = Math.trunc(-cy / downsample);
        oy += t;
        h -= t;
        cy = 0;
      }
      if (w > 0 && h > 0) chunks.push({ ox, oy, x: cx, y: cy, w, h });
    }
  }
  return chunks;
}
