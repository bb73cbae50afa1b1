/**
 * WebP tiles (Compression 50001, and 34927 as some writers use it) through the native `@napi-rs/image` binding.
 */
import { type Raster, throwIfAborted, WsiError } from '@wsi/core';
import { toRgba } from './samples.js';
import type { TileDecoder } from './types.js';

/**
 * The WebP tile decoder; throws `UnsupportedFormat` where the native binding is unavailable.
 *
 * @example
 * ```ts
 * const rgba = await webpDecoder.decode(tileBytes, { ...info, compression: 50001 });
 * ```
 */
export const webpDecoder: TileDecoder = {
  async decode(bytes, info, signal): Promise<Raster> {
    throwIfAborted(signal);
    if (bytes.length < 12 || String.fromCharCode(...bytes.subarray(8, 12)) !== 'WEBP') {
      throw new WsiError('CorruptFile', 'WebP tile does not start with a RIFF/WEBP header');
    }
    let mod: typeof import('@napi-rs/image');
    try {
      mod = await import('@napi-rs/image');
    } catch (err) {
      throw new WsiError('UnsupportedFormat', 'WebP tiles need the native @napi-rs/image binding, which did not load', {
        cause: err,
      });
    }
    const t = new mod.Transformer(bytes);
    let meta: { width: number; height: number };
    try {
      meta = await t.metadata(false, signal);
    } catch (err) {
      throwIfAborted(signal);
      throw new WsiError('CorruptFile', `WebP tile does not parse: ${(err as Error).message}`, { cause: err });
    }
    if (meta.width !== info.width || meta.height !== info.height) {
      throw new WsiError(
        'CorruptFile',
        `WebP tile is ${meta.width}×${meta.height}, expected ${info.width}×${info.height}`,
      );
    }
    let px: Uint8Array;
    try {
      px = await t.rawPixels(signal);
    } catch (err) {
      throwIfAborted(signal);
      throw new WsiError('CorruptFile', `WebP tile does not decode: ${(err as Error).message}`, { cause: err });
    }
    const ch = px.length / (info.width * info.height);
    if (ch !== 3 && ch !== 4) throw new WsiError('CorruptFile', `WebP tile decoded to ${px.length} bytes`);
    return toRgba(px, info.width, info.height, ch);
  },
};
