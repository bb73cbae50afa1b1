/**
 * Tile decoders of @wsi/reader: one TIFF tile or strip in, an interleaved {@link Raster} out — RGBA uint8 for
 * brightfield images (alpha 255), native channels and bit depth otherwise.
 *
 * | Compression | Decoder |
 * | --- | --- |
 * | 1 | none |
 * | 5 | LZW (predictor 2, 3) |
 * | 6, 7 | JPEG (JPEGTables merged, colour rule) — native `@napi-rs/image`, WASM libjpeg-turbo fallback |
 * | 8, 32946 | Deflate (`node:zlib`, predictor 2, 3) |
 * | 33003, 33005, 34712 | JPEG 2000 (WASM OpenJPEG) |
 * | 50000, 34926 | ZSTD (`fzstd`) |
 * | 34927, 50001 | WebP (native `@napi-rs/image`) |
 */
import { isWsiError, type Raster, Registry, throwIfAborted, WsiError } from '@wsi/core';
import { jpegDecoder } from './jpeg.js';
import { jpeg2000Decoder } from './jpeg2000.js';
import { deflateDecoder, lzwDecoder, uncompressedDecoder, zstdDecoder } from './lossless.js';
import type { TileDecodeInfo, TileDecoder } from './types.js';
import { webpDecoder } from './webp.js';

export {
  canDecodeJpegWindows,
  type DecodedWindow,
  decodeJpegWindow,
  type JpegBackend,
  jpegBackend,
  prepareJpegTile,
  setJpegBackend,
} from './jpeg.js';
export {
  adobeMarker,
  completeJpegStream,
  type JpegHeader,
  jpegTransformToInsert,
  readJpegHeader,
} from './jpeg-markers.js';
export { readJ2kSize, ycbcrToRgbInPlace } from './jpeg2000.js';
export { decodeLzw } from './lzw.js';
export type { TileDecodeInfo, TileDecoder } from './types.js';
export { type WasmCodec, type WasmDecoded, WasmDecodePool, wasmDecodePool } from './wasm-pool.js';

/** Largest tile or strip we decode: 2^28 pixels (a caller's validation should be far stricter). */
const MAX_TILE_PIXELS = 2 ** 28;

const oldJpegDecoder: TileDecoder = {
  decode(bytes, info, signal) {
    if (bytes.length < 2 || bytes[0] !== 0xff || bytes[1] !== 0xd8) {
      return Promise.reject(
        new WsiError('UnsupportedFormat', 'old-style JPEG (Compression 6) without a JPEG stream per tile'),
      );
    }
    return jpegDecoder.decode(bytes, info, signal);
  },
};

/**
 * Decoders keyed by TIFF Compression tag. Register another to add a codec, or replace one.
 *
 * @example
 * ```ts
 * import { tileDecoders } from '@wsi/reader';
 * tileDecoders.register(34892, myLossyDngDecoder);
 * console.log(tileDecoders.keys()); // [1, 5, 6, 7, 8, …]
 * ```
 */
export const tileDecoders: Registry<number, TileDecoder> = new Registry<number, TileDecoder>('TIFF compression')
  .register(1, uncompressedDecoder)
  .register(5, lzwDecoder)
  .register(6, oldJpegDecoder)
  .register(7, jpegDecoder)
  .register(8, deflateDecoder)
  .register(32946, deflateDecoder)
  .register(33003, jpeg2000Decoder)
  .register(33005, jpeg2000Decoder)
  .register(34712, jpeg2000Decoder)
  .register(50000, zstdDecoder)
  .register(34926, zstdDecoder)
  .register(34927, webpDecoder)
  .register(50001, webpDecoder);

/**
 * Decodes one TIFF tile or strip into interleaved pixels: RGBA uint8 for brightfield (alpha 255), native
 * channels/bit depth otherwise. Unknown compression → `UnsupportedFormat`; bytes that do not decode, or decode to
 * another size than `info` says → `CorruptFile`; a fired signal → `Aborted`. `into` (optional) is a buffer of the
 * decoded size the JPEG decoder writes RGBA into and returns as `data` (check `raster.data === into`); other
 * decoders allocate.
 *
 * @example
 * ```ts
 * import { decodeTile } from '@wsi/reader';
 * const raster = await decodeTile(tileBytes, {
 *   compression: 7, photometric: 2, width: 240, height: 240, samplesPerPixel: 3,
 *   bitsPerSample: 8, planarConfig: 1, predictor: 1, jpegTables,
 * });
 * raster.data; // Uint8Array of 240 × 240 × 4
 * ```
 */
export async function decodeTile(
  bytes: Uint8Array,
  info: TileDecodeInfo,
  signal?: AbortSignal,
  into?: Uint8Array,
): Promise<Raster> {
  throwIfAborted(signal);
  const { width, height } = info;
  if (
    !Number.isInteger(width) ||
    !Number.isInteger(height) ||
    width < 1 ||
    height < 1 ||
    width * height > MAX_TILE_PIXELS
  ) {
    throw new WsiError('InvalidArgument', `tile size ${width}×${height} is not a valid tile size`);
  }
  const decoder = tileDecoders.require(info.compression);
  try {
    return await decoder.decode(bytes, info, signal, into);
  } catch (err) {
    if (isWsiError(err)) throw err;
    throwIfAborted(signal);
    throw new WsiError(
      'CorruptFile',
      `tile (compression ${info.compression}) does not decode: ${(err as Error)?.message ?? err}`,
      {
        cause: err,
      },
    );
  }
}
