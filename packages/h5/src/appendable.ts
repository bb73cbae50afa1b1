/**
 * Chunked datasets with an unlimited first dimension, appended to in slices so that no single h5wasm write
 * exceeds a byte budget (h5wasm copies each write through the wasm heap, which must stay well under 2 GiB).
 */
import { WsiError } from '@wsi/core';
import type { Dataset, Group } from 'h5wasm/node';
import { DTYPE_BYTES, type H5Dtype, H5WASM_DTYPE } from './dtypes.js';
import { h5Error } from './runtime.js';

/**
 * Default largest single write or read: 256 MiB.
 *
 * @example
 * ```ts
 * const rowsPerWrite = Math.floor(DEFAULT_BYTE_BUDGET / rowBytes);
 * ```
 */
export const DEFAULT_BYTE_BUDGET = 256 * 1024 * 1024;
/**
 * Hard ceiling of one h5wasm transfer (2 GiB − 1).
 *
 * @example
 * ```ts
 * if (bytes > MAX_TRANSFER_BYTES) throw new Error('split the read');
 * ```
 */
export const MAX_TRANSFER_BYTES = 2 ** 31 - 1;

/**
 * Numeric input accepted by {@link AppendableDataset.append}. int64 datasets also take BigInt64Array.
 *
 * @example
 * ```ts
 * const xy: RowData = new Int32Array([0, 0, 256, 0]);
 * ```
 */
export type RowData =
  | Float32Array
  | Float64Array
  | Uint8Array
  | Uint8ClampedArray
  | Int32Array
  | BigInt64Array
  | readonly number[];

/**
 * Options of {@link AppendableDataset.create}.
 *
 * @example
 * ```ts
 * const o: AppendableOptions = { dtype: 'uint8', rowShape: [224, 224, 3], chunkRows: 1 };
 * ```
 */
export interface AppendableOptions {
  dtype: H5Dtype;
  /** Shape of one row (everything after the first dimension), e.g. `[2]` for coords, `[H, W, 3]` for images. */
  rowShape: readonly number[];
  /** Rows per chunk; defaults to about 1 MiB per chunk (at least 1, at most 4096 rows). */
  chunkRows?: number;
  /** Largest single write in bytes (default {@link DEFAULT_BYTE_BUDGET}). Tests set it tiny to force many slices. */
  byteBudget?: number;
}

/**
 * Rows per chunk giving about 1 MiB chunks (between 1 and 4096).
 *
 * @example
 * ```ts
 * defaultChunkRows(1024 * 4); // 256
 * ```
 */
export function defaultChunkRows(rowBytes: number): number {
  return Math.max(1, Math.min(4096, Math.floor((1 << 20) / Math.max(1, rowBytes))));
}

/**
 * A dataset `name` of shape `[0, ...rowShape]`, chunked, `maxshape [unlimited, ...rowShape]`, grown by
 * {@link AppendableDataset.append}.
 *
 * @example
 * ```ts
 * const coords = AppendableDataset.create(writer.file, 'coords', { dtype: 'int64', rowShape: [2] });
 * coords.append(new Int32Array([0, 0, 256, 0]));
 * coords.length; // 2
 * ```
 */
export class AppendableDataset {
  readonly dataset: Dataset;
  readonly name: string;
  readonly dtype: H5Dtype;
  readonly rowShape: readonly number[];
  /** Elements per row. */
  readonly rowElements: number;
  readonly byteBudget: number;
  private rows = 0;
  private scratch: BigInt64Array | undefined;

  private constructor(dataset: Dataset, name: string, opts: AppendableOptions, byteBudget: number) {
    this.dataset = dataset;
    this.name = name;
    this.dtype = opts.dtype;
    this.rowShape = [...opts.rowShape];
    this.rowElements = opts.rowShape.reduce((a, b) => a * b, 1);
    this.byteBudget = byteBudget;
  }

  /**
   * Creates the empty, chunked, unlimited dataset in `group`.
   *
   * @throws WsiError `InvalidArgument` for a bad row shape, chunk size or budget.
   * @example
   * ```ts
   * const feats = AppendableDataset.create(file, 'features', { dtype: 'float32', rowShape: [1024] });
   * ```
   */
  static create(group: Group, name: string, opts: AppendableOptions): AppendableDataset {
    if (opts.rowShape.some((d) => !Number.isSafeInteger(d) || d <= 0)) {
      throw new WsiError(
        'InvalidArgument',
        `dataset "${name}": row shape [${opts.rowShape.join(', ')}] must be positive integers`,
      );
    }
    const rowBytes = opts.rowShape.reduce((a, b) => a * b, 1) * DTYPE_BYTES[opts.dtype];
    const budget = opts.byteBudget ?? DEFAULT_BYTE_BUDGET;
    if (!(budget >= 1) || budget > MAX_TRANSFER_BYTES) {
      throw new WsiError('InvalidArgument', `byte budget ${budget} must be between 1 and ${MAX_TRANSFER_BYTES}`);
    }
    if (rowBytes > MAX_TRANSFER_BYTES) {
      throw new WsiError(
        'InvalidArgument',
        `dataset "${name}": one row is ${rowBytes} bytes, over the 2 GiB transfer limit`,
      );
    }
    const chunkRows = opts.chunkRows ?? defaultChunkRows(rowBytes);
    if (!Number.isSafeInteger(chunkRows) || chunkRows < 1) {
      throw new WsiError('InvalidArgument', `dataset "${name}": chunkRows ${chunkRows} must be a positive integer`);
    }
    const empty = opts.dtype === 'int64' ? new BigInt64Array(0) : new Float32Array(0);
    const dataset = group.create_dataset({
      name,
      data: empty,
      shape: [0, ...opts.rowShape],
      dtype: H5WASM_DTYPE[opts.dtype],
      maxshape: [null, ...opts.rowShape],
      chunks: [chunkRows, ...opts.rowShape],
    });
    return new AppendableDataset(dataset, name, opts, budget);
  }

  /** Rows written so far. */
  get length(): number {
    return this.rows;
  }

  /**
   * Appends whole rows (row-major, `rows × rowElements` values), resizing the dataset and writing in slices of at
   * most `byteBudget` bytes. int64 datasets accept Int32Array, Float64Array (integers) or BigInt64Array.
   *
   * @throws WsiError `InvalidArgument` when the length is not a whole number of rows or values do not fit.
   * @example
   * ```ts
   * feats.append(batch); // batch: Float32Array of n × 1024
   * ```
   */
  append(data: RowData): void {
    if (data.length % this.rowElements !== 0) {
      throw new WsiError(
        'InvalidArgument',
        `dataset "${this.name}": ${data.length} values is not a whole number of rows of ${this.rowElements}`,
      );
    }
    const n = data.length / this.rowElements;
    if (n === 0) return;
    const rowBytes = this.rowElements * DTYPE_BYTES[this.dtype];
    const sliceRows = Math.max(1, Math.floor(this.byteBudget / rowBytes));
    this.validate(data);
    const start = this.rows;
    try {
      this.dataset.resize([start + n, ...this.rowShape]);
    } catch (err) {
      throw h5Error(err, 'Io', this.name, 'cannot resize dataset');
    }
    try {
      for (let r = 0; r < n; r += sliceRows) {
        const m = Math.min(sliceRows, n - r);
        const part = this.convert(data, r * this.rowElements, (r + m) * this.rowElements);
        this.dataset.write_slice([[start + r, start + r + m]], part);
      }
    } catch (err) {
      try {
        this.dataset.resize([start, ...this.rowShape]);
      } catch {
        // the file is unusable anyway; the caller aborts the writer
      }
      throw h5Error(err, 'Io', this.name, 'cannot write rows');
    }
    this.rows = start + n;
  }

  /** Checks every value fits the dtype before anything is resized, so a rejected batch leaves no trace. */
  private validate(data: RowData): void {
    if (data instanceof BigInt64Array) {
      if (this.dtype !== 'int64')
        throw new WsiError('InvalidArgument', `dataset "${this.name}": BigInt values need an int64 dataset`);
      return;
    }
    const fast =
      (this.dtype === 'float32' && (data instanceof Float32Array || data instanceof Float64Array)) ||
      (this.dtype === 'float64' && (data instanceof Float32Array || data instanceof Float64Array)) ||
      (this.dtype === 'uint8' && data instanceof Uint8Array) ||
      ((this.dtype === 'int32' || this.dtype === 'int64') && data instanceof Int32Array) ||
      (this.dtype === 'int64' && (data instanceof Uint8Array || data instanceof Uint8ClampedArray));
    if (fast) return;
    const [lo, hi] =
      this.dtype === 'uint8'
        ? [0, 255]
        : this.dtype === 'int32'
          ? [-(2 ** 31), 2 ** 31 - 1]
          : [-Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER];
    const integral = this.dtype !== 'float32' && this.dtype !== 'float64';
    for (let i = 0; i < data.length; i++) {
      const v = data[i];
      if (typeof v !== 'number')
        throw new WsiError('InvalidArgument', `dataset "${this.name}": value ${String(v)} is not a number`);
      if (integral && (!Number.isInteger(v) || v < lo || v > hi)) {
        throw new WsiError('InvalidArgument', `dataset "${this.name}": ${v} is not an integer in [${lo}, ${hi}]`);
      }
    }
  }

  private convert(data: RowData, from: number, to: number): ArrayBufferView {
    const count = to - from;
    switch (this.dtype) {
      case 'int64': {
        if (data instanceof BigInt64Array) return data.subarray(from, to);
        if (this.scratch === undefined || this.scratch.length < count) this.scratch = new BigInt64Array(count);
        const out = this.scratch.subarray(0, count);
        for (let i = 0; i < count; i++) {
          const v = data[from + i] as number;
          if (!Number.isSafeInteger(v)) {
            throw new WsiError('InvalidArgument', `dataset "${this.name}": ${v} is not an integer`);
          }
          out[i] = BigInt(v);
        }
        return out;
      }
      case 'float32':
        return data instanceof Float32Array
          ? data.subarray(from, to)
          : Float32Array.from(numbers(data, from, to, this.name));
      case 'float64':
        return data instanceof Float64Array
          ? data.subarray(from, to)
          : Float64Array.from(numbers(data, from, to, this.name));
      case 'int32':
        return data instanceof Int32Array
          ? data.subarray(from, to)
          : Int32Array.from(ints(data, from, to, this.name, -(2 ** 31), 2 ** 31 - 1));
      case 'uint8':
        return data instanceof Uint8Array
          ? data.subarray(from, to)
          : Uint8Array.from(ints(data, from, to, this.name, 0, 255));
    }
  }
}

function* numbers(data: RowData, from: number, to: number, name: string): Generator<number> {
  for (let i = from; i < to; i++) {
    const v = data[i];
    if (typeof v !== 'number')
      throw new WsiError('InvalidArgument', `dataset "${name}": BigInt values need an int64 dataset`);
    yield v;
  }
}

function* ints(data: RowData, from: number, to: number, name: string, lo: number, hi: number): Generator<number> {
  for (const v of numbers(data, from, to, name)) {
    if (!Number.isInteger(v) || v < lo || v > hi) {
      throw new WsiError('InvalidArgument', `dataset "${name}": ${v} does not fit in [${lo}, ${hi}]`);
    }
    yield v;
  }
}
