import { type FileHandle, open } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { raceAbort } from '../abort.js';
import { toWsiError, WsiError } from '../errors.js';
import type { ByteSource, ReadOptions } from './byte-source.js';
import { abortedError, checkRange, closedError } from './range.js';

/** Largest single positional read handed to the OS (Node caps one read at 2 GiB − 1). */
const MAX_CHUNK = 1 << 30;

/**
 * A local file read with positional reads on one `fs.promises` FileHandle. Concurrent reads are safe (no shared
 * file position); the size is taken once, at open.
 *
 * @example
 * ```ts
 * import { FileSource } from '@wsi/core';
 * const src = await FileSource.open('/slides/CMU-1.svs');
 * const magic = await src.read(0, 4);
 * await src.close();
 * ```
 */
export class FileSource implements ByteSource {
  readonly description: string;
  readonly #handle: FileHandle;
  readonly #size: number;
  #closed = false;

  private constructor(handle: FileHandle, size: number, description: string) {
    this.#handle = handle;
    this.#size = size;
    this.description = description;
  }

  /**
   * Opens `path` for reading. A missing file rejects with `NotFound`, a directory with `InvalidArgument`,
   * anything else the OS refuses with `Io`.
   *
   * @example
   * ```ts
   * const src = await FileSource.open(new URL('file:///slides/a.svs'));
   * ```
   */
  static async open(path: string | URL): Promise<FileSource> {
    const p = typeof path === 'string' ? path : fileURLToPath(path);
    let handle: FileHandle;
    try {
      handle = await open(p, 'r');
    } catch (err) {
      throw toWsiError(err, `cannot open ${p}`);
    }
    try {
      const st = await handle.stat();
      if (st.isDirectory()) {
        throw new WsiError('InvalidArgument', `${p} is a directory, not a file`, { details: { path: p } });
      }
      return new FileSource(handle, st.size, p);
    } catch (err) {
      await handle.close().catch(() => {});
      throw toWsiError(err, `cannot open ${p}`);
    }
  }

  /** The file size in bytes, as it was at open. */
  async size(): Promise<number> {
    return this.#size;
  }

  /** Reads exactly `length` bytes at `offset` into a new buffer. */
  async read(offset: number, length: number, options: ReadOptions = {}): Promise<Uint8Array> {
    const { signal } = options;
    if (signal?.aborted) throw abortedError(signal, this.description);
    if (this.#closed) throw closedError(this.description);
    checkRange(this.description, offset, length, this.#size);
    if (length === 0) return new Uint8Array(0);
    return raceAbort(this.#readFully(offset, length, signal), signal, this.description);
  }

  async #readFully(offset: number, length: number, signal: AbortSignal | undefined): Promise<Uint8Array> {
    const out = new Uint8Array(length);
    let filled = 0;
    while (filled < length) {
      if (signal?.aborted) throw abortedError(signal, this.description);
      if (this.#closed) throw closedError(this.description);
      let n: number;
      try {
        ({ bytesRead: n } = await this.#handle.read(
          out,
          filled,
          Math.min(length - filled, MAX_CHUNK),
          offset + filled,
        ));
      } catch (err) {
        if (this.#closed) throw closedError(this.description);
        throw toWsiError(err, `cannot read ${this.description} at offset ${offset + filled}`);
      }
      if (n === 0) {
        throw new WsiError(
          'CorruptFile',
          `${this.description}: unexpected end of file at offset ${offset + filled} (the file shrank since it was opened)`,
          { details: { path: this.description, offset: offset + filled, size: this.#size } },
        );
      }
      filled += n;
    }
    return out;
  }

  /** Closes the file handle (after pending reads finish). Further reads reject with `InvalidArgument`. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#handle.close().catch(() => {});
  }
}

/**
 * Opens a local file as a {@link ByteSource}.
 *
 * @example
 * ```ts
 * import { openFileSource } from '@wsi/core';
 * const src = await openFileSource('slide.svs');
 * console.log(await src.size());
 * ```
 */
export function openFileSource(path: string | URL): Promise<FileSource> {
  return FileSource.open(path);
}
