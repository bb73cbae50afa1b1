/**
 * Companion-file access for MIRAX: local files through plain `fs` callbacks (much lighter than promise file handles
 * for the many small image reads), URLs through core's byte sources. A missing file → `NotFound` naming it.
 */
import { close as closeCb, fstat, open as openCb, read as readCb } from 'node:fs';
import { type ByteSource, isWsiError, openByteSource, WsiError } from '@wsi/core';

/** Random access to one companion file. */
export interface CompanionFile {
  readonly path: string;
  size(): Promise<number>;
  read(offset: number, length: number): Promise<Uint8Array>;
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
    read(offset, length) {
      if (closed) return Promise.reject(new WsiError('InvalidArgument', `${path}: file is closed`));
      if (!(offset >= 0 && length >= 0 && offset + length <= size)) {
        return Promise.reject(
          new WsiError('CorruptFile', `${path}: ${offset}+${length} runs past the end of the file (${size} bytes)`, {
            details: { file: path },
          }),
        );
      }
      const out = new Uint8Array(length);
      return new Promise((res, rej) => {
        const step = (filled: number) => {
          if (filled === length) return res(out);
          readCb(fd, out, filled, length - filled, offset + filled, (e, n) => {
            if (e) return rej(new WsiError('Io', `${path}: read failed: ${e.message}`, { cause: e }));
            if (n === 0)
              return rej(new WsiError('CorruptFile', `${path}: unexpected end of file at ${offset + filled}`));
            step(filled + n);
          });
        };
        step(0);
      });
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
