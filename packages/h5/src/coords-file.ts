/**
 * Coordinate files: a `coords` dataset (N×2 int64, level-0 top-left corners) with the grid's attributes, in
 * our `wsi` layout, CLAM's or Trident's.
 */
import { basename, extname } from 'node:path';
import { type PatchCoords, type PatchGridMeta, WsiError } from '@wsi/core';
import type { Dataset } from 'h5wasm/node';
import { AppendableDataset, type RowData } from './appendable.js';
import { readAttrs, writeAttrs } from './attrs.js';
import { coordsAttrs, defaultSaveDir, type H5Layout, metaFromCoordsAttrs } from './coords-attrs.js';
import { H5Writer, withH5Read } from './file.js';
import type { Provenance, StoredProvenance } from './provenance.js';
import { readProvenance } from './provenance.js';
import { checkQcTable, type QcTable, readQcDataset, writeQcDataset } from './qc-dataset.js';
import { getDataset, readRows, toInt32 } from './read.js';

/**
 * Options of {@link CoordsWriter.create} and {@link writeCoordsFile}.
 *
 * @example
 * ```ts
 * const o: CoordsWriteOptions = { layout: 'clam', provenance: { params } };
 * ```
 */
export interface CoordsWriteOptions {
  /** Attribute layout (default `wsi`). */
  layout?: H5Layout;
  /** Root provenance attributes. */
  provenance?: Provenance;
  /** Folder recorded in `save_path` / `savetodir` (default: derived from the path as CLAM/Trident do). */
  saveDir?: string;
  /** Largest single write in bytes (default 256 MiB). */
  byteBudget?: number;
  /** Per-patch quality control written as the `qc` dataset (N×K float32, rows aligned with `coords`). */
  qc?: QcTable;
}

/**
 * Streams patch coordinates into a coords file: append batches, then {@link CoordsWriter.finish} renames the
 * temporary file into place.
 *
 * @example
 * ```ts
 * const w = await CoordsWriter.create('out/patches/slide.h5', meta, { provenance: { params } });
 * w.append(new Int32Array([0, 0, 256, 0]));
 * await w.finish();
 * ```
 */
export class CoordsWriter {
  private qcRows: number | undefined;

  private constructor(
    private readonly writer: H5Writer,
    private readonly coords: AppendableDataset,
    private readonly byteBudget: number | undefined,
  ) {}

  /**
   * Creates the temporary file, the `coords` dataset and its attributes.
   *
   * @example
   * ```ts
   * const w = await CoordsWriter.create('slide.h5', meta, { layout: 'trident' });
   * ```
   */
  static async create(path: string, meta: PatchGridMeta, options: CoordsWriteOptions = {}): Promise<CoordsWriter> {
    const layout = options.layout ?? 'wsi';
    const writer = await H5Writer.create(
      path,
      options.provenance === undefined ? {} : { provenance: options.provenance },
    );
    try {
      const attrs = coordsAttrs(meta, layout, options.saveDir ?? defaultSaveDir(writer.path, layout));
      const coords = AppendableDataset.create(writer.file, 'coords', {
        dtype: 'int64',
        rowShape: [2],
        ...(layout === 'clam' ? { chunkRows: 32 } : {}),
        ...(options.byteBudget === undefined ? {} : { byteBudget: options.byteBudget }),
      });
      writeAttrs(coords.dataset, attrs);
      return new CoordsWriter(writer, coords, options.byteBudget);
    } catch (err) {
      await writer.abort();
      throw err;
    }
  }

  /**
   * Rows written so far.
   *
   * @example
   * ```ts
   * console.log(w.length);
   * ```
   */
  get length(): number {
    return this.coords.length;
  }

  /**
   * Appends interleaved `x, y` pairs (Int32Array, Float64Array of integers, BigInt64Array or number[]).
   *
   * @example
   * ```ts
   * w.append([0, 0, 256, 0]);
   * ```
   */
  append(xy: RowData): void {
    this.writer.assertOpen();
    this.coords.append(xy);
  }

  /**
   * Writes the `qc` dataset (once): N×K float32 with its `columns` attribute. {@link CoordsWriter.finish} checks
   * that N equals the number of coords rows.
   *
   * @throws WsiError `InvalidArgument` for a malformed table or a second call.
   * @example
   * ```ts
   * w.writeQc({ columns: ['tissue', 'pen'], data: new Float32Array([0.9, 0, 0.8, 0]) });
   * ```
   */
  writeQc(table: QcTable): void {
    this.writer.assertOpen();
    if (this.qcRows !== undefined) throw new WsiError('InvalidArgument', `${this.writer.path}: qc already written`);
    const rows = checkQcTable(table);
    writeQcDataset(this.writer.file, table, this.byteBudget);
    this.qcRows = rows;
  }

  /**
   * Closes the file and moves it into place.
   *
   * @throws WsiError `InvalidArgument` when a `qc` dataset was written with a row count other than `coords`'.
   */
  async finish(): Promise<void> {
    if (this.qcRows !== undefined && this.qcRows !== this.coords.length) {
      await this.writer.abort();
      throw new WsiError(
        'InvalidArgument',
        `${this.writer.path}: qc has ${this.qcRows} rows but coords has ${this.coords.length}`,
      );
    }
    return this.writer.finish();
  }

  /** Deletes the temporary file; the destination is untouched. */
  abort(): Promise<void> {
    return this.writer.abort();
  }
}

/**
 * Writes a whole coordinate set atomically.
 *
 * @example
 * ```ts
 * await writeCoordsFile('out/patches/slide.h5', { coords, meta }, { layout: 'clam' });
 * ```
 */
export async function writeCoordsFile(path: string, set: PatchCoords, options: CoordsWriteOptions = {}): Promise<void> {
  const w = await CoordsWriter.create(path, set.meta, options);
  try {
    w.append(set.coords);
    if (options.qc !== undefined) w.writeQc(options.qc);
    await w.finish();
  } catch (err) {
    await w.abort();
    throw err;
  }
}

/**
 * A coordinate file read back: the set, all raw `coords` attributes, and root provenance.
 *
 * @example
 * ```ts
 * const { coords, meta, attrs }: CoordsFile = await readCoordsFile(p);
 * ```
 */
export interface CoordsFile extends PatchCoords {
  /** Every attribute of the `coords` dataset as stored. */
  attrs: Record<string, ReturnType<typeof readAttrs>[string]>;
  provenance: StoredProvenance;
  /** The `qc` dataset when the file has one (written by `wsi patch` unless `--no-qc`). */
  qc?: QcTable;
}

/**
 * Slide name implied by a file name: `slide.h5` → `slide`, Trident's `slide_patches.h5` → `slide`.
 *
 * @example
 * ```ts
 * nameFromPath('/job/patches/TCGA-01_patches.h5'); // 'TCGA-01'
 * ```
 */
export function nameFromPath(path: string): string {
  const stem = basename(path, extname(path));
  return stem.endsWith('_patches') ? stem.slice(0, -'_patches'.length) : stem;
}

/**
 * Reads the `coords` dataset (int64 or int32, N×2) of a file and its attributes into a {@link PatchCoords}.
 * Works on our files, CLAM's `patches/*.h5`, Trident's `*_patches.h5`, and features files that carry coords.
 *
 * @throws WsiError `NotFound` (file or dataset missing), `CorruptFile` (not HDF5, wrong shape/dtype, missing
 *   patch attributes, values beyond int32).
 * @example
 * ```ts
 * const { coords, meta } = await readCoordsFile('out/patches/slide.h5');
 * ```
 */
export async function readCoordsFile(path: string): Promise<CoordsFile> {
  return withH5Read(path, (file, fileSize) => {
    const info = getDataset(file, path, 'coords', { ranks: [2], dtypes: ['int64', 'int32'], dims: { 1: 2 }, fileSize });
    const attrs = readAttrs(info.dataset as Dataset);
    const meta = metaFromCoordsAttrs(attrs, nameFromPath(path), path);
    const coords = toInt32(readRows(info), info);
    const qc = readQcDataset(file, path, coords.length >> 1, fileSize);
    return { coords, meta, attrs, provenance: readProvenance(file), ...(qc === undefined ? {} : { qc }) };
  });
}
