/**
 * Features files: `features` (float32 N×D) with aligned `coords` (N×2), as Trident writes them (with
 * attributes) and as CLAM's `h5_files` (without).
 */
import type { FeatureSet, PatchGridMeta } from '@wsi/core';
import { WsiError } from '@wsi/core';
import { AppendableDataset, type RowData } from './appendable.js';
import { type AttrInput, type AttrValue, readAttrs, writeAttrs } from './attrs.js';
import { coordsAttrs, defaultSaveDir, type H5Layout } from './coords-attrs.js';
import { nameFromPath } from './coords-file.js';
import { H5Writer, withH5Read } from './file.js';
import { type Provenance, readProvenance, type StoredProvenance } from './provenance.js';
import { type DatasetInfo, getDataset, readRows, toInt32 } from './read.js';

/**
 * Options of {@link FeaturesWriter.create}.
 *
 * @example
 * ```ts
 * const o: FeaturesWriteOptions = { dim: 1024, name: 's1', encoder: 'uni_v1', coordsAttrs: coordsFile.attrs };
 * ```
 */
export interface FeaturesWriteOptions {
  /** Embedding dimension D. */
  dim: number;
  /** `wsi` (default) and `trident` write Trident's attributes; `clam` writes none and int32 coords, as CLAM does. */
  layout?: H5Layout;
  /** Slide `<name>` (Trident's `name` attribute on `features`). */
  name: string;
  /** Encoder id (Trident's `encoder` attribute). */
  encoder?: string;
  /** Attributes to copy onto `coords` verbatim (Trident copies the coords file's attributes). Wins over `coordsMeta`. */
  coordsAttrs?: Record<string, AttrValue>;
  /** Grid metadata to describe `coords` with, in the same layout, when `coordsAttrs` is not given. */
  coordsMeta?: PatchGridMeta;
  /** Root provenance attributes. */
  provenance?: Provenance;
  /** Folder recorded in `savetodir` (default: the file's folder). */
  saveDir?: string;
  /** Largest single write in bytes (default 256 MiB). */
  byteBudget?: number;
}

function passThrough(attrs: Record<string, AttrValue>): Record<string, AttrInput> {
  const out: Record<string, AttrInput> = {};
  for (const [k, v] of Object.entries(attrs)) {
    if (Array.isArray(v) && v.some((x) => typeof x === 'bigint')) continue;
    out[k] = v as AttrInput;
  }
  return out;
}

/**
 * Streams patch embeddings and their coordinates into a features file, finished atomically.
 *
 * @example
 * ```ts
 * const w = await FeaturesWriter.create('feats/slide.h5', { dim: 1024, name: 'slide', encoder: 'uni_v1' });
 * w.append(batchFeatures, batchCoords); // n×1024 Float32Array, n×2 Int32Array
 * await w.finish();
 * ```
 */
export class FeaturesWriter {
  private constructor(
    private readonly writer: H5Writer,
    private readonly features: AppendableDataset,
    private readonly coords: AppendableDataset,
    readonly dim: number,
  ) {}

  /**
   * Creates the temporary file and both datasets with their attributes.
   *
   * @throws WsiError `InvalidArgument` for a bad dimension.
   * @example
   * ```ts
   * const w = await FeaturesWriter.create('h5_files/slide.h5', { dim: 1024, name: 'slide', layout: 'clam' });
   * ```
   */
  static async create(path: string, options: FeaturesWriteOptions): Promise<FeaturesWriter> {
    if (!Number.isSafeInteger(options.dim) || options.dim <= 0) {
      throw new WsiError('InvalidArgument', `features dimension ${options.dim} must be a positive integer`);
    }
    const layout = options.layout ?? 'wsi';
    const writer = await H5Writer.create(
      path,
      options.provenance === undefined ? {} : { provenance: options.provenance },
    );
    try {
      const budget = options.byteBudget === undefined ? {} : { byteBudget: options.byteBudget };
      const clam = layout === 'clam';
      const features = AppendableDataset.create(writer.file, 'features', {
        dtype: 'float32',
        rowShape: [options.dim],
        ...(clam ? { chunkRows: 32 } : {}),
        ...budget,
      });
      const coords = AppendableDataset.create(writer.file, 'coords', {
        dtype: clam ? 'int32' : 'int64',
        rowShape: [2],
        ...(clam ? { chunkRows: 32 } : {}),
        ...budget,
      });
      if (!clam) {
        const saveDir = options.saveDir ?? defaultSaveDir(writer.path, 'wsi');
        writeAttrs(features.dataset, {
          name: options.name,
          savetodir: saveDir,
          encoder: options.encoder ?? (layout === 'trident' ? 'None' : undefined),
        });
        if (options.coordsAttrs !== undefined) {
          writeAttrs(coords.dataset, passThrough(options.coordsAttrs));
        } else if (options.coordsMeta !== undefined) {
          writeAttrs(coords.dataset, coordsAttrs(options.coordsMeta, layout, saveDir));
        }
      }
      return new FeaturesWriter(writer, features, coords, options.dim);
    } catch (err) {
      await writer.abort();
      throw err;
    }
  }

  /** Rows written so far. */
  get length(): number {
    return this.features.length;
  }

  /**
   * Appends n rows: `features` n×D and `coords` n×2 (interleaved x, y).
   *
   * @throws WsiError `InvalidArgument` when the row counts disagree.
   * @example
   * ```ts
   * w.append(new Float32Array(2 * 1024), new Int32Array([0, 0, 256, 0]));
   * ```
   */
  append(features: Float32Array, coords: RowData): void {
    this.writer.assertOpen();
    const n = features.length / this.dim;
    if (!Number.isInteger(n) || coords.length !== n * 2) {
      throw new WsiError(
        'InvalidArgument',
        `features (${features.length} values, D=${this.dim}) and coords (${coords.length} values) do not describe the same rows`,
      );
    }
    this.features.append(features);
    this.coords.append(coords);
  }

  /** Closes the file and moves it into place. */
  finish(): Promise<void> {
    return this.writer.finish();
  }

  /** Deletes the temporary file; the destination is untouched. */
  abort(): Promise<void> {
    return this.writer.abort();
  }
}

/**
 * Options of {@link readFeaturesFile}.
 *
 * @example
 * ```ts
 * const o: ReadFeaturesOptions = { rows: [0, 512] };
 * ```
 */
export interface ReadFeaturesOptions {
  /** Row range `[start, end)` to read (default all). */
  rows?: [number, number];
  /** Largest single read in bytes (default 256 MiB). */
  byteBudget?: number;
}

/**
 * A features file read back, with the raw attributes of both datasets and root provenance.
 *
 * @example
 * ```ts
 * const { features, coordsAttrs }: FeaturesFile = await readFeaturesFile(p);
 * ```
 */
export interface FeaturesFile extends FeatureSet {
  featuresAttrs: Record<string, AttrValue>;
  coordsAttrs: Record<string, AttrValue>;
  provenance: StoredProvenance;
  /** Rows in the file (the set may hold fewer when `rows` was given). */
  totalRows: number;
}

/**
 * Reads a features file: ours, Trident's `features_<encoder>/*.h5`, CLAM's `h5_files/*.h5`, and files whose
 * `features` is 1×N×D. `coords` is optional but must match the row count when present.
 *
 * @throws WsiError `NotFound` (file or `features` missing), `CorruptFile` (not HDF5, wrong rank/dtype, row count
 *   mismatch), `OutOfBounds` (bad `rows`).
 * @example
 * ```ts
 * const fs = await readFeaturesFile('feats/slide.h5', { rows: [0, 1000] });
 * console.log(fs.count, fs.dim, fs.encoder);
 * ```
 */
export async function readFeaturesFile(path: string, options: ReadFeaturesOptions = {}): Promise<FeaturesFile> {
  return withH5Read(path, (file, fileSize) => {
    const info = getDataset(file, path, 'features', { ranks: [2, 3], dtypes: ['float32', 'float64'], fileSize });
    const squeezeLeading = info.shape.length === 3;
    if (squeezeLeading && info.shape[0] !== 1) {
      throw new WsiError('CorruptFile', `${path}: 3-D "features" must be 1×N×D, got [${info.shape.join(', ')}]`);
    }
    const total = info.shape[squeezeLeading ? 1 : 0] ?? 0;
    const dim = info.shape[info.shape.length - 1] ?? 0;
    const [start, end] = options.rows ?? [0, total];
    const budget = options.byteBudget === undefined ? {} : { byteBudget: options.byteBudget };
    const raw = readRows(info, { start, end, squeezeLeading, ...budget });
    const features = raw instanceof Float32Array ? raw : Float32Array.from(raw as Float64Array);
    const featuresAttrs = readAttrs(info.dataset);
    let coords: Int32Array | undefined;
    let coordsAttrs: Record<string, AttrValue> = {};
    if (file.keys().includes('coords')) {
      const c = readCoordsInfo(file, path, fileSize);
      const rows = c.shape[c.shape.length === 3 ? 1 : 0];
      if (rows !== total) {
        throw new WsiError('CorruptFile', `${path}: "coords" has ${rows} rows but "features" has ${total}`);
      }
      coords = toInt32(readRows(c, { start, end, squeezeLeading: c.shape.length === 3, ...budget }), c);
      coordsAttrs = readAttrs(c.dataset);
    }
    const encoder =
      typeof featuresAttrs.encoder === 'string' && featuresAttrs.encoder !== 'None' ? featuresAttrs.encoder : undefined;
    const name = typeof featuresAttrs.name === 'string' ? featuresAttrs.name : nameFromPath(path);
    return {
      count: end - start,
      dim,
      features,
      ...(coords === undefined ? {} : { coords }),
      ...(encoder === undefined ? {} : { encoder }),
      name,
      featuresAttrs,
      coordsAttrs,
      provenance: readProvenance(file),
      totalRows: total,
    };
  });
}

function readCoordsInfo(
  file: Parameters<Parameters<typeof withH5Read>[1]>[0],
  path: string,
  fileSize: number,
): DatasetInfo {
  return getDataset(file, path, 'coords', { ranks: [2, 3], dtypes: ['int64', 'int32'], dims: { [-1]: 2 }, fileSize });
}
