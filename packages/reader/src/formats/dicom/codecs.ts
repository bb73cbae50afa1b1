/**
 * DICOM frame decoding by transfer syntax: JPEG baseline/extended and JPEG 2000 through the TIFF tile decoders
 * (which apply the JPEG colour rule), JPEG-LS through WASM CharLS, RLE Lossless (PS3.5 Annex G) here, and native
 * samples.
 */
import { createRequire } from 'node:module';
import { type Raster, throwIfAborted, WsiError } from '@wsi/core';
import { decodeTile } from '../../decode/index.js';

/**
 * What decoding one frame needs to know about its instance.
 *
 * @example
 * ```ts
 * const info: FrameInfo = { transferSyntax: '1.2.840.10008.1.2.4.50', photometric: 'RGB', width: 500, height: 500,
 *   samplesPerPixel: 3, bitsAllocated: 8, planarConfiguration: 0 };
 * ```
 */
export interface FrameInfo {
  transferSyntax: string;
  /** PhotometricInterpretation (`RGB`, `YBR_FULL_422`, `YBR_ICT`, `MONOCHROME2`…). */
  photometric: string;
  /** Columns × Rows of a frame. */
  width: number;
  height: number;
  samplesPerPixel: number;
  bitsAllocated: number;
  /** PlanarConfiguration (0 interleaved, 1 planes), for native and RLE frames. */
  planarConfiguration: number;
}

/**
 * Transfer syntax UID → short name, for the syntaxes this reader decodes.
 *
 * @example
 * ```ts
 * TRANSFER_SYNTAXES.get('1.2.840.10008.1.2.4.50'); // 'jpeg'
 * ```
 */
export const TRANSFER_SYNTAXES: ReadonlyMap<string, string> = new Map([
  ['1.2.840.10008.1.2', 'implicit-little'],
  ['1.2.840.10008.1.2.1', 'explicit-little'],
  ['1.2.840.10008.1.2.4.50', 'jpeg'],
  ['1.2.840.10008.1.2.4.51', 'jpeg'],
  ['1.2.840.10008.1.2.4.90', 'jpeg2000'],
  ['1.2.840.10008.1.2.4.91', 'jpeg2000'],
  ['1.2.840.10008.1.2.4.201', 'jpeg2000'],
  ['1.2.840.10008.1.2.4.202', 'jpeg2000'],
  ['1.2.840.10008.1.2.4.203', 'jpeg2000'],
  ['1.2.840.10008.1.2.4.80', 'jpeg-ls'],
  ['1.2.840.10008.1.2.4.81', 'jpeg-ls'],
  ['1.2.840.10008.1.2.5', 'rle'],
]);

/**
 * Checks a transfer syntax and pixel format are ones {@link decodeFrame} handles; `UnsupportedFormat` otherwise.
 *
 * @example
 * ```ts
 * checkFrameInfo(info, 'level-0.dcm'); // throws for deflate or 16-bit colour
 * ```
 */
export function checkFrameInfo(info: FrameInfo, where: string): void {
  if (!TRANSFER_SYNTAXES.has(info.transferSyntax)) {
    throw new WsiError('UnsupportedFormat', `${where}: unsupported transfer syntax ${info.transferSyntax || '(none)'}`);
  }
  if (info.bitsAllocated !== 8)
    throw new WsiError('UnsupportedFormat', `${where}: ${info.bitsAllocated}-bit samples are not supported`);
  if (info.samplesPerPixel !== 1 && info.samplesPerPixel !== 3) {
    throw new WsiError('UnsupportedFormat', `${where}: ${info.samplesPerPixel} samples per pixel are not supported`);
  }
}

/** TIFF Photometric for a DICOM PhotometricInterpretation (the JPEG colour rule takes it from there). */
function tiffPhotometric(pi: string): number {
  if (pi.startsWith('MONOCHROME')) return 1;
  if (pi.startsWith('YBR')) return 6;
  return 2;
}

/**
 * Decodes one encoded frame into RGBA uint8 (alpha 255; grey as R = G = B). Bytes that do not decode, or decode to
 * another size than the frame → `CorruptFile`.
 *
 * @example
 * ```ts
 * const rgba = await decodeFrame(await instance.readFrame(0), info);
 * ```
 */
export async function decodeFrame(bytes: Uint8Array, info: FrameInfo, signal?: AbortSignal): Promise<Raster> {
  throwIfAborted(signal);
  const kind = TRANSFER_SYNTAXES.get(info.transferSyntax);
  const base = {
    width: info.width,
    height: info.height,
    samplesPerPixel: info.samplesPerPixel,
    bitsPerSample: 8,
    planarConfig: 1,
    predictor: 1,
    photometric: tiffPhotometric(info.photometric),
  };
  switch (kind) {
    case 'jpeg':
      return gray2rgba(await decodeTile(bytes, { ...base, compression: 7 }, signal));
    case 'jpeg2000': {
      // YBR_ICT / YBR_RCT codestreams undo their own component transform; YBR_FULL ones hold Y, Cb, Cr
      const compression = info.photometric === 'YBR_FULL' || info.photometric === 'YBR_FULL_422' ? 33003 : 34712;
      return gray2rgba(await decodeTile(bytes, { ...base, compression }, signal));
    }
    case 'jpeg-ls':
      return decodeSamples(await decodeJpegLs(bytes, info), info, 0, signal);
    case 'rle':
      return decodeSamples(decodeRle(bytes, info), info, 1, signal);
    case 'implicit-little':
    case 'explicit-little':
      return decodeSamples(bytes, info, info.planarConfiguration, signal);
    default:
      throw new WsiError('UnsupportedFormat', `unsupported transfer syntax ${info.transferSyntax}`);
  }
}

async function decodeSamples(
  samples: Uint8Array,
  info: FrameInfo,
  planar: number,
  signal?: AbortSignal,
): Promise<Raster> {
  const n = info.width * info.height * info.samplesPerPixel;
  if (samples.length < n)
    throw new WsiError(
      'CorruptFile',
      `frame holds ${samples.length} bytes, ${info.width}×${info.height}×${info.samplesPerPixel} needs ${n}`,
    );
  let px = samples.subarray(0, n);
  if (info.samplesPerPixel === 3 && info.photometric === 'YBR_FULL') px = ybrFullToRgb(px, planar);
  const raster = await decodeTile(
    px,
    {
      compression: 1,
      photometric: info.samplesPerPixel === 1 ? 1 : 2,
      width: info.width,
      height: info.height,
      samplesPerPixel: info.samplesPerPixel,
      bitsPerSample: 8,
      planarConfig: planar === 1 && info.photometric !== 'YBR_FULL' ? 2 : 1,
      predictor: 1,
    },
    signal,
  );
  return gray2rgba(raster);
}

/** Grey rasters → RGBA (R = G = B), as OpenSlide shows them. */
function gray2rgba(r: Raster): Raster {
  if (r.channels === 4 || r.dtype !== 'uint8') return r;
  const n = r.width * r.height;
  const out = new Uint8Array(n * 4);
  const s = r.data as Uint8Array;
  const c = r.channels;
  for (let i = 0; i < n; i++) {
    const v = s[i * c] as number;
    out[i * 4] = v;
    out[i * 4 + 1] = c >= 3 ? (s[i * c + 1] as number) : v;
    out[i * 4 + 2] = c >= 3 ? (s[i * c + 2] as number) : v;
    out[i * 4 + 3] = 255;
  }
  return { width: r.width, height: r.height, channels: 4, dtype: 'uint8', data: out };
}

/** Full-range YCbCr samples (interleaved or planar) → interleaved RGB. */
function ybrFullToRgb(px: Uint8Array, planar: number): Uint8Array {
  const n = px.length / 3;
  const out = new Uint8Array(px.length);
  const clamp = (v: number) => (v < 0 ? 0 : v > 255 ? 255 : Math.round(v));
  for (let i = 0; i < n; i++) {
    const y = planar === 1 ? (px[i] as number) : (px[i * 3] as number);
    const cb = (planar === 1 ? (px[n + i] as number) : (px[i * 3 + 1] as number)) - 128;
    const cr = (planar === 1 ? (px[2 * n + i] as number) : (px[i * 3 + 2] as number)) - 128;
    out[i * 3] = clamp(y + 1.402 * cr);
    out[i * 3 + 1] = clamp(y - 0.344136 * cb - 0.714136 * cr);
    out[i * 3 + 2] = clamp(y + 1.772 * cb);
  }
  return out;
}

/**
 * Decodes an RLE Lossless frame (PS3.5 Annex G): a 64-byte header with up to 15 segment offsets, one PackBits
 * segment per byte plane; returns 8-bit samples as colour-by-plane (R plane, G plane, B plane) or grey.
 *
 * @example
 * ```ts
 * const planes = decodeRle(frameBytes, { ...info, samplesPerPixel: 3 }); // R…R G…G B…B
 * ```
 */
export function decodeRle(
  bytes: Uint8Array,
  info: Pick<FrameInfo, 'width' | 'height' | 'samplesPerPixel'>,
): Uint8Array {
  if (bytes.length < 64) throw new WsiError('CorruptFile', `RLE frame of ${bytes.length} bytes has no header`);
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const segments = v.getUint32(0, true);
  if (segments !== info.samplesPerPixel) {
    throw new WsiError('CorruptFile', `RLE frame has ${segments} segments, ${info.samplesPerPixel} expected`);
  }
  const plane = info.width * info.height;
  const out = new Uint8Array(plane * segments);
  for (let s = 0; s < segments; s++) {
    const start = v.getUint32(4 + s * 4, true);
    const end = s + 1 < segments ? v.getUint32(8 + s * 4, true) : bytes.length;
    if (start < 64 || end > bytes.length || end < start)
      throw new WsiError('CorruptFile', `RLE segment ${s} offsets are out of range`);
    let o = s * plane;
    const stop = o + plane;
    let i = start;
    while (i < end && o < stop) {
      const n = ((bytes[i++] as number) << 24) >> 24;
      if (n >= 0) {
        const count = Math.min(n + 1, stop - o, end - i);
        out.set(bytes.subarray(i, i + count), o);
        o += count;
        i += n + 1;
      } else if (n !== -128) {
        const count = Math.min(1 - n, stop - o);
        if (i >= end) break;
        out.fill(bytes[i++] as number, o, o + count);
        o += count;
      }
    }
    if (o !== stop)
      throw new WsiError('CorruptFile', `RLE segment ${s} decodes to ${o - s * plane} bytes, ${plane} expected`);
  }
  return out;
}

interface CharlsDecoder {
  getEncodedBuffer(length: number): Uint8Array;
  decode(): void;
  getDecodedBuffer(): Uint8Array;
  getFrameInfo(): { width: number; height: number; bitsPerSample: number; componentCount: number };
  getInterleaveMode(): number;
  delete?(): void;
}
interface CharlsModule {
  JpegLSDecoder: new () => CharlsDecoder;
}
let charls: Promise<CharlsModule> | undefined;

function loadCharls(): Promise<CharlsModule> {
  charls ??= (async () => {
    const factory = createRequire(import.meta.url)(
      '@cornerstonejs/codec-charls/decodewasmjs',
    ) as () => Promise<CharlsModule>;
    return factory();
  })();
  return charls;
}

/**
 * Decodes a JPEG-LS frame with WASM CharLS into interleaved 8-bit samples (planar streams are interleaved here).
 *
 * @example
 * ```ts
 * const rgb = await decodeJpegLs(frameBytes, info);
 * ```
 */
export async function decodeJpegLs(
  bytes: Uint8Array,
  info: Pick<FrameInfo, 'width' | 'height' | 'samplesPerPixel'>,
): Promise<Uint8Array> {
  const m = await loadCharls();
  const d = new m.JpegLSDecoder();
  try {
    d.getEncodedBuffer(bytes.length).set(bytes);
    try {
      d.decode();
    } catch (err) {
      throw new WsiError('CorruptFile', `JPEG-LS frame does not decode: ${String((err as Error)?.message ?? err)}`, {
        cause: err,
      });
    }
    const fi = d.getFrameInfo();
    if (
      fi.width !== info.width ||
      fi.height !== info.height ||
      fi.componentCount !== info.samplesPerPixel ||
      fi.bitsPerSample > 8
    ) {
      throw new WsiError(
        'CorruptFile',
        `JPEG-LS frame is ${fi.width}×${fi.height}×${fi.componentCount} (${fi.bitsPerSample}-bit), expected ${info.width}×${info.height}×${info.samplesPerPixel} 8-bit`,
      );
    }
    const px = d.getDecodedBuffer().slice();
    if (info.samplesPerPixel === 3 && d.getInterleaveMode() === 0)
      return planarToInterleaved(px, info.width * info.height);
    return px;
  } finally {
    d.delete?.();
  }
}

function planarToInterleaved(px: Uint8Array, n: number): Uint8Array {
  const out = new Uint8Array(n * 3);
  for (let i = 0; i < n; i++) {
    out[i * 3] = px[i] as number;
    out[i * 3 + 1] = px[n + i] as number;
    out[i * 3 + 2] = px[2 * n + i] as number;
  }
  return out;
}
