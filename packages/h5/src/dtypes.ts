/**
 * The element types our datasets use, and their h5wasm spellings (h5wasm follows Python's `struct` letters:
 * `<q` is int64, `<i` int32, `<f` float32, `<d` float64, `<B` uint8).
 */
import type { Metadata } from 'h5wasm/node';

/**
 * Element type of a dataset or attribute, named as numpy names it.
 *
 * @example
 * ```ts
 * const t: H5Dtype = 'float32';
 * ```
 */
export type H5Dtype = 'float32' | 'float64' | 'uint8' | 'int32' | 'int64';

/**
 * h5wasm dtype string of each {@link H5Dtype}.
 *
 * @example
 * ```ts
 * group.create_dataset({ name: 'x', data: new BigInt64Array(2), dtype: H5WASM_DTYPE.int64 });
 * ```
 */
export const H5WASM_DTYPE: Readonly<Record<H5Dtype, string>> = {
  float32: '<f',
  float64: '<d',
  uint8: '<B',
  int32: '<i',
  int64: '<q',
};

/**
 * Bytes per element of each {@link H5Dtype}.
 *
 * @example
 * ```ts
 * const rowBytes = 1024 * DTYPE_BYTES.float32;
 * ```
 */
export const DTYPE_BYTES: Readonly<Record<H5Dtype, number>> = {
  float32: 4,
  float64: 8,
  uint8: 1,
  int32: 4,
  int64: 8,
};

/**
 * A numpy-style name (`int64`, `float32`, `uint16`, `string`, `compound`…) for h5wasm metadata, for messages
 * and `inspectH5`.
 *
 * @example
 * ```ts
 * dtypeName(ds.metadata); // 'int64'
 * ```
 */
export function dtypeName(meta: Metadata): string {
  // H5T class numbers: 0 integer, 1 float, 3 string, 6 compound, 7 reference, 8 enum, 9 vlen, 10 array.
  switch (meta.type) {
    case 0:
      return `${meta.signed ? 'int' : 'uint'}${meta.size * 8}${meta.littleEndian || meta.size === 1 ? '' : '(BE)'}`;
    case 1:
      return `float${meta.size * 8}${meta.littleEndian ? '' : '(BE)'}`;
    case 3:
      return meta.vlen ? 'string' : `string[${meta.size}]`;
    case 6:
      return 'compound';
    case 7:
      return 'reference';
    case 8:
      return 'enum';
    case 9:
      return 'vlen';
    case 10:
      return 'array';
    default:
      return `class${meta.type}`;
  }
}

/**
 * The {@link H5Dtype} of numeric metadata, or undefined for anything else (strings, big-endian, uint16…).
 *
 * @example
 * ```ts
 * if (asH5Dtype(ds.metadata) !== 'float32') throw new Error('features must be float32');
 * ```
 */
export function asH5Dtype(meta: Metadata): H5Dtype | undefined {
  const name = dtypeName(meta);
  return (Object.keys(DTYPE_BYTES) as H5Dtype[]).find((d) => d === name);
}
