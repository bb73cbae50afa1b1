/**
 * Encoding of one IFD (image file directory), classic or BigTIFF, little- or big-endian.
 */
import { WsiError } from '@wsi/core';
import { TiffType, type TiffTypeCode, TYPE_SIZE } from './constants.js';

/**
 * One TIFF field. `value` is a string for ASCII, bytes for BYTE/UNDEFINED, else numbers (RATIONAL and
 * SRATIONAL as flat `[num, den, num, den…]` pairs) or bigints for the 64-bit types.
 *
 * @example
 * ```ts
 * const software: TiffTag = { tag: 305, type: TiffType.ASCII, value: '@wsi/testing' };
 * const xres: TiffTag = { tag: 282, type: TiffType.RATIONAL, value: [20040, 1] };
 * ```
 */
export interface TiffTag {
  tag: number;
  type: TiffTypeCode;
  value: string | Uint8Array | readonly number[] | readonly bigint[];
}

const enc = new TextEncoder();

function valueBytes(t: TiffTag): number {
  return valueCount(t) * (TYPE_SIZE[t.type] ?? 1);
}

function valueCount(t: TiffTag): number {
  if (typeof t.value === 'string') return enc.encode(t.value).length + 1;
  if (t.type === TiffType.RATIONAL || t.type === TiffType.SRATIONAL) return t.value.length / 2;
  return t.value.length;
}

/** Bytes an IFD with these tags takes (entries, next pointer and out-of-line values, word aligned). */
export function ifdByteSize(tags: readonly TiffTag[], big: boolean): number {
  const inline = big ? 8 : 4;
  let n = (big ? 8 : 2) + tags.length * (big ? 20 : 12) + (big ? 8 : 4);
  for (const t of tags) {
    const b = valueBytes(t);
    if (b > inline) n += b + (b & 1);
  }
  return n;
}

function writeValues(dv: DataView, pos: number, t: TiffTag, le: boolean): void {
  const v = t.value;
  if (typeof v === 'string') {
    const b = enc.encode(v);
    for (let i = 0; i < b.length; i++) dv.setUint8(pos + i, b[i] as number);
    dv.setUint8(pos + b.length, 0);
    return;
  }
  const size = TYPE_SIZE[t.type] ?? 1;
  const isRational = t.type === TiffType.RATIONAL || t.type === TiffType.SRATIONAL;
  const step = isRational ? 4 : size;
  for (let i = 0; i < v.length; i++) {
    const x = v[i] as number | bigint;
    const p = pos + i * step;
    switch (t.type) {
      case TiffType.BYTE:
      case TiffType.UNDEFINED:
      case TiffType.ASCII:
        dv.setUint8(p, Number(x));
        break;
      case TiffType.SBYTE:
        dv.setInt8(p, Number(x));
        break;
      case TiffType.SHORT:
        dv.setUint16(p, Number(x), le);
        break;
      case TiffType.SSHORT:
        dv.setInt16(p, Number(x), le);
        break;
      case TiffType.LONG:
      case TiffType.IFD:
      case TiffType.RATIONAL:
        dv.setUint32(p, Number(x), le);
        break;
      case TiffType.SLONG:
      case TiffType.SRATIONAL:
        dv.setInt32(p, Number(x), le);
        break;
      case TiffType.FLOAT:
        dv.setFloat32(p, Number(x), le);
        break;
      case TiffType.DOUBLE:
        dv.setFloat64(p, Number(x), le);
        break;
      case TiffType.LONG8:
      case TiffType.IFD8:
        dv.setBigUint64(p, BigInt(x), le);
        break;
      case TiffType.SLONG8:
        dv.setBigInt64(p, BigInt(x), le);
        break;
      default:
        throw new WsiError('InvalidArgument', `unknown TIFF type ${t.type} for tag ${t.tag}`);
    }
  }
}

function setOffset(dv: DataView, pos: number, value: number, big: boolean, le: boolean): void {
  if (big) dv.setBigUint64(pos, BigInt(value), le);
  else dv.setUint32(pos, value, le);
}

/**
 * Serialises one IFD that will sit at file offset `at`; `next` is the offset of the following IFD (0 = last).
 * Tags are sorted by id; a duplicate id is an error.
 *
 * @example
 * ```ts
 * const bytes = encodeIfd([{ tag: 256, type: TiffType.LONG, value: [512] }], 8, 0, false, true);
 * ```
 */
export function encodeIfd(tags: readonly TiffTag[], at: number, next: number, big: boolean, le: boolean): Uint8Array {
  const sorted = [...tags].sort((a, b) => a.tag - b.tag);
  for (let i = 1; i < sorted.length; i++) {
    if ((sorted[i] as TiffTag).tag === (sorted[i - 1] as TiffTag).tag) {
      throw new WsiError('InvalidArgument', `duplicate TIFF tag ${(sorted[i] as TiffTag).tag}`);
    }
  }
  const size = ifdByteSize(sorted, big);
  const out = new Uint8Array(size);
  const dv = new DataView(out.buffer);
  const entry = big ? 20 : 12;
  const inline = big ? 8 : 4;
  let p = 0;
  if (big) dv.setBigUint64(0, BigInt(sorted.length), le);
  else dv.setUint16(0, sorted.length, le);
  p = big ? 8 : 2;
  let extra = p + sorted.length * entry + inline;
  for (const t of sorted) {
    const count = valueCount(t);
    dv.setUint16(p, t.tag, le);
    dv.setUint16(p + 2, t.type, le);
    setOffset(dv, p + 4, count, big, le);
    const vp = p + (big ? 12 : 8);
    const nb = valueBytes(t);
    if (nb <= inline) {
      writeValues(dv, vp, t, le);
    } else {
      setOffset(dv, vp, at + extra, big, le);
      writeValues(dv, extra, t, le);
      extra += nb + (nb & 1);
    }
    p += entry;
  }
  setOffset(dv, p, next, big, le);
  return out;
}

/**
 * The file header: `II*\0` / `MM\0*` (classic) or the BigTIFF `+` header, pointing at the first IFD.
 *
 * @example
 * ```ts
 * const h = encodeHeader(4096, true, true); // 16 bytes of BigTIFF header
 * ```
 */
export function encodeHeader(firstIfd: number, big: boolean, le: boolean): Uint8Array {
  const out = new Uint8Array(big ? 16 : 8);
  const dv = new DataView(out.buffer);
  out[0] = out[1] = le ? 0x49 : 0x4d;
  dv.setUint16(2, big ? 43 : 42, le);
  if (big) {
    dv.setUint16(4, 8, le);
    dv.setUint16(6, 0, le);
    dv.setBigUint64(8, BigInt(firstIfd), le);
  } else {
    dv.setUint32(4, firstIfd, le);
  }
  return out;
}
