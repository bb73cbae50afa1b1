/**
 * Validated dataset access for readers: look a dataset up, check rank/dtype/shape, and read row ranges in slices
 * that stay under the h5wasm transfer limit.
 */
import { WsiError } from '@wsi/core';
import type { Dataset, File } from 'h5wasm/node';
import { DEFAULT_BYTE_BUDGET, MAX_TRANSFER_BYTES } from './appendable.js';
import { asH5Dtype, DTYPE_BYTES, dtypeName, type H5Dtype } from './dtypes.js';

/**
 * A dataset found and described by {@link getDataset}.
 *
 * @example
 * ```ts
 * const { shape, dtype }: DatasetInfo = getDataset(file, p, 'features', { ranks: [2], dtypes: ['float32'] });
 * ```
 */
export interface DatasetInfo {
  dataset: Dataset;
  /** Full path of the file (for messages). */
  path: string;
  name: string;
  shape: number[];
  dtype: H5Dtype;
}

/**
 * Expectations checked by {@link getDataset}.
 *
 * @example
 * ```ts
 * const e: DatasetExpect = { ranks: [2], dtypes: ['int64', 'int32'], dims: { 1: 2 } };
 * ```
 */
export interface DatasetExpect {
  /** Allowed ranks (number of dimensions). */
  ranks: readonly number[];
  /** Allowed element types. */
  dtypes: readonly H5Dtype[];
  /** Required sizes of trailing dimensions by index (e.g. `{ 1: 2 }` for N×2 coords). */
  dims?: Record<number, number>;
  /** File size, to reject shapes that claim far more data than the file could hold. */
  fileSize?: number;
}

/**
 * Finds dataset `name` in `file` and checks it against `expect`.
 *
 * @throws WsiError `NotFound` naming file and dataset when it is absent; `CorruptFile` for a wrong rank, dtype
 *   or shape (or a shape the file cannot hold).
 * @example
 * ```ts
 * const coords = getDataset(file, path, 'coords', { ranks: [2], dtypes: ['int64', 'int32'], dims: { 1: 2 } });
 * ```
 */
export function getDataset(file: File, path: string, name: string, expect: DatasetExpect): DatasetInfo {
  const entity = file.get(name);
  if (entity === null || entity === undefined) {
    throw new WsiError('NotFound', `${path} has no dataset "${name}"`, { details: { path, dataset: name } });
  }
  if (!(entity.constructor.name === 'Dataset')) {
    throw new WsiError('CorruptFile', `${path}: "${name}" is a ${entity.constructor.name}, not a dataset`, {
      details: { path, dataset: name },
    });
  }
  const dataset = entity as Dataset;
  const meta = dataset.metadata;
  const shape = meta.shape ?? [];
  const fail = (why: string): WsiError =>
    new WsiError('CorruptFile', `${path}: dataset "${name}" ${why}`, {
      details: { path, dataset: name, shape, dtype: dtypeName(meta) },
    });
  if (!expect.ranks.includes(shape.length)) {
    throw fail(`has shape [${shape.join(', ')}]; expected rank ${expect.ranks.join(' or ')}`);
  }
  const dtype = asH5Dtype(meta);
  if (dtype === undefined || !expect.dtypes.includes(dtype)) {
    throw fail(`is ${dtypeName(meta)}; expected ${expect.dtypes.join(' or ')}`);
  }
  for (const [index, size] of Object.entries(expect.dims ?? {})) {
    const i = Number(index) < 0 ? shape.length + Number(index) : Number(index);
    if (shape[i] !== size) throw fail(`has shape [${shape.join(', ')}]; dimension ${i} must be ${size}`);
  }
  const bytes = shape.reduce((a, b) => a * b, 1) * DTYPE_BYTES[dtype];
  if (!Number.isSafeInteger(bytes)) throw fail(`has an impossible shape [${shape.join(', ')}]`);
  if (expect.fileSize !== undefined && dataset.filters.length === 0 && bytes > expect.fileSize) {
    throw fail(`claims ${bytes} bytes of uncompressed data but the file has ${expect.fileSize}`);
  }
  return { dataset, path, name, shape, dtype };
}

/** Preferred size of one read slice (reads never exceed the caller's byte budget either). */
const READ_SLICE_BYTES = 8 * 1024 * 1024;

/**
 * Typed array returned for each dtype by {@link readRows}.
 *
 * @example
 * ```ts
 * const f = readRows(info) as ReadArrays['float32'];
 * ```
 */
export interface ReadArrays {
  float32: Float32Array;
  float64: Float64Array;
  uint8: Uint8Array;
  int32: Int32Array;
  int64: BigInt64Array;
}

/**
 * Options of {@link readRows}.
 *
 * @example
 * ```ts
 * const o: ReadRowsOptions = { start: 1000, end: 2000, byteBudget: 64 << 20 };
 * ```
 */
export interface ReadRowsOptions {
  /** First row (default 0). */
  start?: number;
  /** One past the last row (default all). */
  end?: number;
  /** Largest single read in bytes (default 256 MiB). */
  byteBudget?: number;
  /** Read along axis 1 of a dataset whose first dimension is 1 (features stored as 1×N×D). Default false. */
  squeezeLeading?: boolean;
}

/**
 * Reads rows `[start, end)` of a dataset into one typed array, in slices of at most `byteBudget` bytes.
 *
 * @throws WsiError `OutOfBounds` for a bad row range, `InvalidArgument` when the result would not fit in memory.
 * @example
 * ```ts
 * const info = getDataset(file, path, 'features', { ranks: [2], dtypes: ['float32'] });
 * const rows = readRows(info, { start: 0, end: 100 }) as Float32Array;
 * ```
 */
export function readRows(info: DatasetInfo, opts: ReadRowsOptions = {}): ReadArrays[H5Dtype] {
  const squeeze = opts.squeezeLeading === true;
  if (squeeze && info.shape[0] !== 1) {
    throw new WsiError(
      'CorruptFile',
      `${info.path}: dataset "${info.name}" has leading dimension ${info.shape[0]}, expected 1`,
    );
  }
  const rowShape = info.shape.slice(squeeze ? 2 : 1);
  const total = info.shape[squeeze ? 1 : 0] ?? 0;
  const start = opts.start ?? 0;
  const end = opts.end ?? total;
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || start < 0 || end > total || start > end) {
    throw new WsiError(
      'OutOfBounds',
      `${info.path}: rows [${start}, ${end}) outside dataset "${info.name}" of ${total} rows`,
      {
        details: { path: info.path, dataset: info.name, start, end, rows: total },
      },
    );
  }
  const rowElements = rowShape.reduce((a, b) => a * b, 1);
  const rowBytes = rowElements * DTYPE_BYTES[info.dtype];
  const n = end - start;
  if (n * rowElements > 2 ** 32 - 1) {
    throw new WsiError(
      'InvalidArgument',
      `${info.path}: ${n} rows of "${info.name}" are too many to hold in one array; read fewer rows`,
    );
  }
  const budget = Math.min(opts.byteBudget ?? DEFAULT_BYTE_BUDGET, MAX_TRANSFER_BYTES);
  if (rowBytes > MAX_TRANSFER_BYTES) {
    throw new WsiError('InvalidArgument', `${info.path}: one row of "${info.name}" exceeds the 2 GiB transfer limit`);
  }
  const out = allocate(info.dtype, n * rowElements);
  // Large single transfers grow the wasm heap and copy more; ~8 MiB slices aligned to whole chunks read fastest.
  const target = Math.min(budget, READ_SLICE_BYTES);
  let sliceRows = Math.max(1, Math.floor(target / Math.max(1, rowBytes)));
  const chunkRows = squeeze ? undefined : info.dataset.metadata.chunks?.[0];
  if (chunkRows !== undefined && chunkRows > 0 && sliceRows > chunkRows) sliceRows -= sliceRows % chunkRows;
  for (let r = 0; r < n; r += sliceRows) {
    const m = Math.min(sliceRows, n - r);
    const range: [number, number] = [start + r, start + r + m];
    const part = info.dataset.slice(squeeze ? [[0, 1], range] : [range]);
    if (!ArrayBuffer.isView(part) || (part as unknown as ArrayLike<unknown>).length !== m * rowElements) {
      throw new WsiError('CorruptFile', `${info.path}: short read of dataset "${info.name}" at row ${start + r}`);
    }
    (out as unknown as { set(a: ArrayLike<unknown>, o: number): void }).set(
      part as unknown as ArrayLike<unknown>,
      r * rowElements,
    );
  }
  return out;
}

function allocate(dtype: H5Dtype, n: number): ReadArrays[H5Dtype] {
  switch (dtype) {
    case 'float32':
      return new Float32Array(n);
    case 'float64':
      return new Float64Array(n);
    case 'uint8':
      return new Uint8Array(n);
    case 'int32':
      return new Int32Array(n);
    case 'int64':
      return new BigInt64Array(n);
  }
}

/**
 * Converts integer rows (int32 or int64, e.g. coords) to an Int32Array, checking every value fits.
 *
 * @throws WsiError `CorruptFile` when a value is outside the int32 range.
 * @example
 * ```ts
 * const xy = toInt32(readRows(info), info); // Int32Array
 * ```
 */
export function toInt32(data: ReadArrays[H5Dtype], info: Pick<DatasetInfo, 'path' | 'name'>): Int32Array {
  if (data instanceof Int32Array) return data;
  const out = new Int32Array(data.length);
  for (let i = 0; i < data.length; i++) {
    const v = Number(data[i] as number | bigint);
    if (!Number.isInteger(v) || v < -(2 ** 31) || v > 2 ** 31 - 1) {
      throw new WsiError(
        'CorruptFile',
        `${info.path}: dataset "${info.name}" value ${String(data[i])} at ${i} does not fit in int32`,
      );
    }
    out[i] = v;
  }
  return out;
}
