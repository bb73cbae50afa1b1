/**
 * Synchronous positional reads of a local file, for the many small restart-interval reads of an NDPI tile: a page-
 * cached `readSync` costs microseconds where an async read costs a threadpool round trip (OpenSlide reads the same
 * way). Used only when the slide was opened from a local path; other sources keep their async `read`.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { WsiError } from '@wsi/core';

/**
 * A read-only file descriptor with exact positional reads.
 *
 * @example
 * ```ts
 * const f = SyncFile.tryOpen('/data/a.ndpi', size);
 * const bytes = f?.read(4096, 512);
 * f?.close();
 * ```
 */
export class SyncFile {
  #fd: number | undefined;

  private constructor(
    fd: number,
    readonly path: string,
  ) {
    this.#fd = fd;
  }

  /** Opens `path` when it is a regular local file of exactly `size` bytes (the file the source reads), else undefined. */
  static tryOpen(path: string | undefined, size: number): SyncFile | undefined {
    if (!path || /^[a-z][a-z0-9+.-]*:\/\//i.test(path)) return undefined;
    let fd: number | undefined;
    try {
      fd = openSync(path, 'r');
      const st = fstatSync(fd);
      if (!st.isFile() || st.size !== size) {
        closeSync(fd);
        return undefined;
      }
      return new SyncFile(fd, path);
    } catch {
      if (fd !== undefined) closeSync(fd);
      return undefined;
    }
  }

  /** Exactly `length` bytes at `offset`; a short file → `CorruptFile`. */
  read(offset: number, length: number): Uint8Array {
    const fd = this.#fd;
    if (fd === undefined) throw new WsiError('InvalidArgument', `${this.path}: slide is closed`);
    const out = new Uint8Array(length);
    let filled = 0;
    while (filled < length) {
      const n = readSync(fd, out, filled, length - filled, offset + filled);
      if (n === 0)
        throw new WsiError('CorruptFile', `${this.path}: unexpected end of file at offset ${offset + filled}`);
      filled += n;
    }
    return out;
  }

  close(): void {
    if (this.#fd !== undefined) closeSync(this.#fd);
    this.#fd = undefined;
  }
}
