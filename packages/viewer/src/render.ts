/**
 * Renders DeepZoom tiles from a slide: the tile's level-0 rectangle read from the best slide level and resized with
 * sharp (`read` of @wsi/reader), flattened onto the slide's background colour and encoded as JPEG or PNG.
 */
import { createRaster, PROPERTY, type Raster, type Slide, type SlideLevel, WsiError } from '@wsi/core';
import { read } from '@wsi/reader';
import sharp from 'sharp';
import type { DeepZoomTile, TileFormat } from './deepzoom.js';

/**
 * Options of {@link renderTile}.
 *
 * @example
 * ```ts
 * const jpeg = await renderTile(slide, tile, { format: 'jpeg', quality: 85 } satisfies RenderOptions);
 * ```
 */
export interface RenderOptions {
  format?: TileFormat;
  /** JPEG quality 1–100 (default 85). */
  quality?: number;
  /**
   * Most source pixels read at once (default 16 Mi): a tile whose source region is larger (a slide without a
   * pyramid seen from far away) is read in pieces, so memory stays bounded.
   */
  pieceBudget?: number;
  signal?: AbortSignal;
}

/**
 * Default {@link RenderOptions.pieceBudget}.
 *
 * @example
 * ```ts
 * await renderTile(slide, tile, { pieceBudget: 4 * DEFAULT_PIECE_BUDGET });
 * ```
 */
export const DEFAULT_PIECE_BUDGET = 16 * 1024 * 1024;

/**
 * Pixels of the slide level read for a tile (before resizing): what a tile costs.
 *
 * @example
 * ```ts
 * tileSourcePixels(slide, tileRect(g, 0, 0, 0)!); // small on a pyramidal slide
 * ```
 */
export function tileSourcePixels(slide: Slide, tile: DeepZoomTile): number {
  const level = slide.bestLevelForDownsample(tile.downsample);
  const scale = tile.downsample / (slide.levels[level] as SlideLevel).downsample;
  return Math.ceil(tile.width * scale) * Math.ceil(tile.height * scale);
}

/**
 * The slide's background colour (`openslide.background-color`, `RRGGBB`), white when absent.
 *
 * @example
 * ```ts
 * slideBackground(slide); // { r: 255, g: 255, b: 255 }
 * ```
 */
export function slideBackground(slide: Slide): { r: number; g: number; b: number } {
  const hex = slide.properties[PROPERTY.backgroundColor];
  if (hex && /^[0-9a-f]{6}$/i.test(hex)) {
    const v = Number.parseInt(hex, 16);
    return { r: v >> 16, g: (v >> 8) & 255, b: v & 255 };
  }
  return { r: 255, g: 255, b: 255 };
}

/**
 * Converts any raster (RGBA/RGB/gray, uint8/uint16/float32) to RGBA uint8 for display; RGBA uint8 is returned as is.
 *
 * @example
 * ```ts
 * const rgba = toRgba8(await slide.readRegion(r));
 * ```
 */
export function toRgba8(r: Raster): Raster<'uint8'> {
  if (r.dtype === 'uint8' && r.channels === 4) return r as Raster<'uint8'>;
  const out = createRaster(r.width, r.height, 4);
  const n = r.width * r.height;
  const c = r.channels;
  const scale = r.dtype === 'uint16' ? 1 / 257 : r.dtype === 'float32' ? 255 : 1;
  const v = (i: number): number => Math.max(0, Math.min(255, Math.round((r.data[i] as number) * scale)));
  for (let p = 0; p < n; p++) {
    const s = p * c;
    const gray = v(s);
    out.data[4 * p] = gray;
    out.data[4 * p + 1] = c >= 3 ? v(s + 1) : gray;
    out.data[4 * p + 2] = c >= 3 ? v(s + 2) : gray;
    out.data[4 * p + 3] = c === 4 || c === 2 ? v(s + c - 1) : 255;
  }
  return out;
}

/**
 * The RGBA pixels of a tile (alpha 0 outside the slide, or composited onto `background`), read in pieces when the
 * source region exceeds `pieceBudget` pixels.
 *
 * @example
 * ```ts
 * const rgba = await renderTileRaster(slide, tileRect(g, g.maxLevel, 0, 0)!);
 * ```
 */
export async function renderTileRaster(
  slide: Slide,
  tile: DeepZoomTile,
  opts: Pick<RenderOptions, 'pieceBudget' | 'signal'> & { background?: { r: number; g: number; b: number } } = {},
): Promise<Raster<'uint8'>> {
  const ds = tile.downsample;
  const x0 = tile.x * ds;
  const y0 = tile.y * ds;
  // composite onto the background before resizing (as OpenSlide's DeepZoom generator), so edges are not darkened
  const bg = opts.background;
  const extra = {
    ...(opts.signal ? { signal: opts.signal } : {}),
    ...(bg ? { background: [bg.r, bg.g, bg.b] as [number, number, number] } : {}),
  };
  const budget = opts.pieceBudget ?? DEFAULT_PIECE_BUDGET;
  if (tileSourcePixels(slide, tile) <= budget)
    return toRgba8(
      await read(slide, { x: x0, y: y0, width: tile.width, height: tile.height, downsample: ds, ...extra }),
    );
  const level = slide.bestLevelForDownsample(ds);
  const scale = ds / (slide.levels[level] as SlideLevel).downsample;
  const piece = Math.max(1, Math.floor(Math.sqrt(budget) / scale));
  const out = createRaster(tile.width, tile.height, 4);
  for (let py = 0; py < tile.height; py += piece) {
    for (let px = 0; px < tile.width; px += piece) {
      const w = Math.min(piece, tile.width - px);
      const h = Math.min(piece, tile.height - py);
      const part = toRgba8(
        await read(slide, { x: x0 + px * ds, y: y0 + py * ds, width: w, height: h, downsample: ds, ...extra }),
      );
      for (let row = 0; row < h; row++)
        out.data.set(part.data.subarray(row * w * 4, (row + 1) * w * 4), ((py + row) * tile.width + px) * 4);
    }
  }
  return out;
}

/**
 * Encodes RGBA pixels as a tile: flattened onto `background`, JPEG (quality) or PNG.
 *
 * @example
 * ```ts
 * const bytes = await encodeTile(rgba, 'png', { r: 255, g: 255, b: 255 });
 * ```
 */
export async function encodeTile(
  rgba: Raster<'uint8'>,
  format: TileFormat,
  background: { r: number; g: number; b: number },
  quality = 85,
): Promise<Buffer> {
  const img = sharp(Buffer.from(rgba.data.buffer, rgba.data.byteOffset, rgba.data.byteLength), {
    raw: { width: rgba.width, height: rgba.height, channels: 4 },
  }).flatten({ background });
  if (format === 'png') return img.png({ compressionLevel: 4 }).toBuffer();
  if (format === 'jpeg') return img.jpeg({ quality }).toBuffer();
  throw new WsiError('InvalidArgument', `unknown tile format '${String(format)}' (jpeg, png)`);
}

/**
 * Renders and encodes one DeepZoom tile.
 *
 * @example
 * ```ts
 * const g = deepZoomGeometry(slide.levels[0].width, slide.levels[0].height);
 * const jpeg = await renderTile(slide, tileRect(g, g.maxLevel - 2, 0, 0)!, { format: 'jpeg' });
 * ```
 */
export async function renderTile(slide: Slide, tile: DeepZoomTile, opts: RenderOptions = {}): Promise<Buffer> {
  const background = slideBackground(slide);
  const rgba = await renderTileRaster(slide, tile, { ...opts, background });
  return encodeTile(rgba, opts.format ?? 'jpeg', background, opts.quality ?? 85);
}
