/**
 * JPEG (Compression 7, and 6 when its tiles are self-contained streams): JPEGTables merged, the colour space pinned
 * by the colour rule, decoded by the native `@napi-rs/image` binding on libuv's threadpool (measured fastest here,
 * see docs/performance.md) or by WASM libjpeg-turbo when the native binding cannot load.
 */
import { type Raster, WsiError, throwIfAborted } from '@wsi/core';
import { completeJpegStream, jpegTransformToInsert, readJpegHeader } from './jpeg-markers.js';
import { toRgba } from './samples.js';
import type { TileDecodeInfo, TileDecoder } from './types.js';

/** Which JPEG engine decodes: `native` (@napi-rs/image, prebuilt binaries) or `wasm` (libjpeg-turbo, bit-exact with libjpeg). */
export type JpegBackend = 'native' | 'wasm';

type NativeModule = typeof import('@napi-rs/image');
interface WasmJpegDecoder {
  getEncodedBuffer(n: number): Uint8Array;
  decode(): void;
  getFrameInfo(): { width: number; height: number; componentCount: number; bitsPerSample: number };
  getDecodedBuffer(): Uint8Array;
}

let backend: JpegBackend | undefined = process.env.WSI_JPEG_BACKEND === 'wasm' ? 'wasm' : undefined;
let native: Promise<NativeModule | undefined> | undefined;
let wasm: Promise<WasmJpegDecoder> | undefined;

/**
 * Chooses the JPEG engine for every later decode (default: native when it loads, else WASM; the environment
 * variable `WSI_JPEG_BACKEND=wasm` chooses WASM at start-up).
 *
 * @example
 * ```ts
 * setJpegBackend('wasm'); // bit-exact with libjpeg-turbo, slower
 * ```
 */
export function setJpegBackend(b: JpegBackend): void {
  backend = b;
}

/**
 * The engine that decodes JPEG now (`native` unless it failed to load or WASM was chosen).
 *
 * @example
 * ```ts
 * console.log(await jpegBackend()); // 'native'
 * ```
 */
export async function jpegBackend(): Promise<JpegBackend> {
  if (backend === 'wasm') return 'wasm';
  return (await loadNative()) ? 'native' : 'wasm';
}

function loadNative(): Promise<NativeModule | undefined> {
  native ??= import('@napi-rs/image').then(
    (m) => m as NativeModule,
    () => undefined,
  );
  return native;
}

function loadWasm(): Promise<WasmJpegDecoder> {
  wasm ??= (async () => {
    const { createRequire } = await import('node:module');
    const require = createRequire(import.meta.url);
    const factory = require('@cornerstonejs/codec-libjpeg-turbo-8bit/decodewasmjs') as () => Promise<{ JPEGDecoder: new () => WasmJpegDecoder }>;
    const codec = await factory();
    return new codec.JPEGDecoder();
  })();
  return wasm;
}

/**
 * Makes the complete, colour-pinned JPEG stream for a TIFF tile and checks its frame against `info`
 * (same size, 8-bit, 1 or 3 components). Throws `CorruptFile` or `UnsupportedFormat`.
 *
 * @example
 * ```ts
 * const { stream } = prepareJpegTile(tileBytes, info); // decode `stream` with any standards-following decoder
 * ```
 */
export function prepareJpegTile(bytes: Uint8Array, info: TileDecodeInfo): { stream: Uint8Array; components: number } {
  const header = readJpegHeader(bytes, info.jpegTables);
  if (header.width !== info.width || header.height !== info.height) {
    throw new WsiError('CorruptFile', `JPEG tile is ${header.width}×${header.height}, expected ${info.width}×${info.height}`, {
      details: { jpeg: [header.width, header.height], expected: [info.width, info.height] },
    });
  }
  if (header.precision !== 8) throw new WsiError('UnsupportedFormat', `${header.precision}-bit JPEG is not supported`);
  if (header.sof === 0xc3 || header.sof > 0xc2) {
    throw new WsiError('UnsupportedFormat', `JPEG process SOF${header.sof - 0xc0} is not supported`);
  }
  if (header.components !== 1 && header.components !== 3) {
    throw new WsiError('UnsupportedFormat', `JPEG with ${header.components} components is not supported`);
  }
  const stream = completeJpegStream(bytes, info.jpegTables, jpegTransformToInsert(header, info.photometric));
  return { stream, components: header.components };
}

async function decodeJpeg(bytes: Uint8Array, info: TileDecodeInfo, signal?: AbortSignal): Promise<Raster> {
  throwIfAborted(signal);
  const { stream } = prepareJpegTile(bytes, info);
  const n = info.width * info.height;
  const mod = backend === 'wasm' ? undefined : await loadNative();
  let px: Uint8Array;
  if (mod) {
    try {
      px = await new mod.Transformer(stream).rawPixels(signal);
    } catch (err) {
      throwIfAborted(signal);
      throw new WsiError('CorruptFile', `JPEG tile does not decode: ${(err as Error).message}`, { cause: err });
    }
  } else {
    const dec = await loadWasm();
    throwIfAborted(signal);
    try {
      dec.getEncodedBuffer(stream.length).set(stream);
      dec.decode();
    } catch (err) {
      throw new WsiError('CorruptFile', `JPEG tile does not decode: ${String((err as Error)?.message ?? err)}`, { cause: err });
    }
    const fi = dec.getFrameInfo();
    if (fi.width !== info.width || fi.height !== info.height) throw new WsiError('CorruptFile', 'JPEG decoded to an unexpected size');
    const out = dec.getDecodedBuffer();
    px = new Uint8Array(out.buffer, out.byteOffset, out.length);
  }
  throwIfAborted(signal);
  const channels = px.length / n;
  if (channels !== 1 && channels !== 3 && channels !== 4) {
    throw new WsiError('CorruptFile', `JPEG tile decoded to ${px.length} bytes for ${info.width}×${info.height}`);
  }
  return toRgba(px, info.width, info.height, channels);
}

/**
 * The JPEG tile decoder (Compression 7; also 6 for tiles that are complete JPEG streams).
 *
 * @example
 * ```ts
 * const rgba = await jpegDecoder.decode(tileBytes, { ...info, jpegTables });
 * ```
 */
export const jpegDecoder: TileDecoder = { decode: decodeJpeg };
