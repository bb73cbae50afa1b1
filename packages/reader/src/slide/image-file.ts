/**
 * Decoding a whole small image file (a JPEG or PNG label embedded in metadata) to RGBA, with sharp.
 */
import { type Raster, WsiError } from '@wsi/core';
import { sharp } from '../lazy-modules.js';

/** Largest embedded image accepted, in pixels (labels and macros are a few megapixels at most). */
const MAX_PIXELS = 64 * 1024 * 1024;

/**
 * Decodes an image file to an RGBA raster. Undecodable or oversized input → `CorruptFile`.
 *
 * @example
 * ```ts
 * const label = await decodeImageFile(jpegBytes, 'slide.tiff: label');
 * ```
 */
export async function decodeImageFile(bytes: Uint8Array, what: string): Promise<Raster<'uint8'>> {
  const vips = sharp(); // not in the try: sharp missing on this platform is UnsupportedFormat, not a corrupt image
  try {
    const { data, info } = await vips(bytes, { limitInputPixels: MAX_PIXELS })
      .ensureAlpha()
      .raw()
      .toBuffer({ resolveWithObject: true });
    return {
      width: info.width,
      height: info.height,
      channels: 4,
      dtype: 'uint8',
      data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
    };
  } catch (err) {
    throw new WsiError('CorruptFile', `${what}: cannot decode the embedded image: ${(err as Error).message}`, {
      cause: err,
    });
  }
}
