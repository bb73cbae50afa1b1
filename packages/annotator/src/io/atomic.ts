import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { Writable } from 'node:stream';
import { toWsiError } from '@wsi/core';

/**
 * A temporary path beside `path` (same directory, so the final rename is atomic).
 *
 * @example
 * ```ts
 * const tmp = tempPathFor('out/mask.png'); // out/.mask.png.<pid>.<random>.tmp
 * await writeFile(tmp, bytes);
 * await rename(tmp, 'out/mask.png');
 * ```
 */
export function tempPathFor(path: string): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
}

/**
 * Writes a file atomically: a temporary file beside it, then a rename. On failure the temporary file is
 * removed and any previous file at `path` is left untouched.
 *
 * @example
 * ```ts
 * await writeFileAtomic('out.geojson', text);
 * ```
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  const tmp = tempPathFor(path);
  try {
    await mkdir(dirname(path), { recursive: true });
    await writeFile(tmp, data);
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw toWsiError(err, `cannot write ${path}`);
  }
}

/**
 * Streams into a temporary file and renames it to `path` only when `produce` finishes; on any error the
 * temporary file is removed.
 *
 * @example
 * ```ts
 * await writeStreamAtomic('mask.png', async (out) => { out.write(header); });
 * ```
 */
export async function writeStreamAtomic(path: string, produce: (out: Writable) => Promise<void>): Promise<void> {
  await mkdir(dirname(path), { recursive: true }).catch((err: unknown) => {
    throw toWsiError(err, `cannot write ${path}`);
  });
  const tmp = tempPathFor(path);
  const out = createWriteStream(tmp);
  const closed = new Promise<void>((resolve, reject) => {
    out.on('close', resolve);
    out.on('error', reject);
  });
  try {
    await produce(out);
    out.end();
    await closed;
    await rename(tmp, path);
  } catch (err) {
    out.destroy();
    await closed.catch(() => undefined);
    await rm(tmp, { force: true });
    throw toWsiError(err, `cannot write ${path}`);
  }
}

/**
 * Writes `chunk` and waits for the stream to drain when its buffer is full (bounded memory).
 *
 * @example
 * ```ts
 * await writeChunk(out, Buffer.from('abc'));
 * ```
 */
export function writeChunk(out: Writable, chunk: Uint8Array): Promise<void> {
  return out.write(chunk)
    ? Promise.resolve()
    : new Promise((resolve, reject) => {
        const onErr = (e: Error) => reject(e);
        out.once('error', onErr);
        out.once('drain', () => {
          out.off('error', onErr);
          resolve();
        });
      });
}
