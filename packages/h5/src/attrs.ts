/**
 * Attribute helpers typed the way h5py (and so CLAM and Trident) writes Python values: `int` → int64,
 * `float` → float64, `str` → variable-length UTF-8 string, tuples → 1-D arrays.
 */
import { WsiError } from '@wsi/core';
import type { Attribute, Dataset, Group } from 'h5wasm/node';
import { dtypeName, type H5Dtype, H5WASM_DTYPE } from './dtypes.js';

/**
 * A value stored with an explicit element type (e.g. CLAM's `downsample`, float64 even when whole).
 *
 * @example
 * ```ts
 * const a: TypedAttr = { dtype: 'float64', value: [1, 1] };
 * ```
 */
export interface TypedAttr {
  dtype: H5Dtype;
  value: number | readonly number[];
}

/**
 * What can be written as an attribute. Plain integers become int64, other numbers float64.
 *
 * @example
 * ```ts
 * const attrs: Record<string, AttrInput> = { patch_size: 256, name: 's1', level_dim: [1000, 800] };
 * ```
 */
export type AttrInput = string | readonly string[] | number | bigint | boolean | readonly number[] | TypedAttr;

/**
 * What attributes read back as: int64 becomes number when it is safe, bigint otherwise.
 *
 * @example
 * ```ts
 * const v: AttrValue | undefined = readAttr(ds, 'level_dim'); // [46000, 32914]
 * ```
 */
export type AttrValue = string | string[] | number | bigint | boolean | number[] | bigint[];

/**
 * Marks a number (or numbers) to be stored as float64 even when whole (CLAM's `downsample` is `(1.0, 1.0)`).
 *
 * @example
 * ```ts
 * writeAttrs(ds, { downsample: f64([1, 1]) });
 * ```
 */
export function f64(value: number | readonly number[]): TypedAttr {
  return { dtype: 'float64', value };
}

/**
 * Marks a number (or numbers) to be stored as int64 (throws when not an integer).
 *
 * @example
 * ```ts
 * writeAttrs(ds, { level_dim: i64([46000, 32914]) });
 * ```
 */
export function i64(value: number | readonly number[]): TypedAttr {
  return { dtype: 'int64', value };
}

function isTyped(v: AttrInput): v is TypedAttr {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && 'dtype' in v;
}

function numericAttr(
  target: Dataset | Group,
  name: string,
  values: readonly number[],
  shape: number[],
  dtype: H5Dtype,
): void {
  if (dtype === 'int64' || dtype === 'int32' || dtype === 'uint8') {
    for (const x of values) {
      if (!Number.isSafeInteger(x)) {
        throw new WsiError('InvalidArgument', `attribute "${name}" must hold integers, got ${x}`);
      }
    }
  } else if (values.some((x) => typeof x !== 'number')) {
    throw new WsiError('InvalidArgument', `attribute "${name}" must hold numbers`);
  }
  const data = dtype === 'int64' ? BigInt64Array.from(values, (x) => BigInt(x)) : values.slice();
  target.create_attribute(name, data as number[], shape, H5WASM_DTYPE[dtype]);
}

/**
 * Writes attributes on a dataset or group (replacing existing ones of the same name). `undefined` values are
 * skipped. Integers → int64, other numbers → float64, strings → UTF-8 variable-length strings, string arrays →
 * 1-D string arrays, booleans → the strings `True`/`False`.
 *
 * @example
 * ```ts
 * writeAttrs(file.get('coords') as Dataset, { patch_size: 256, name: 'slide-1', downsample: f64([1, 1]) });
 * ```
 */
export function writeAttrs(target: Dataset | Group, attrs: Record<string, AttrInput | undefined>): void {
  for (const [name, raw] of Object.entries(attrs)) {
    if (raw === undefined) continue;
    if (name in target.attrs) target.delete_attribute(name);
    if (isTyped(raw)) {
      const arr = typeof raw.value === 'number' ? [raw.value] : raw.value;
      numericAttr(target, name, arr, typeof raw.value === 'number' ? [] : [arr.length], raw.dtype);
    } else if (typeof raw === 'string') {
      target.create_attribute(name, raw, null, 'S');
    } else if (typeof raw === 'boolean') {
      target.create_attribute(name, raw ? 'True' : 'False', null, 'S');
    } else if (typeof raw === 'bigint') {
      target.create_attribute(name, new BigInt64Array([raw]) as unknown as number[], [], '<q');
    } else if (typeof raw === 'number') {
      numericAttr(target, name, [raw], [], Number.isInteger(raw) ? 'int64' : 'float64');
    } else if (raw.every((x): x is string => typeof x === 'string')) {
      target.create_attribute(name, [...(raw as readonly string[])], [raw.length], 'S');
    } else {
      const nums = raw as readonly number[];
      numericAttr(target, name, nums, [nums.length], nums.every(Number.isInteger) ? 'int64' : 'float64');
    }
  }
}

function toPlain(v: unknown): AttrValue {
  if (typeof v === 'bigint') return Number.isSafeInteger(Number(v)) ? Number(v) : v;
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return v;
  if (v instanceof BigInt64Array || v instanceof BigUint64Array) {
    const arr = Array.from(v as ArrayLike<bigint>);
    return arr.every((x) => Number.isSafeInteger(Number(x))) ? arr.map(Number) : arr;
  }
  if (ArrayBuffer.isView(v)) return Array.from(v as unknown as ArrayLike<number>);
  if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v as string[];
  if (Array.isArray(v) && v.every((x) => typeof x === 'number')) return v as number[];
  return JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? x.toString() : x));
}

/**
 * Reads one attribute as a plain value, or undefined when absent. Bytes-like fixed strings come back as strings.
 *
 * @example
 * ```ts
 * const size = readAttr(ds, 'patch_size'); // 256
 * ```
 */
export function readAttr(target: Dataset | Group, name: string): AttrValue | undefined {
  const attr: Attribute | undefined = target.attrs[name];
  if (attr === undefined) return undefined;
  try {
    return toPlain(attr.value);
  } catch (err) {
    throw new WsiError('CorruptFile', `attribute "${name}" of ${dtypeName(attr.metadata)} cannot be read`, {
      cause: err,
    });
  }
}

/**
 * Reads every attribute of a dataset or group as plain values.
 *
 * @example
 * ```ts
 * const attrs = readAttrs(file.get('coords') as Dataset); // { patch_size: 256, level_dim: [46000, 32914], … }
 * ```
 */
export function readAttrs(target: Dataset | Group): Record<string, AttrValue> {
  const out: Record<string, AttrValue> = {};
  for (const name of Object.keys(target.attrs)) {
    const v = readAttr(target, name);
    if (v !== undefined) out[name] = v;
  }
  return out;
}
