/**
 * Reading any numeric dataset of a file by name, for tools (`wsi h5`) and callers that need int64 as BigInt.
 */
import { WsiError } from '@wsi/core';
import type { H5Dtype } from './dtypes.js';
import { withH5Read } from './file.js';
import { getDataset, type ReadArrays, readRows, toInt32 } from './read.js';

/**
 * Options of {@link readDataset}.
 *
 * @example
 * ```ts
 * const o: ReadDatasetOptions = { rows: [0, 1000] };
 * ```
 */
export interface ReadDatasetOptions {
  /** Row range `[start, end)` along the first dimension (default all). */
  rows?: [number, number];
  /** int64 data: `bigint` returns the BigInt64Array as stored; `int32` (default) range-checks into an Int32Array. */
  int64As?: 'int32' | 'bigint';
  /** Largest single read in bytes (default 256 MiB). */
  byteBudget?: number;
}

/**
 * A dataset read back: its element type, full shape, and the requested rows.
 *
 * @example
 * ```ts
 * const { shape, data }: DatasetRows = await readDataset('slide.h5', 'coords');
 * ```
 */
export interface DatasetRows {
  dtype: H5Dtype;
  /** Shape of the whole dataset. */
  shape: number[];
  /** Rows read, row-major. int64 comes back as Int32Array unless `int64As: 'bigint'`. */
  data: Exclude<ReadArrays[H5Dtype], BigInt64Array> | BigInt64Array;
}

/**
 * Reads rows of a numeric dataset (float32/64, uint8, int32, int64; rank ≥ 1).
 *
 * @throws WsiError `NotFound` (file or dataset), `CorruptFile` (not numeric, int64 beyond int32 when converting),
 *   `OutOfBounds` (rows).
 * @example
 * ```ts
 * const { data } = await readDataset('slide.h5', 'coords', { int64As: 'bigint' }); // BigInt64Array
 * ```
 */
export async function readDataset(path: string, name: string, options: ReadDatasetOptions = {}): Promise<DatasetRows> {
  return withH5Read(path, (file, fileSize) => {
    const info = getDataset(file, path, name, {
      ranks: [1, 2, 3, 4, 5, 6],
      dtypes: ['float32', 'float64', 'uint8', 'int32', 'int64'],
      fileSize,
    });
    const [start, end] = options.rows ?? [0, info.shape[0] ?? 0];
    const raw = readRows(info, {
      start,
      end,
      ...(options.byteBudget === undefined ? {} : { byteBudget: options.byteBudget }),
    });
    if (raw instanceof BigInt64Array && options.int64As !== 'bigint') {
      return { dtype: info.dtype, shape: info.shape, data: toInt32(raw, info) };
    }
    if (options.int64As === 'bigint' && !(raw instanceof BigInt64Array)) {
      throw new WsiError('InvalidArgument', `${path}: dataset "${name}" is ${info.dtype}, not int64`);
    }
    return { dtype: info.dtype, shape: info.shape, data: raw };
  });
}
