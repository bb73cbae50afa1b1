import { fileURLToPath } from 'node:url';
import { WsiError } from '../errors.js';
import { BlockCache, type BlockCacheOptions } from './block-cache.js';
import type { ByteSource } from './byte-source.js';
import { FileSource } from './file-source.js';
import { HttpSource, type HttpSourceOptions } from './http-source.js';
import { MemorySource } from './memory-source.js';

/**
 * Block size of the cache {@link openByteSource} puts in front of HTTP sources (256 KiB).
 *
 * @example
 * ```ts
 * new BlockCache(await openHttpSource(url), { blockSize: HTTP_BLOCK_SIZE });
 * ```
 */
export const HTTP_BLOCK_SIZE = 256 * 1024;

/**
 * Options of {@link openByteSource}: the HTTP options (used for URLs) plus caching.
 *
 * @example
 * ```ts
 * await openByteSource(url, { headers: { cookie }, cache: { maxBytes: 256 << 20 } });
 * ```
 */
export interface OpenByteSourceOptions extends HttpSourceOptions {
  /** HTTP options, merged over the top-level ones (handy when forwarding a config object). */
  http?: HttpSourceOptions;
  /**
   * Block cache: `true` or options to wrap any source in a {@link BlockCache}; `false` for none.
   * Default: a cache of {@link HTTP_BLOCK_SIZE} blocks for URLs, none for files, memory and given sources.
   */
  cache?: boolean | BlockCacheOptions;
}

/**
 * Opens whatever a user points at as a {@link ByteSource}:
 * - an `http(s)://` URL → an {@link HttpSource} behind a {@link BlockCache} of 256 KiB blocks;
 * - a `file:` URL or a path → a {@link FileSource} (uncached unless `options.cache`);
 * - a `Uint8Array` → a {@link MemorySource};
 * - a ByteSource → itself (wrapped only when `options.cache` is set).
 *
 * @example
 * ```ts
 * import { openByteSource } from '@wsi/core';
 * const local = await openByteSource('/slides/CMU-1.svs');
 * const remote = await openByteSource('https://bucket/CMU-1.svs?X-Amz-Signature=…', { retries: 5 });
 * const cached = await openByteSource(local, { cache: { blockSize: 65536 } });
 * ```
 */
export async function openByteSource(
  input: string | URL | ByteSource | Uint8Array,
  options: OpenByteSourceOptions = {},
): Promise<ByteSource> {
  const { http, cache, ...top } = options;
  const cacheOptions = typeof cache === 'object' ? cache : {};
  const wrap = (src: ByteSource, byDefault: boolean, defaults: BlockCacheOptions = {}): ByteSource =>
    cache === true || typeof cache === 'object' || (cache === undefined && byDefault)
      ? new BlockCache(src, { ...defaults, ...cacheOptions })
      : src;

  if (input instanceof Uint8Array) return wrap(new MemorySource(input), false);
  if (typeof input === 'string' || input instanceof URL) {
    const text = String(input);
    if (/^https?:\/\//i.test(text)) {
      const src = await HttpSource.open(text, { ...top, ...http });
      return wrap(src, true, { blockSize: HTTP_BLOCK_SIZE });
    }
    if (input instanceof URL && !/^file:/i.test(text)) {
      throw new WsiError('InvalidArgument', `unsupported URL scheme ${input.protocol} (use a path, file: or http(s):)`);
    }
    let path = text;
    if (/^file:/i.test(text)) {
      try {
        path = fileURLToPath(text);
      } catch (err) {
        throw new WsiError('InvalidArgument', `not a usable file URL: ${text}`, { cause: err });
      }
    }
    if (path === '') throw new WsiError('InvalidArgument', 'empty path');
    return wrap(await FileSource.open(path), false);
  }
  if (isByteSource(input)) return wrap(input, false);
  throw new WsiError('InvalidArgument', 'openByteSource needs a path, URL, Uint8Array or ByteSource');
}

function isByteSource(v: unknown): v is ByteSource {
  const o = v as Partial<ByteSource> | null;
  return (
    typeof o === 'object' &&
    o !== null &&
    typeof o.read === 'function' &&
    typeof o.size === 'function' &&
    typeof o.close === 'function'
  );
}
