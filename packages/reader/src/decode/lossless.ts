/**
 * Lossless TIFF compressions: none (1), LZW (5), Deflate (8, 32946), ZSTD (50000), each followed by the predictor
 * and sample layout handling of {@link samplesToRaster}. Output buffers are sized from the caller's validated tile
 * dimensions, never from the stream.
 */
import { promisify } from 'node:util';
import { inflate as inflateCb } from 'node:zlib';
import { type Raster, throwIfAborted, WsiError } from '@wsi/core';
import { zstdDecompress } from '../lazy-modules.js';
import { decodeLzw } from './lzw.js';
import { expectedByteLength, samplesToRaster } from './samples.js';
import type { TileDecoder } from './types.js';

const inflate = promisify(inflateCb);

function short(kind: string, got: number, need: number): WsiError {
  return new WsiError('CorruptFile', `${kind} tile decodes to ${got} bytes, expected ${need}`, {
    details: { got, expected: need },
  });
}

/**
 * Compression 1: the bytes are the samples.
 *
 * @example
 * ```ts
 * const r = await uncompressedDecoder.decode(bytes, { ...info, compression: 1 });
 * ```
 */
export const uncompressedDecoder: TileDecoder = {
  async decode(bytes, info, signal) {
    throwIfAborted(signal);
    const need = expectedByteLength(info);
    if (bytes.length < need) throw short('uncompressed', bytes.length, need);
    return samplesToRaster(bytes.slice(0, need), info);
  },
};

/**
 * Compression 5: TIFF LZW.
 *
 * @example
 * ```ts
 * const r = await lzwDecoder.decode(bytes, { ...info, compression: 5, predictor: 2 });
 * ```
 */
export const lzwDecoder: TileDecoder = {
  async decode(bytes, info, signal) {
    throwIfAborted(signal);
    const need = expectedByteLength(info);
    const out = new Uint8Array(need);
    const n = decodeLzw(bytes, out);
    if (n < need) throw short('LZW', n, need);
    return samplesToRaster(out, info);
  },
};

/**
 * Compression 8 and 32946: zlib Deflate, inflated on libuv's threadpool with the output capped at the tile size.
 *
 * @example
 * ```ts
 * const r = await deflateDecoder.decode(bytes, { ...info, compression: 8 });
 * ```
 */
export const deflateDecoder: TileDecoder = {
  async decode(bytes, info, signal): Promise<Raster> {
    throwIfAborted(signal);
    const need = expectedByteLength(info);
    let out: Buffer;
    try {
      out = await inflate(bytes, { maxOutputLength: Math.max(need, 1) });
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (code === 'ERR_BUFFER_TOO_LARGE') {
        throw new WsiError('CorruptFile', `Deflate tile inflates to more than the ${need} bytes of its tile`, {
          cause: err,
        });
      }
      throw new WsiError('CorruptFile', `Deflate tile does not inflate: ${(err as Error).message}`, { cause: err });
    }
    throwIfAborted(signal);
    if (out.length < need) throw short('Deflate', out.length, need);
    return samplesToRaster(new Uint8Array(out.buffer, out.byteOffset, need), info);
  },
};

/**
 * Compression 50000: Zstandard (pure-JS `fzstd`, into a buffer sized by the tile).
 *
 * @example
 * ```ts
 * const r = await zstdDecoder.decode(bytes, { ...info, compression: 50000 });
 * ```
 */
export const zstdDecoder: TileDecoder = {
  async decode(bytes, info, signal) {
    throwIfAborted(signal);
    const need = expectedByteLength(info);
    const out = new Uint8Array(need);
    const decompress = zstdDecompress();
    let got: Uint8Array;
    try {
      got = decompress(bytes, out);
    } catch (err) {
      throw new WsiError('CorruptFile', `ZSTD tile does not decompress: ${(err as Error).message}`, { cause: err });
    }
    if (got.length < need) throw short('ZSTD', got.length, need);
    return samplesToRaster(got.buffer === out.buffer ? out : got.slice(0, need), info);
  },
};
