/**
 * A minimal BMP decoder for MIRAX `BMP24` images: BITMAPINFOHEADER (or later) with 24- or 32-bit BI_RGB pixels,
 * bottom-up or top-down rows padded to 4 bytes.
 */
import { type Raster, WsiError } from '@wsi/core';

/**
 * Decodes a BMP into opaque RGBA; anything else than uncompressed 24/32-bit, or a size other than `width × height`
 * → `CorruptFile` / `UnsupportedFormat`.
 *
 * @example
 * ```ts
 * const rgba = decodeBmp(bytes, 1024, 768);
 * ```
 */
export function decodeBmp(bytes: Uint8Array, width: number, height: number): Raster<'uint8'> {
  if (bytes.length < 54 || bytes[0] !== 0x42 || bytes[1] !== 0x4d) throw new WsiError('CorruptFile', 'not a BMP image');
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dataOffset = v.getUint32(10, true);
  const headerSize = v.getUint32(14, true);
  const w = v.getInt32(18, true);
  const rawH = v.getInt32(22, true);
  const bpp = v.getUint16(28, true);
  const compression = headerSize >= 40 ? v.getUint32(30, true) : 0;
  if (headerSize < 40) throw new WsiError('UnsupportedFormat', `BMP header of ${headerSize} bytes`);
  if ((bpp !== 24 && bpp !== 32) || (compression !== 0 && !(compression === 3 && bpp === 32))) {
    throw new WsiError('UnsupportedFormat', `BMP with ${bpp} bits per pixel, compression ${compression}`);
  }
  const h = Math.abs(rawH);
  if (w !== width || h !== height) throw new WsiError('CorruptFile', `BMP is ${w}×${h}, expected ${width}×${height}`);
  const bytesPP = bpp / 8;
  const stride = Math.ceil((w * bytesPP) / 4) * 4;
  if (dataOffset + stride * h > bytes.length) throw new WsiError('CorruptFile', 'BMP pixel data is truncated');
  const out = new Uint8Array(w * h * 4);
  for (let y = 0; y < h; y++) {
    const row = dataOffset + (rawH > 0 ? h - 1 - y : y) * stride;
    let q = y * w * 4;
    for (let x = 0, p = row; x < w; x++, p += bytesPP, q += 4) {
      out[q] = bytes[p + 2]!;
      out[q + 1] = bytes[p + 1]!;
      out[q + 2] = bytes[p]!;
      out[q + 3] = 255;
    }
  }
  return { width: w, height: h, channels: 4, dtype: 'uint8', data: out };
}
