/**
 * JPEG 2000 tiles (Aperio 33003 YCbCr and 33005 RGB, and 34712) through WASM OpenJPEG
 * (`@cornerstonejs/codec-openjpeg`). 33005 codestreams apply their own component transform, so their output is
 * RGB as is; 33003 codestreams hold Y, Cb, Cr components that we convert to RGB.
 */
import { createRaster, type Raster, throwIfAborted, WsiError } from '@wsi/core';
import type { TileDecodeInfo, TileDecoder } from './types.js';
import { wasmDecodePool } from './wasm-pool.js';

const YCBCR_COMPRESSION = 33003;

async function decodeJ2k(bytes: Uint8Array, info: TileDecodeInfo, signal?: AbortSignal): Promise<Raster> {
  throwIfAborted(signal);
  // sizes first, from the SIZ marker: never let the codestream drive an allocation larger than the tile
  const siz = readJ2kSize(bytes);
  if (siz.width !== info.width || siz.height !== info.height) {
    throw new WsiError(
      'CorruptFile',
      `JPEG 2000 tile is ${siz.width}×${siz.height}, expected ${info.width}×${info.height}`,
    );
  }
  if (siz.components !== 1 && siz.components !== 3 && siz.components !== 4) {
    throw new WsiError('UnsupportedFormat', `JPEG 2000 with ${siz.components} components is not supported`);
  }
  const px = await wasmDecodePool().decode('j2k', bytes, info.width, info.height, signal);
  const { width, height } = px;
  if (px.bitsPerSample > 8) {
    const r = createRaster(width, height, px.channels, 'uint16');
    r.data.set(new Uint16Array(px.data.buffer, px.data.byteOffset, width * height * px.channels));
    return r;
  }
  if (px.channels === 1) return { width, height, channels: 1, dtype: 'uint8', data: px.data };
  const rgba: Raster<'uint8'> = { width, height, channels: 4, dtype: 'uint8', data: px.data };
  if (info.compression === YCBCR_COMPRESSION && siz.components === 3) ycbcrToRgbInPlace(rgba.data);
  return rgba;
}

/**
 * The image size and component count from a JPEG 2000 codestream's SIZ marker (a JP2 file's `jp2c` box is looked
 * into). Throws `CorruptFile` when there is no SIZ marker where the standard puts it.
 *
 * @example
 * ```ts
 * const { width, height, components } = readJ2kSize(tileBytes);
 * ```
 */
export function readJ2kSize(bytes: Uint8Array): { width: number; height: number; components: number } {
  let p = 0;
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length >= 12 && dv.getUint32(0) === 12 && dv.getUint32(4) === 0x6a502020) {
    // JP2: walk boxes to the contiguous codestream box
    p = -1;
    for (let b = 0; b + 8 <= bytes.length; ) {
      let len = dv.getUint32(b);
      const type = dv.getUint32(b + 4);
      let head = 8;
      if (len === 1 && b + 16 <= bytes.length) {
        len = Number(dv.getBigUint64(b + 8));
        head = 16;
      }
      if (type === 0x6a703263) {
        p = b + head;
        break;
      }
      if (len < head) break;
      b += len;
    }
  }
  if (p < 0 || p + 42 > bytes.length || dv.getUint16(p) !== 0xff4f || dv.getUint16(p + 2) !== 0xff51) {
    throw new WsiError('CorruptFile', 'JPEG 2000 tile does not start with SOC and SIZ markers');
  }
  const s = p + 4; // Lsiz
  const width = dv.getUint32(s + 4) - dv.getUint32(s + 12);
  const height = dv.getUint32(s + 8) - dv.getUint32(s + 16);
  const components = dv.getUint16(s + 36);
  return { width, height, components };
}

/**
 * Converts full-range YCbCr (JPEG/JFIF equations, as OpenSlide applies to Aperio 33003 tiles) held in an RGBA buffer
 * to RGB, in place.
 *
 * @example
 * ```ts
 * ycbcrToRgbInPlace(rgba.data);
 * ```
 */
export function ycbcrToRgbInPlace(data: Uint8Array): void {
  for (let i = 0; i < data.length; i += 4) {
    const y = data[i] as number;
    const cb = (data[i + 1] as number) - 128;
    const cr = (data[i + 2] as number) - 128;
    data[i] = clamp(y + 1.402 * cr);
    data[i + 1] = clamp(y - 0.344136 * cb - 0.714136 * cr);
    data[i + 2] = clamp(y + 1.772 * cb);
  }
}

function clamp(v: number): number {
  return v < 0 ? 0 : v > 255 ? 255 : Math.round(v);
}

/**
 * The JPEG 2000 tile decoder (33003, 33005, 34712).
 *
 * @example
 * ```ts
 * const rgba = await jpeg2000Decoder.decode(tileBytes, { ...info, compression: 33005 });
 * ```
 */
export const jpeg2000Decoder: TileDecoder = { decode: decodeJ2k };
