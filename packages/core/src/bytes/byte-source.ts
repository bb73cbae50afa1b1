/**
 * The byte-source abstraction: everything `@wsi` reads (local files, HTTP ranges, memory) goes through it,
 * and wrappers (block cache) compose around any source.
 */

/**
 * Per-call options for {@link ByteSource.read}.
 *
 * @example
 * ```ts
 * const ac = new AbortController();
 * const bytes = await source.read(0, 4096, { signal: ac.signal } satisfies ReadOptions);
 * ```
 */
export interface ReadOptions {
  /** Cancels the read; the promise rejects with `WsiError('Aborted')`. */
  signal?: AbortSignal;
}

/**
 * Random-access bytes.
 *
 * Contract: `read(offset, length)` resolves to exactly `length` bytes. A range that extends past
 * `size()` rejects with `WsiError('CorruptFile')` (a parser asked for bytes a truncated file does not
 * have) before anything is allocated; a negative or non-integer range rejects with `InvalidArgument`.
 * Reads may run concurrently.
 *
 * @example
 * ```ts
 * import { openByteSource } from '@wsi/core';
 * const src = await openByteSource('slide.svs');
 * const header = await src.read(0, 16);
 * await src.close();
 * ```
 */
export interface ByteSource {
  /** A human-readable name (path or URL without query) used in error messages. */
  readonly description: string;
  /** Total size in bytes. */
  size(): Promise<number>;
  /** Reads `length` bytes at `offset`. The returned array may be a view; do not assume it owns its buffer. */
  read(offset: number, length: number, options?: ReadOptions): Promise<Uint8Array>;
  /** Releases handles and caches. Further reads reject. */
  close(): Promise<void>;
}
