import type { ByteSource, ReadOptions } from './byte-source.js';
import { abortedError, checkRange, closedError } from './range.js';

/**
 * Bytes already in memory, as a {@link ByteSource}. Reads return views into the array (no copy), so do not
 * modify what you read if the bytes are shared.
 *
 * @example
 * ```ts
 * import { MemorySource } from '@wsi/core';
 * const src = new MemorySource(new Uint8Array([0x49, 0x49, 42, 0]), 'tiny.tif');
 * await src.read(2, 2); // Uint8Array [42, 0]
 * ```
 */
export class MemorySource implements ByteSource {
  readonly #bytes: Uint8Array;
  #closed = false;

  /**
   * @param bytes The content (kept by reference).
   * @param description A name for error messages.
   */
  constructor(
    bytes: Uint8Array,
    readonly description = 'memory',
  ) {
    this.#bytes = bytes;
  }

  /** The length of the array. */
  async size(): Promise<number> {
    return this.#bytes.length;
  }

  /** A view of `length` bytes at `offset`. */
  async read(offset: number, length: number, options: ReadOptions = {}): Promise<Uint8Array> {
    if (options.signal?.aborted) throw abortedError(options.signal, this.description);
    if (this.#closed) throw closedError(this.description);
    checkRange(this.description, offset, length, this.#bytes.length);
    return this.#bytes.subarray(offset, offset + length);
  }

  /** Marks the source closed; further reads reject with `InvalidArgument`. */
  async close(): Promise<void> {
    this.#closed = true;
  }
}
