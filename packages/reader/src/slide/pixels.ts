/**
 * Pixel layout decisions: which TIFF images read as RGBA brightfield, and conversion of decoded tiles to it.
 */
import { type Raster, type RasterDtype, WsiError } from '@wsi/core';
import type { TiffImage } from '../tiff/image.js';

/**
 * Channels and dtype a level's regions are returned in.
 *
 * @example
 * ```ts
 * const layout: PixelLayout = pixelLayout(image); // e.g. { channels: 4, dtype: 'uint8', rgba: true }
 * ```
 */
export interface PixelLayout {
  channels: number;
  dtype: RasterDtype;
  /** RGBA uint8 with OpenSlide's semantics (sub-pixel bilinear positioning applies). */
  rgba: boolean;
}

/**
 * RGBA uint8 with OpenSlide's semantics: the layout of every brightfield level (NDPI, MIRAX, DICOM, JPEG TIFFs).
 *
 * @example
 * ```ts
 * const rgba = toLayout(decodedGreyOrRgb, RGBA);
 * ```
 */
export const RGBA: PixelLayout = { channels: 4, dtype: 'uint8', rgba: true };

const JPEG_LIKE = new Set([6, 7, 33003, 33005, 34712, 50001]);

/**
 * RGBA uint8 for 8-bit images with 1, 3 or 4 samples (grey as OpenSlide shows it: R = G = B) and JPEG-family tiles;
 * native channels and bit depth otherwise (fluorescence, 16-bit, float).
 *
 * @example
 * ```ts
 * pixelLayout(img); // { channels: 4, dtype: 'uint8', rgba: true }
 * ```
 */
export function pixelLayout(img: TiffImage): PixelLayout {
  const bits = img.bitsPerSample;
  const spp = img.samplesPerPixel;
  if (bits === 8 && (spp === 1 || spp === 3 || spp === 4 || JPEG_LIKE.has(img.compression))) {
    return RGBA;
  }
  const dtype: RasterDtype = img.sampleFormat === 3 ? 'float32' : bits <= 8 ? 'uint8' : 'uint16';
  return { channels: img.samplesPerPixel, dtype, rgba: false };
}

/**
 * Brings a decoded tile to the layout: RGB → RGBA (alpha 255), grey → RGBA; anything else must already match.
 *
 * @example
 * ```ts
 * const rgba = toLayout(decoded, { channels: 4, dtype: 'uint8', rgba: true });
 * ```
 */
export function toLayout(tile: Raster, layout: PixelLayout): Raster {
  if (tile.channels === layout.channels && tile.dtype === layout.dtype) return tile;
  if (layout.rgba && tile.dtype === 'uint8' && (tile.channels === 3 || tile.channels === 1 || tile.channels === 2)) {
    const n = tile.width * tile.height;
    const out = new Uint8Array(n * 4);
    const s = tile.data as Uint8Array;
    const c = tile.channels;
    for (let i = 0, p = 0, q = 0; i < n; i++, p += c, q += 4) {
      if (c === 3) {
        out[q] = s[p]!;
        out[q + 1] = s[p + 1]!;
        out[q + 2] = s[p + 2]!;
        out[q + 3] = 255;
      } else {
        out[q] = out[q + 1] = out[q + 2] = s[p]!;
        out[q + 3] = c === 2 ? s[p + 1]! : 255;
      }
    }
    return { width: tile.width, height: tile.height, channels: 4, dtype: 'uint8', data: out };
  }
  throw new WsiError(
    'CorruptFile',
    `a tile decoded to ${tile.channels} ${tile.dtype} channels where ${layout.channels} ${layout.dtype} were expected`,
  );
}
