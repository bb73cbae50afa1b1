/**
 * Loading h5wasm once, turning its failures into {@link WsiError}s, and checking the HDF5 signature before a
 * file is handed to the library.
 */
import { type FileHandle, open } from 'node:fs/promises';
import { toWsiError, WsiError } from '@wsi/core';
import h5wasm from 'h5wasm/node';

/**
 * The h5wasm namespace (File, Dataset, Group…), ready to use.
 *
 * @example
 * ```ts
 * const h5: H5Lib = await loadH5();
 * ```
 */
export type H5Lib = typeof h5wasm;

let readyPromise: Promise<H5Lib> | undefined;

/**
 * Resolves to the initialised h5wasm library. HDF5 errors then throw JavaScript errors instead of printing
 * diagnostics to stderr.
 *
 * @example
 * ```ts
 * const h5 = await loadH5();
 * const f = new h5.File('/tmp/x.h5', 'w');
 * f.close();
 * ```
 */
export function loadH5(): Promise<H5Lib> {
  readyPromise ??= h5wasm.ready.then((module) => {
    module.activate_throwing_error_handler();
    return h5wasm;
  });
  return readyPromise;
}

/**
 * The useful part of an h5wasm/HDF5 error: the innermost `#00N … : reason` line of the error stack.
 *
 * @example
 * ```ts
 * try { new h5.File(p, 'r'); } catch (e) { console.log(h5Reason(e)); } // "truncated file: eof = 1000, …"
 * ```
 */
export function h5Reason(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  const lines = text.split('\n').filter((l) => /^\s*#\d+:/.test(l));
  const last = lines[lines.length - 1];
  if (last === undefined) return text.trim().split('\n')[0] ?? 'unknown HDF5 error';
  const m = /\):\s*(.*)$/.exec(last);
  return (m?.[1] ?? last).trim();
}

/**
 * Wraps an h5wasm failure on `path` into a {@link WsiError} of the given code (kept when already a WsiError).
 *
 * @example
 * ```ts
 * try { ds.slice([[0, 10]]); } catch (e) { throw h5Error(e, 'CorruptFile', p, 'cannot read "coords"'); }
 * ```
 */
export function h5Error(err: unknown, code: WsiError['code'], path: string, what: string): WsiError {
  if (err instanceof WsiError) return err;
  return new WsiError(code, `${path}: ${what}: ${h5Reason(err)}`, { cause: err, details: { path } });
}

/**
 * The 8-byte HDF5 format signature (`\x89HDF\r\n\x1a\n`).
 *
 * @example
 * ```ts
 * const isH5 = bytes.subarray(0, 8).every((b, i) => b === HDF5_SIGNATURE[i]);
 * ```
 */
export const HDF5_SIGNATURE = Uint8Array.from([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]);

/**
 * Checks that `path` exists and carries the HDF5 signature (at byte 0 or after a user block at 512, 1024, 2048…).
 * Returns the file size.
 *
 * @throws WsiError `NotFound` when the file is missing, `CorruptFile` when it is not HDF5 (or empty).
 * @example
 * ```ts
 * const size = await checkHdf5Signature('slide.h5');
 * ```
 */
export async function checkHdf5Signature(path: string): Promise<number> {
  let handle: FileHandle;
  try {
    handle = await open(path, 'r');
  } catch (err) {
    throw toWsiError(err, `cannot open ${path}`);
  }
  try {
    const { size } = await handle.stat();
    const buf = new Uint8Array(8);
    for (let offset = 0; offset + 8 <= size; offset = offset === 0 ? 512 : offset * 2) {
      const { bytesRead } = await handle.read(buf, 0, 8, offset);
      if (bytesRead === 8 && buf.every((b, i) => b === HDF5_SIGNATURE[i])) return size;
    }
    throw new WsiError('CorruptFile', `${path} is not an HDF5 file (no HDF5 signature)`, { details: { path, size } });
  } finally {
    await handle.close();
  }
}
