/**
 * Companion-file access for MIRAX: local files opened with plain `fs` callbacks and read synchronously (page-cached
 * image records in microseconds, no threadpool round trip), URLs through core's byte sources. A missing file → `NotFound` naming it.
 */
import { close as closeCb, fstat, open as openCb, readSync } from 'node:fs';
import { type ByteSource, isWsiError, openByteSource, WsiError } from '@wsi/core';

/** Random access to one companion file. */
export interface CompanionFile {
  readonly path: string;
  size(): Promise<number>;
  /** `length` bytes at `offset`, into `into` when given (exactly `length` bytes long) for local files. */
  read(offset: number, length: number, into?: Uint8Array): Promise<Uint8Array>;
  close(): Promise<void>;
}

const isUrl = (p: string) => /^[a-z][a-z0-9+.-]*:\/\//i.test(p);

/**
 * Opens a companion file (`path` is a local path or a URL).
 *
 * @example
 * ```ts
 * const f = await openCompanionFile('/data/CMU-1/Data0003.dat');
 * const bytes = await f.read(1024, 30000);
 * ```
 */
export async function openCompanionFile(path: string): Promise<CompanionFile> {
  if (isUrl(path)) return fromByteSource(path, await wrapOpen(path, () => openByteSource(path)));
  const fd = await wrapOpen(
    path,
    () => new Promise<number>((res, rej) => openCb(path, 'r', (e, fd) => (e ? rej(e) : res(fd)))),
  );
  const size = await new Promise<number>((res, rej) => fstat(fd, (e, st) => (e ? rej(e) : res(st.size))));
  let closed = false;
  return {
    path,
    size: () => Promise.resolve(size),
    read(offset, length, into) {
      if (closed) return Promise.reject(new WsiError('InvalidArgument', `${path}: file is closed`));
      if (!(offset >= 0 && length >= 0 && offset + length <= size)) {
        return Promise.reject(
          new WsiError('CorruptFile', `${path}: ${offset}+${length} runs past the end of the file (${size} bytes)`, {
            details: { file: path },
          }),
        );
      }
      const out = into && into.length === length ? into : new Uint8Array(length);
      // the page cache answers a synchronous read in microseconds; an async one costs a threadpool round trip, and
      // the threadpool is busy decoding (OpenSlide reads its Data files synchronously too)
      try {
        let filled = 0;
        while (filled < length) {
          const n = readSync(fd, out, filled, length - filled, offset + filled);
          if (n === 0)
            return Promise.reject(new WsiError('CorruptFile', `${path}: unexpected end of file at ${offset + filled}`));
          filled += n;
        }
        return Promise.resolve(out);
      } catch (e) {
        return Promise.reject(new WsiError('Io', `${path}: read failed: ${(e as Error).message}`, { cause: e }));
      }
    },
    close() {
      if (closed) return Promise.resolve();
      closed = true;
      return new Promise((res) => closeCb(fd, () => res()));
    },
  };
}

async function wrapOpen<T>(path: string, f: () => Promise<T>): Promise<T> {
  try {
    return await f();
  } catch (err) {
    const notFound = (isWsiError(err) && err.code === 'NotFound') || (err as { code?: string }).code === 'ENOENT';
    throw new WsiError(
      notFound ? 'NotFound' : 'Io',
      `${path}: MIRAX companion file cannot be opened: ${(err as Error).message}`,
      {
        cause: err,
        details: { file: path },
      },
    );
  }
}

function fromByteSource(path: string, src: ByteSource): CompanionFile {
  return { path, size: () => src.size(), read: (o, l) => src.read(o, l), close: () => src.close() };
}
