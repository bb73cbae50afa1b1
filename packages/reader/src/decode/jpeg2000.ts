/**
 * JPEG 2000 tiles (Aperio 33003 YCbCr and 33005 RGB, and 34712) through WASM OpenJPEG
 * (`@cornerstonejs/codec-openjpeg`). 33005 codestreams apply their own component transform, so their output is
 * RGB as is; 33003 codestreams hold Y, Cb, Cr components that we convert to RGB.
 */
import { createRequire } from 'node:module';
import { createRaster, type Raster, WsiError, throwIfAborted } from '@wsi/core';
import { toRgba } from './samples.js';
import type { TileDecodeInfo, TileDecoder } from './types.js';

interface J2KDecoder {
  getEncodedBuffer(n: number): Uint8Array;
  readHeader(): void;
  decode(): void;
  getFrameInfo(): { width: number; height: number; bitsPerSample: number; componentCount: number; isSigned: boolean };
  getDecodedBuffer(): Uint8Array;
}

let decoder: Promise<J2KDecoder> | undefined;

function loadDecoder(): Promise<J2KDecoder> {
  decoder ??= (async () => {
    const require = createRequire(import.meta.url);
    const factory = require('@cornerstonejs/codec-openjpeg/decodewasmjs') as () => Promise<{ J2KDecoder: new () => J2KDecoder }>;
    const quiet = (): void => {};
    const codec = await (factory as (m: object) => Promise<{ J2KDecoder: new () => J2KDecoder }>)({ print: quiet, printErr: quiet });
    return new codec.J2KDecoder();
  })();
  return decoder;
}

const YCBCR_COMPRESSION = 33003;

async function decodeJ2k(bytes: Uint8Array, info: TileDecodeInfo, signal?: AbortSignal): Promise<Raster> {
  throwIfAborted(signal);
  const dec = await loadDecoder();
  throwIfAborted(signal);
  // sizes first, from the SIZ marker: never let the codestream drive an allocation larger than the tile
  const siz = readJ2kSize(bytes);
  if (siz.width !== info.width || siz.height !== info.height) {
    throw new WsiError('CorruptFile', `JPEG 2000 tile is ${siz.width}×${siz.height}, expected ${info.width}×${info.height}`);
  }
  if (siz.components !== 1 && siz.components !== 3 && siz.components !== 4) {
    throw new WsiError('UnsupportedFormat', `JPEG 2000 with ${siz.components} components is not supported`);
  }
  try {
    dec.getEncodedBuffer(bytes.length).set(bytes);
    dec.decode();
  } catch (err) {
    throw new WsiError('CorruptFile', `JPEG 2000 tile does not decode: ${String((err as Error)?.message ?? err)}`, { cause: err });
  }
  const fi = dec.getFrameInfo();
  if (fi.width !== info.width || fi.height !== info.height || fi.componentCount !== siz.components) {
    throw new WsiError('CorruptFile', `JPEG 2000 tile decoded to ${fi.width}×${fi.height}×${fi.componentCount}`);
  }
  const out = dec.getDecodedBuffer();
  const n = fi.width * fi.height;
  const ch = fi.componentCount;
  if (fi.bitsPerSample > 8) {
    if (out.byteLength < n * ch * 2) throw new WsiError('CorruptFile', 'JPEG 2000 decoded to fewer samples than its header says');
    const r = createRaster(fi.width, fi.height, ch, 'uint16');
    r.data.set(new Uint16Array(out.buffer, out.byteOffset, n * ch));
    return r;
  }
  const px = new Uint8Array(out.buffer, out.byteOffset, n * ch);
  if (out.byteLength < n * ch) throw new WsiError('CorruptFile', 'JPEG 2000 decoded to fewer samples than its header says');
  const rgba = toRgba(px, fi.width, fi.height, ch);
  if (info.compression === YCBCR_COMPRESSION && ch === 3) ycbcrToRgbInPlace(rgba.data);
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
