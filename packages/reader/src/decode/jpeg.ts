/**
 * JPEG (Compression 7, and 6 when its tiles are self-contained streams): JPEGTables merged, the colour space pinned
 * by the colour rule, then decoded by native libjpeg-turbo through FFI on libuv's threadpool (bit-exact with libjpeg,
 * so with OpenSlide; see docs/performance.md), straight into the caller's RGBA buffer; by `@napi-rs/image` where that
 * library cannot load; by WASM libjpeg-turbo when neither native engine loads.
 */
import { type Raster, throwIfAborted, WsiError } from '@wsi/core';
import { completeJpegStream, jpegTransformToInsert, readJpegHeader } from './jpeg-markers.js';
import { type LibjpegTurbo, loadLibjpegTurbo } from './libjpeg-turbo.js';
import { grey, toRgba } from './samples.js';
import type { TileDecodeInfo, TileDecoder } from './types.js';
import { wasmDecodePool } from './wasm-pool.js';

/**
 * Which JPEG engine decodes: `turbo` (native libjpeg-turbo through FFI — the default where its library loads;
 * bit-exact with libjpeg/OpenSlide), `native` (`@napi-rs/image`, zune-jpeg, prebuilt binaries for every platform;
 * ±4 on chroma-subsampled tiles) or `wasm` (libjpeg-turbo compiled to WASM in a worker pool, bit-exact, slower).
 *
 * @example
 * ```ts
 * const b: JpegBackend = 'wasm';
 * setJpegBackend(b);
 * ```
 */
export type JpegBackend = 'turbo' | 'native' | 'wasm';

type NativeModule = typeof import('@napi-rs/image');
const envBackend = process.env.WSI_JPEG_BACKEND;
let backend: JpegBackend | undefined =
  envBackend === 'wasm' || envBackend === 'native' || envBackend === 'turbo' ? envBackend : undefined;
let native: Promise<NativeModule | undefined> | undefined;
// The decoder library loads with the module, as OpenSlide's libjpeg loads with the library that links it: the
// first tile read then costs a decode, not also a 30–100 ms FFI start-up (koffi's addon + dlopen).
if (backend !== 'native' && backend !== 'wasm') loadLibjpegTurbo();

/**
 * Chooses the JPEG engine for every later decode (default: `turbo` when libjpeg-turbo loads, else `native`, else
 * `wasm`; the environment variable `WSI_JPEG_BACKEND=turbo|native|wasm` chooses at start-up). A chosen engine that
 * cannot load falls back along the same order.
 *
 * @example
 * ```ts
 * setJpegBackend('wasm'); // bit-exact too, no native code, slower
 * ```
 */
export function setJpegBackend(b: JpegBackend): void {
  backend = b;
}

/**
 * The engine that decodes JPEG now.
 *
 * @example
 * ```ts
 * console.log(await jpegBackend()); // 'turbo' on Linux
 * ```
 */
export async function jpegBackend(): Promise<JpegBackend> {
  if (backend === 'wasm') return 'wasm';
  if (backend !== 'native' && loadLibjpegTurbo()) return 'turbo';
  return (await loadNative()) ? 'native' : 'wasm';
}

function loadNative(): Promise<NativeModule | undefined> {
  native ??= import('@napi-rs/image').then(
    (m) => m as NativeModule,
    () => undefined,
  );
  return native;
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
    throw new WsiError(
      'CorruptFile',
      `JPEG tile is ${header.width}×${header.height}, expected ${info.width}×${info.height}`,
      {
        details: { jpeg: [header.width, header.height], expected: [info.width, info.height] },
      },
    );
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

async function decodeJpeg(
  bytes: Uint8Array,
  info: TileDecodeInfo,
  signal?: AbortSignal,
  into?: Uint8Array,
): Promise<Raster> {
  throwIfAborted(signal);
  const { stream, components } = prepareJpegTile(bytes, info);
  const n = info.width * info.height;
  const tj = backend === 'wasm' || backend === 'native' ? null : loadLibjpegTurbo();
  if (tj) return decodeTurbo(tj, stream, components, info, signal, into);
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
    const d = await wasmDecodePool().decode('jpeg', stream, info.width, info.height, signal);
    if (d.channels === 1) return { width: d.width, height: d.height, channels: 1, dtype: 'uint8', data: d.data };
    return { width: d.width, height: d.height, channels: 4, dtype: 'uint8', data: d.data };
  }
  throwIfAborted(signal);
  const channels = px.length / n;
  if (channels !== 1 && channels !== 3 && channels !== 4) {
    throw new WsiError('CorruptFile', `JPEG tile decoded to ${px.length} bytes for ${info.width}×${info.height}`);
  }
  if (channels === 1) return grey(px, info.width, info.height);
  return toRgba(px, info.width, info.height, channels, into);
}

/**
 * libjpeg-turbo on the threadpool: RGBA (or grey) written straight into `into` when it is exactly the tile's size,
 * else into a new buffer of that size. The frame size was checked by {@link prepareJpegTile}, so the output size is
 * known before decoding and nothing the stream claims is allocated.
 */
async function decodeTurbo(
  tj: LibjpegTurbo,
  stream: Uint8Array,
  components: number,
  info: TileDecodeInfo,
  signal: AbortSignal | undefined,
  into: Uint8Array | undefined,
): Promise<Raster> {
  const channels = components === 1 ? 1 : 4;
  const size = info.width * info.height * channels;
  const data = into && into.byteLength === size ? into : new Uint8Array(size);
  const err = await tj.decode(stream, info.width, channels, data);
  throwIfAborted(signal);
  if (err !== null) throw new WsiError('CorruptFile', `JPEG tile does not decode: ${err}`);
  return { width: info.width, height: info.height, channels, dtype: 'uint8', data };
}

/**
 * A decoded part of a JPEG image: `data` covers `width`×`height` pixels whose top-left is (`x`, `y`) in the image.
 *
 * @example
 * ```ts
 * const w = await decodeJpegWindow(bytes, info, { x: 100, y: 60, width: 50, height: 40 }, (n) => new Uint8Array(n));
 * if (w) console.log(w.x, w.y, w.width, w.height); // a window containing the one asked for
 * ```
 */
export interface DecodedWindow extends Raster<'uint8'> {
  x: number;
  y: number;
}

/**
 * Decodes only the part of a JPEG image that covers `want` (image pixels) with libjpeg-turbo's cropped decoding —
 * the entropy data after the window's last row is never decoded and only the window's blocks go through the IDCT —
 * as RGBA (or grey), into a buffer from `acquire`. The window returned contains `want` (plus a margin, its left
 * edge on an iMCU boundary) and its pixels inside `want` equal the whole-image decode's exactly. Undefined when the
 * JPEG engine is not libjpeg-turbo or the stream cannot be cropped: decode it whole then.
 *
 * @example
 * ```ts
 * const part = await decodeJpegWindow(jpeg, info, { x: 0, y: 200, width: 256, height: 56 }, (n) => pool.acquire(n));
 * ```
 */
export async function decodeJpegWindow(
  bytes: Uint8Array,
  info: TileDecodeInfo,
  want: { x: number; y: number; width: number; height: number },
  acquire: (bytes: number) => Uint8Array,
  signal?: AbortSignal,
): Promise<DecodedWindow | undefined> {
  throwIfAborted(signal);
  const tj = backend === 'wasm' || backend === 'native' ? null : loadLibjpegTurbo();
  if (!tj) return undefined;
  const { stream, components } = prepareJpegTile(bytes, info);
  const channels = components === 1 ? 1 : 4;
  const r = await tj.decodeWindow(stream, info, channels, want, acquire);
  throwIfAborted(signal);
  if (r === null) return undefined;
  if (typeof r === 'string') throw new WsiError('CorruptFile', `JPEG image does not decode: ${r}`);
  return { ...r, channels, dtype: 'uint8' };
}

/**
 * True when {@link decodeJpegWindow} can crop (the engine is libjpeg-turbo and it loaded): callers with a cheaper
 * plan for whole decodes ask before reading anything.
 *
 * @example
 * ```ts
 * if (canDecodeJpegWindows()) await decodeJpegWindow(jpeg, info, want, (n) => new Uint8Array(n));
 * ```
 */
export function canDecodeJpegWindows(): boolean {
  return backend !== 'wasm' && backend !== 'native' && loadLibjpegTurbo() !== null;
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
