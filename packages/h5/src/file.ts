/**
 * Opening HDF5 files: atomic creation ({@link H5Writer}) and validated read access ({@link withH5Read}).
 */
import { randomBytes } from 'node:crypto';
import { rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { toWsiError, WsiError } from '@wsi/core';
import type { File } from 'h5wasm/node';
import { type Provenance, writeProvenance } from './provenance.js';
import { checkHdf5Signature, h5Error, loadH5 } from './runtime.js';

/**
 * Options of {@link H5Writer.create}.
 *
 * @example
 * ```ts
 * const opts: H5WriterOptions = { provenance: { params: { level: 0 } } };
 * ```
 */
export interface H5WriterOptions {
  /** Provenance attributes written on the root group. */
  provenance?: Provenance;
}

/**
 * An HDF5 file being written atomically: data goes to `<path>.tmp-<pid>-<random>` in the same folder and
 * {@link H5Writer.finish} closes it and renames it over `path`. Until then `path` is untouched, so a killed run
 * never leaves a complete-looking file there. {@link H5Writer.abort} removes the temporary file.
 *
 * @example
 * ```ts
 * const w = await H5Writer.create('out/slide.h5', { provenance: { params: { patchSize: 256 } } });
 * try {
 *   w.file.create_dataset({ name: 'x', data: new Float32Array([1, 2]) });
 *   await w.finish();
 * } catch (e) {
 *   await w.abort();
 *   throw e;
 * }
 * ```
 */
export class H5Writer {
  /** The open h5wasm file (writable until finish/abort). */
  readonly file: File;
  /** Final destination. */
  readonly path: string;
  /** Temporary file written until {@link H5Writer.finish}. */
  readonly tempPath: string;
  private state: 'open' | 'finished' | 'aborted' = 'open';

  private constructor(file: File, path: string, tempPath: string) {
    this.file = file;
    this.path = path;
    this.tempPath = tempPath;
  }

  /**
   * Creates the temporary file and writes the provenance attributes on its root.
   *
   * @throws WsiError `NotFound` when the folder does not exist, `Io` when the file cannot be created.
   * @example
   * ```ts
   * const w = await H5Writer.create('/tmp/out.h5');
   * ```
   */
  static async create(path: string, options: H5WriterOptions = {}): Promise<H5Writer> {
    const target = resolve(path);
    const dir = dirname(target);
    try {
      const s = await stat(dir);
      if (!s.isDirectory()) throw new WsiError('InvalidArgument', `${dir} is not a folder`);
    } catch (err) {
      throw toWsiError(err, `cannot write ${target}: folder ${dir}`);
    }
    const tempPath = join(dir, `${basename(target)}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
    const h5 = await loadH5();
    let file: File;
    try {
      file = new h5.File(tempPath, 'w');
    } catch (err) {
      throw h5Error(err, 'Io', tempPath, 'cannot create HDF5 file');
    }
    const writer = new H5Writer(file, target, tempPath);
    try {
      writeProvenance(file, options.provenance);
    } catch (err) {
      await writer.abort();
      throw h5Error(err, 'Io', tempPath, 'cannot write provenance');
    }
    return writer;
  }

  /** True until {@link H5Writer.finish} or {@link H5Writer.abort}. */
  get isOpen(): boolean {
    return this.state === 'open';
  }

  /**
   * Throws `InvalidArgument` unless the writer is still open.
   *
   * @example
   * ```ts
   * writer.assertOpen();
   * ```
   */
  assertOpen(): void {
    if (this.state !== 'open') {
      throw new WsiError('InvalidArgument', `${this.path}: writer already ${this.state}`);
    }
  }

  /**
   * Flushes and closes the temporary file, then renames it over the destination (replacing any old file).
   *
   * @example
   * ```ts
   * await writer.finish();
   * ```
   */
  async finish(): Promise<void> {
    this.assertOpen();
    this.state = 'finished';
    try {
      this.file.flush();
      this.file.close();
    } catch (err) {
      await rm(this.tempPath, { force: true });
      throw h5Error(err, 'Io', this.tempPath, 'cannot close HDF5 file');
    }
    try {
      await rename(this.tempPath, this.path);
    } catch (err) {
      await rm(this.tempPath, { force: true });
      throw toWsiError(err, `cannot move ${this.tempPath} to ${this.path}`);
    }
  }

  /**
   * Closes and deletes the temporary file; the destination is left as it was. Safe to call more than once.
   *
   * @example
   * ```ts
   * await writer.abort();
   * ```
   */
  async abort(): Promise<void> {
    if (this.state !== 'open') return;
    this.state = 'aborted';
    try {
      this.file.close();
    } catch {
      // the file may already be unusable; removing it is what matters
    }
    await rm(this.tempPath, { force: true });
  }
}

/**
 * Opens an HDF5 file read-only after checking its signature, runs `fn`, and always closes the file.
 *
 * @throws WsiError `NotFound` (missing file), `CorruptFile` (not HDF5, truncated, unreadable).
 * @example
 * ```ts
 * const names = await withH5Read('slide.h5', (f) => f.keys());
 * ```
 */
export async function withH5Read<T>(path: string, fn: (file: File, fileSize: number) => T | Promise<T>): Promise<T> {
  const target = resolve(path);
  const size = await checkHdf5Signature(target);
  const h5 = await loadH5();
  let file: File;
  try {
    file = new h5.File(target, 'r');
  } catch (err) {
    throw h5Error(err, 'CorruptFile', target, 'cannot open HDF5 file');
  }
  try {
    return await fn(file, size);
  } catch (err) {
    // h5wasm throws plain Errors (or strings); anything else (a WsiError, a caller's own error) passes through.
    if (typeof err === 'string' || (err instanceof Error && err.constructor === Error)) {
      throw h5Error(err, 'CorruptFile', target, 'cannot read HDF5 file');
    }
    throw err;
  } finally {
    try {
      file.close();
    } catch {
      // closing a damaged file may fail; nothing to keep
    }
  }
}
