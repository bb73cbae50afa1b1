/**
 * From decompressed TIFF sample bytes to a {@link Raster}: byte order, TIFF predictors (2: horizontal differencing,
 * 3: floating-point), planar-to-interleaved, and RGB → RGBA for brightfield images.
 */
import { createRaster, type Raster, WsiError } from '@wsi/core';
import type { TileDecodeInfo } from './types.js';

/** Bytes one tile of `info` occupies once decompressed; throws `UnsupportedFormat` for bit depths we do not read. */
export function expectedByteLength(info: TileDecodeInfo): number {
  const bps = info.bitsPerSample;
  if (bps !== 8 && bps !== 16 && bps !== 32) {
    throw new WsiError('UnsupportedFormat', `${bps}-bit samples are not supported`, {
      details: { bitsPerSample: bps },
    });
  }
  if (bps === 32 && info.sampleFormat !== 3) {
    throw new WsiError('UnsupportedFormat', '32-bit integer samples are not supported (only 32-bit float)');
  }
  if (!Number.isInteger(info.samplesPerPixel) || info.samplesPerPixel < 1 || info.samplesPerPixel > 64) {
    throw new WsiError('UnsupportedFormat', `SamplesPerPixel ${info.samplesPerPixel} is not supported`);
  }
  return info.width * info.height * info.samplesPerPixel * (bps >> 3);
}

/** True when the tile is shown as RGBA: 8-bit RGB (3 samples, or 4 with alpha) or 8-bit palette-free colour. */
export function isBrightfield(info: TileDecodeInfo): boolean {
  return (
    info.bitsPerSample === 8 && info.photometric === 2 && (info.samplesPerPixel === 3 || info.samplesPerPixel === 4)
  );
}

/**
 * Turns decompressed sample bytes (exactly {@link expectedByteLength} long, in the file's byte order) into a Raster:
 * RGBA uint8 for brightfield RGB, otherwise the native channel count and dtype (uint8, uint16 or float32).
 * `bytes` may be modified in place (the predictor is undone there).
 *
 * @example
 * ```ts
 * const raster = samplesToRaster(inflated, { ...info, predictor: 2 });
 * ```
 */
export function samplesToRaster(bytes: Uint8Array, info: TileDecodeInfo): Raster {
  const need = expectedByteLength(info);
  if (bytes.length < need) {
    throw new WsiError('CorruptFile', `tile data decodes to ${bytes.length} bytes, expected ${need}`, {
      details: { got: bytes.length, expected: need },
    });
  }
  const { width, height } = info;
  const spp = info.samplesPerPixel;
  const planar = info.planarConfig === 2 && spp > 1;
  const planes = planar ? spp : 1;
  const rowSamples = planar ? width : width * spp;
  const stride = planar ? 1 : spp;
  const bps = info.bitsPerSample;
  const little = info.littleEndian ?? true;
  const pred = info.predictor ?? 1;
  if (pred !== 1 && pred !== 2 && pred !== 3)
    throw new WsiError('UnsupportedFormat', `TIFF predictor ${pred} is not supported`);
  if (pred === 3 && bps !== 32)
    throw new WsiError('UnsupportedFormat', `floating-point predictor on ${bps}-bit samples`);

  let samples: Uint8Array | Uint16Array | Float32Array;
  if (bps === 8) {
    samples = bytes.subarray(0, need);
    if (pred === 2) undoHorizontal(samples, planes * height, rowSamples, stride);
  } else if (pred === 3) {
    samples = undoFloatPredictor(bytes.subarray(0, need), planes * height, rowSamples, stride, 4);
  } else if (bps === 16) {
    samples = toUint16(bytes, need, little);
    if (pred === 2) undoHorizontal(samples, planes * height, rowSamples, stride);
  } else {
    if (pred === 2) throw new WsiError('UnsupportedFormat', 'horizontal predictor on floating-point samples');
    samples = toFloat32(bytes, need, little);
  }
  if (planar) samples = interleave(samples, spp, width * height);

  if (bps === 8 && isBrightfield(info)) return toRgba(samples as Uint8Array, width, height, spp);
  const dtype = bps === 8 ? 'uint8' : bps === 16 ? 'uint16' : 'float32';
  const raster = createRaster(width, height, spp, dtype);
  raster.data.set(samples as never);
  return raster;
}

const LITTLE_ENDIAN_HOST = new Uint8Array(Uint32Array.of(1).buffer)[0] === 1;

function undoHorizontal(a: Uint8Array | Uint16Array, rows: number, rowSamples: number, stride: number): void {
  for (let r = 0; r < rows; r++) {
    const base = r * rowSamples;
    for (let i = base + stride, end = base + rowSamples; i < end; i++)
      a[i] = (a[i] as number) + (a[i - stride] as number);
  }
}

/** TIFF Technical Note 3: bytes of each row were differenced with `stride`, then split into byte planes (MSB first). */
function undoFloatPredictor(
  b: Uint8Array,
  rows: number,
  rowSamples: number,
  stride: number,
  bytesPer: number,
): Float32Array {
  const rowBytes = rowSamples * bytesPer;
  const out = new Float32Array(rows * rowSamples);
  const dv = new DataView(out.buffer);
  for (let r = 0; r < rows; r++) {
    const row = b.subarray(r * rowBytes, (r + 1) * rowBytes);
    for (let i = stride; i < rowBytes; i++) row[i] = ((row[i] as number) + (row[i - stride] as number)) & 0xff;
    for (let s = 0; s < rowSamples; s++) {
      const at = (r * rowSamples + s) * 4;
      for (let k = 0; k < bytesPer; k++) dv.setUint8(at + k, row[k * rowSamples + s] as number);
      out[r * rowSamples + s] = dv.getFloat32(at, false);
    }
  }
  return out;
}

function toUint16(b: Uint8Array, need: number, little: boolean): Uint16Array {
  const out = new Uint16Array(need >> 1);
  if (little) new Uint8Array(out.buffer).set(b.subarray(0, need));
  else for (let i = 0, j = 0; i < out.length; i++, j += 2) out[i] = ((b[j] as number) << 8) | (b[j + 1] as number);
  return out;
}

function toFloat32(b: Uint8Array, need: number, little: boolean): Float32Array {
  const out = new Float32Array(need >> 2);
  const dv = new DataView(b.buffer, b.byteOffset, need);
  for (let i = 0; i < out.length; i++) out[i] = dv.getFloat32(i * 4, little);
  return out;
}

function interleave<T extends Uint8Array | Uint16Array | Float32Array>(src: T, spp: number, n: number): T {
  const out = new (src.constructor as { new (n: number): T })(n * spp);
  for (let c = 0; c < spp; c++) for (let i = 0; i < n; i++) out[i * spp + c] = src[c * n + i] as number;
  return out;
}

/**
 * Interleaved 8-bit RGB(A) or grey samples → a new RGBA raster (alpha 255 unless the source has alpha).
 *
 * @example
 * ```ts
 * const rgba = toRgba(rgbBytes, 256, 256, 3);
 * ```
 */
export function toRgba(
  src: Uint8Array,
  width: number,
  height: number,
  channels: number,
  target?: Uint8Array,
): Raster<'uint8'> {
  const n = width * height;
  if (src.length < n * channels)
    throw new WsiError('CorruptFile', `decoded ${src.length} bytes, expected ${n * channels}`);
  const data = target && target.length === n * 4 ? target : new Uint8Array(n * 4);
  if (channels === 4) {
    data.set(src.subarray(0, n * 4));
  } else {
    const u32 =
      LITTLE_ENDIAN_HOST && data.byteOffset % 4 === 0 ? new Uint32Array(data.buffer, data.byteOffset, n) : undefined;
    if (u32 && channels === 3) {
      rgbToRgba32(src, u32, n);
    } else if (u32 && channels === 1) {
      for (let j = 0; j < n; j++) u32[j] = ((src[j] as number) * 0x010101 + 0xff000000) >>> 0;
    } else {
      for (let j = 0; j < n; j++) {
        const s = j * channels;
        const d = j * 4;
        data[d] = src[s] as number;
        data[d + 1] = src[s + (channels >= 3 ? 1 : 0)] as number;
        data[d + 2] = src[s + (channels >= 3 ? 2 : 0)] as number;
        data[d + 3] = 255;
      }
    }
  }
  return { width, height, channels: 4, dtype: 'uint8', data };
}

/** RGB bytes → RGBA words (little-endian hosts); 4 pixels per step from 3 aligned source words when possible. */
function rgbToRgba32(src: Uint8Array, u32: Uint32Array, n: number): void {
  let j = 0;
  let i = 0;
  if (src.byteOffset % 4 === 0) {
    const s = new Uint32Array(src.buffer, src.byteOffset, Math.floor((n * 3) / 4));
    const m = n & ~3;
    for (let w = 0; j < m; w += 3, j += 4) {
      const w0 = s[w] as number;
      const w1 = s[w + 1] as number;
      const w2 = s[w + 2] as number;
      u32[j] = (w0 | 0xff000000) >>> 0;
      u32[j + 1] = ((w0 >>> 24) | (w1 << 8) | 0xff000000) >>> 0;
      u32[j + 2] = ((w1 >>> 16) | (w2 << 16) | 0xff000000) >>> 0;
      u32[j + 3] = ((w2 >>> 8) | 0xff000000) >>> 0;
    }
    i = j * 3;
  }
  for (; j < n; i += 3, j++)
    u32[j] = ((src[i] as number) | ((src[i + 1] as number) << 8) | ((src[i + 2] as number) << 16) | 0xff000000) >>> 0;
}

/**
 * A 1-channel uint8 raster copied from decoder-owned memory (grey stays native, as fluorescence channels are).
 *
 * @example
 * ```ts
 * const r = grey(lumaBytes, 256, 256);
 * ```
 */
export function grey(px: Uint8Array, width: number, height: number): Raster {
  const r = createRaster(width, height, 1);
  r.data.set(px.subarray(0, width * height));
  return r;
}
