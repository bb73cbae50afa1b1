/**
 * The `qc` dataset of a coords file: per-patch quality-control measures, **N×K float32** aligned row by row with
 * `coords`, column names in its `columns` attribute (see docs/formats.md, "Coords files").
 */
import { WsiError } from '@wsi/core';
import type { Dataset, File } from 'h5wasm/node';
import { AppendableDataset } from './appendable.js';
import { type AttrInput, type AttrValue, readAttr, readAttrs, writeAttrs } from './attrs.js';
import { getDataset, readRows } from './read.js';

/**
 * Per-patch quality-control values: `data[row * columns.length + col]`.
 *
 * @example
 * ```ts
 * const qc: QcTable = { columns: ['tissue', 'pen'], data: new Float32Array([0.9, 0, 0.1, 0.4]) };
 * ```
 */
export interface QcTable {
  columns: readonly string[];
  /** N×K float32, row-major. */
  data: Float32Array;
  /** Extra attributes written on (or read from) `qc`, e.g. the thresholds used for `flags`. */
  attrs?: Record<string, AttrInput | AttrValue>;
}

/**
 * Checks that a table has named, unique columns and fills whole rows; returns its row count.
 *
 * @throws WsiError `InvalidArgument` otherwise.
 * @example
 * ```ts
 * const n = checkQcTable({ columns: ['tissue'], data: new Float32Array(10) }); // 10
 * ```
 */
export function checkQcTable(table: QcTable): number {
  const k = table.columns.length;
  if (k === 0 || table.columns.some((c) => typeof c !== 'string' || c === '')) {
    throw new WsiError('InvalidArgument', 'a qc table needs at least one named column');
  }
  if (new Set(table.columns).size !== k) {
    throw new WsiError('InvalidArgument', `qc column names must be unique: ${table.columns.join(', ')}`);
  }
  if (!(table.data instanceof Float32Array) || table.data.length % k !== 0) {
    throw new WsiError('InvalidArgument', `${table.data.length} qc values do not fill rows of ${k} columns`);
  }
  return table.data.length / k;
}

/**
 * Writes `qc` (N×K float32, chunked, unlimited first dimension) with its `columns` attribute into an open file.
 *
 * @throws WsiError `InvalidArgument` for a malformed table.
 * @example
 * ```ts
 * writeQcDataset(writer.file, { columns: ['tissue'], data });
 * ```
 */
export function writeQcDataset(file: File, table: QcTable, byteBudget?: number): void {
  checkQcTable(table);
  const ds = AppendableDataset.create(file, 'qc', {
    dtype: 'float32',
    rowShape: [table.columns.length],
    ...(byteBudget === undefined ? {} : { byteBudget }),
  });
  const extra: Record<string, AttrInput> = {};
  for (const [k, v] of Object.entries(table.attrs ?? {})) {
    if (k === 'columns' || v === undefined) continue;
    // bigint arrays (only ever read back, never produced by us) are stored as their JSON text
    extra[k] =
      Array.isArray(v) && v.some((x) => typeof x === 'bigint') ? JSON.stringify(v.map(String)) : (v as AttrInput);
  }
  writeAttrs(ds.dataset, { columns: [...table.columns], ...extra });
  if (table.data.length > 0) ds.append(table.data);
}

/**
 * Reads the `qc` dataset of an open file when present (undefined otherwise), checking it has `rows` rows.
 *
 * @throws WsiError `CorruptFile` for a wrong shape or dtype, a row count that differs from `coords`, or a
 *   `columns` attribute that does not name every column.
 * @example
 * ```ts
 * const qc = readQcDataset(file, path, coordsRows);
 * ```
 */
export function readQcDataset(file: File, path: string, rows: number, fileSize?: number): QcTable | undefined {
  if (!file.keys().includes('qc')) return undefined;
  const info = getDataset(file, path, 'qc', {
    ranks: [2],
    dtypes: ['float32', 'float64'],
    ...(fileSize === undefined ? {} : { fileSize }),
  });
  const [n = 0, k = 0] = info.shape;
  if (n !== rows) throw new WsiError('CorruptFile', `${path}: "qc" has ${n} rows but "coords" has ${rows}`);
  const columns = readAttr(info.dataset as Dataset, 'columns');
  const names = typeof columns === 'string' ? [columns] : columns;
  if (!Array.isArray(names) || names.length !== k || !names.every((c) => typeof c === 'string')) {
    throw new WsiError('CorruptFile', `${path}: "qc" attribute "columns" does not name its ${k} columns`);
  }
  const raw = readRows(info);
  const { columns: _c, ...attrs } = readAttrs(info.dataset as Dataset);
  return {
    columns: names as string[],
    data: raw instanceof Float32Array ? raw : Float32Array.from(raw as Float64Array),
    attrs,
  };
}
