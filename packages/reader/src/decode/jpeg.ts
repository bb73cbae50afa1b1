/**
 * JPEG (Compression 7, and 6 when its tiles are self-contained streams): JPEGTables merged, the colour space pinned
 * by the colour rule, decoded by the native `@napi-rs/image` binding on libuv's threadpool (see docs/performance.md),
 * RGBA written into the caller's buffer when one is given; by WASM libjpeg-turbo when the binding cannot load; or,
 * opt-in, by native libjpeg-turbo (`@julusian/jpeg-turbo`) straight into RGBA.
 */
import { createRequire } from 'node:module';
import { type Raster, throwIfAborted, WsiError } from '@wsi/core';
import { completeJpegStream, jpegTransformToInsert, readJpegHeader } from './jpeg-markers.js';
import { grey, toRgba } from './samples.js';
import type { TileDecodeInfo, TileDecoder } from './types.js';
import { wasmDecodePool } from './wasm-pool.js';

/**
 * Which JPEG engine decodes: `native` (`@napi-rs/image`, zune-jpeg, prebuilt binaries; the default), `wasm`
 * (libjpeg-turbo in a worker pool, bit-exact with libjpeg) or `turbo` (native libjpeg-turbo through
 * `@julusian/jpeg-turbo`, prebuilt binaries, the fastest, but with the fast integer IDCT that binding hard-codes:
 * mean difference ≈ 0.9 from libjpeg's default decode on Q80 4:2:0 tiles — opt-in where ±1 does not matter).
 *
 * @example
 * ```ts
 * const b: JpegBackend = 'wasm';
 * setJpegBackend(b);
 * ```
 */
export type JpegBackend = 'turbo' | 'native' | 'wasm';

type NativeModule = typeof import('@napi-rs/image');
type TurboModule = typeof import('@julusian/jpeg-turbo');
const envBackend = process.env.WSI_JPEG_BACKEND;
let backend: JpegBackend | undefined =
  envBackend === 'wasm' || envBackend === 'native' || envBackend === 'turbo' ? envBackend : undefined;
let native: Promise<NativeModule | undefined> | undefined;
let turbo: TurboModule | null | undefined;

/** The libjpeg-turbo binding, loaded once (CommonJS, synchronous); null when it cannot load on this platform. */
function loadTurbo(): TurboModule | null {
  if (turbo === undefined) {
    try {
      turbo = createRequire(import.meta.url)('@julusian/jpeg-turbo') as TurboModule;
    } catch {
      turbo = null;
    }
  }
  return turbo;
}

/**
 * Chooses the JPEG engine for every later decode (default: `native` when it loads, else `wasm`; `turbo` only when
 * chosen — fastest, but its binding pins libjpeg's fast integer IDCT, so pixels differ from OpenSlide's by ≈ 1 on
 * average; the environment variable `WSI_JPEG_BACKEND=turbo|native|wasm` chooses at start-up).
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
 * The engine that decodes JPEG now (`native` unless another was chosen or it failed to load).
 *
 * @example
 * ```ts
 * console.log(await jpegBackend()); // 'native'
 * ```
 */
export async function jpegBackend(): Promise<JpegBackend> {
  if (backend === 'wasm') return 'wasm';
  if (backend === 'turbo' && loadTurbo()) return 'turbo';
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
  const tj = backend === 'turbo' ? loadTurbo() : null;
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
 * else into a buffer the binding allocates. The frame size was checked by {@link prepareJpegTile}.
 */
async function decodeTurbo(
  tj: TurboModule,
  stream: Uint8Array,
  components: number,
  info: TileDecodeInfo,
  signal: AbortSignal | undefined,
  into: Uint8Array | undefined,
): Promise<Raster> {
  const channels = components === 1 ? 1 : 4;
  const size = info.width * info.height * channels;
  const format = channels === 1 ? tj.FORMAT_GRAY : tj.FORMAT_RGBA;
  const src = Buffer.from(stream.buffer, stream.byteOffset, stream.byteLength);
  let data: Uint8Array;
  try {
    if (into && into.byteLength === size) {
      await tj.decompress(src, Buffer.from(into.buffer, into.byteOffset, size), { format });
      data = into;
    } else {
      const r = await tj.decompress(src, { format });
      data = new Uint8Array(r.data.buffer, r.data.byteOffset, r.data.byteLength);
    }
  } catch (err) {
    throwIfAborted(signal);
    throw new WsiError('CorruptFile', `JPEG tile does not decode: ${(err as Error).message}`, { cause: err });
  }
  throwIfAborted(signal);
  if (data.byteLength !== size) {
    throw new WsiError('CorruptFile', `JPEG tile decoded to ${data.byteLength} bytes for ${info.width}×${info.height}`);
  }
  return { width: info.width, height: info.height, channels, dtype: 'uint8', data };
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
