/**
 * Resampling with sharp (libvips): the one place the reader resizes pixels.
 */
import { createRaster, type Raster, WsiError } from '@wsi/core';
import { sharp } from './lazy-modules.js';

/**
 * Resizes an RGBA (or 1–4 channel uint8) raster to exactly `width × height` with a Lanczos-3 kernel
 * (area-averaging for large reductions, as libvips does).
 *
 * @example
 * ```ts
 * const small = await resizeRaster(rgba, 256, 256);
 * ```
 */
export async function resizeRaster(src: Raster, width: number, height: number): Promise<Raster> {
  if (src.dtype !== 'uint8' || src.channels < 1 || src.channels > 4) {
    throw new WsiError('InvalidArgument', `resizing needs 1–4 uint8 channels, got ${src.channels} ${src.dtype}`);
  }
  const out = createRaster(width, height, src.channels);
  if (width === 0 || height === 0 || src.width === 0 || src.height === 0) return out;
  if (width === src.width && height === src.height) {
    out.data.set(src.data);
    return out;
  }
  const data = src.data as Uint8Array;
  const buf = await sharp()(Buffer.from(data.buffer, data.byteOffset, data.byteLength), {
    raw: { width: src.width, height: src.height, channels: src.channels as 1 | 2 | 3 | 4 },
    limitInputPixels: false,
  })
    .resize(width, height, { fit: 'fill', kernel: 'lanczos3' })
    .raw()
    .toBuffer();
  out.data.set(buf.subarray(0, out.data.length));
  return out;
}
