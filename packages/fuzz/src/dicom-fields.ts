/**
 * A minimal DICOM (explicit VR little endian) element walker for field-aware corruption: element lengths, key
 * numeric values (rows, columns, frames, total pixel matrix) and the encapsulated pixel data's items (basic offset
 * table, fragment lengths).
 */
import type { ByteSource } from '@wsi/core';
import type { Mutation } from './mutations.js';
import type { Rng } from './rng.js';
import { encodeUint } from './tiff-fields.js';

/**
 * One element (or pixel-data item) located in the file.
 * @example
 * ```ts
 * const rows = fields.find((f: DicomField) => f.tag === 0x00280010);
 * ```
 */
export interface DicomField {
  tag: number;
  vr: string;
  /** File offset of the length field. */
  lengthAt: number;
  /** Width of the length field (2 or 4). */
  lengthWidth: number;
  valueAt: number;
  length: number;
}

const LONG_VRS = new Set(['OB', 'OD', 'OF', 'OL', 'OW', 'OV', 'SQ', 'SV', 'UC', 'UN', 'UR', 'UT', 'UV']);
const MAX_FIELDS = 4096;

/**
 * Walks the data set of a Part-10 file (nested sequences and encapsulated pixel data items included).
 *
 * @example
 * ```ts
 * const fields = await mapDicom(new MemorySource(bytes));
 * ```
 */
export async function mapDicom(src: ByteSource): Promise<DicomField[] | undefined> {
  const size = await src.size();
  if (size < 140) return undefined;
  const all = await src.read(0, Math.min(size, 64 << 20));
  if (String.fromCharCode(...all.subarray(128, 132)) !== 'DICM') return undefined;
  const dv = new DataView(all.buffer, all.byteOffset, all.byteLength);
  const fields: DicomField[] = [];
  const walk = (start: number, end: number, depth: number): number => {
    let p = start;
    while (p + 8 <= end && fields.length < MAX_FIELDS) {
      const group = dv.getUint16(p, true);
      const elem = dv.getUint16(p + 2, true);
      const tag = (group << 16) | elem;
      if (group === 0xfffe) {
        // item / delimiters
        const len = dv.getUint32(p + 4, true);
        fields.push({ tag, vr: 'IT', lengthAt: p + 4, lengthWidth: 4, valueAt: p + 8, length: len });
        if (elem === 0xe00d || elem === 0xe0dd) return p + 8;
        if (len === 0xffffffff) p = walk(p + 8, end, depth + 1);
        else if (depth >= 0 && tag !== (0xfffee000 | 0)) p += 8 + len;
        else p += 8 + len;
        continue;
      }
      const vr = String.fromCharCode(all[p + 4] ?? 0, all[p + 5] ?? 0);
      let len: number;
      let lengthAt: number;
      let lengthWidth: number;
      if (LONG_VRS.has(vr)) {
        lengthAt = p + 8;
        lengthWidth = 4;
        if (p + 12 > end) break;
        len = dv.getUint32(p + 8, true);
      } else {
        lengthAt = p + 6;
        lengthWidth = 2;
        len = dv.getUint16(p + 6, true);
      }
      const valueAt = lengthAt + lengthWidth;
      fields.push({ tag, vr, lengthAt, lengthWidth, valueAt, length: len });
      if (len === 0xffffffff) {
        if (depth > 8) break;
        p = walk(valueAt, end, depth + 1);
      } else p = valueAt + len;
    }
    return p;
  };
  walk(132, all.length, 0);
  return fields;
}

/** Tags whose values say how big things are: rows, columns, frames, bits, total pixel matrix, samples. */
const SIZE_TAGS = [0x00280010, 0x00280011, 0x00280008, 0x00280100, 0x00280002, 0x00480006, 0x00480007, 0x00280006];

/**
 * Field-aware DICOM corruption: 1–3 edits of element lengths, size-defining values (rows, columns, frames, total
 * pixel matrix), item lengths and basic-offset-table entries.
 *
 * @example
 * ```ts
 * const muts = corruptDicom(fields, size, new Rng(3));
 * ```
 */
export function corruptDicom(fields: readonly DicomField[], size: number, rng: Rng): Mutation[] {
  const out: Mutation[] = [];
  if (fields.length === 0) return out;
  const edits = 1 + rng.int(3);
  for (let k = 0; k < edits; k++) {
    const choice = rng.int(5);
    const sizes = fields.filter((f) => SIZE_TAGS.includes(f.tag >>> 0) && f.length > 0);
    const items = fields.filter((f) => f.vr === 'IT' && f.tag >>> 0 === 0xfffee000);
    if (choice === 0) {
      const f = rng.pick(fields);
      const v = rng.pick([0, 1, 2, 3, f.length + 1, f.length - 1, 0xffff, 0xfffffffe, 0xffffffff, rng.int(size)]);
      out.push({
        op: 'set',
        at: f.lengthAt,
        bytes: encodeUint(v, f.lengthWidth, true),
        why: `length of ${hex(f.tag)}`,
      });
    } else if (choice === 1 && sizes.length > 0) {
      const f = rng.pick(sizes);
      if (f.vr === 'IS' || f.vr === 'DS') {
        const text = String(rng.pick([0, -1, 1, 99999999, 2147483648, rng.int(100000)])).slice(0, f.length);
        const bytes = Array.from(text.padEnd(f.length, ' '), (c) => c.charCodeAt(0));
        out.push({ op: 'set', at: f.valueAt, bytes, why: `value of ${hex(f.tag)}` });
      } else {
        const w = Math.min(f.length, 4);
        const v = rng.pick([0, 1, 3, 0xffff, 0xfffe, 0x7fffffff, 0xffffffff, rng.int(70000)]);
        out.push({ op: 'set', at: f.valueAt, bytes: encodeUint(v, w, true), why: `value of ${hex(f.tag)}` });
      }
    } else if (choice === 2 && items.length > 0) {
      const f = rng.pick(items);
      const v = rng.pick([0, 1, 4, f.length + 2, f.length - 2, 0xffffffff, rng.int(size)]);
      out.push({ op: 'set', at: f.lengthAt, bytes: encodeUint(v, 4, true), why: 'pixel data item length' });
    } else if (choice === 3 && items.length > 0) {
      const bot = items[0] as DicomField; // the basic offset table is the first item of the pixel data
      if (bot.length >= 4) {
        const i = rng.int(Math.floor(bot.length / 4));
        const v = rng.pick([0, 1, 0xffffffff, rng.int(size), size]);
        out.push({ op: 'set', at: bot.valueAt + 4 * i, bytes: encodeUint(v, 4, true), why: `offset table entry ${i}` });
      }
    } else {
      const f = rng.pick(fields);
      if (f.length > 0 && f.length !== 0xffffffff) {
        const at = f.valueAt + rng.int(Math.min(f.length, 64));
        out.push({ op: 'set', at, bytes: [rng.int(256)], why: `value byte of ${hex(f.tag)}` });
      }
    }
  }
  return out;
}

function hex(tag: number): string {
  return `(${((tag >>> 16) & 0xffff).toString(16).padStart(4, '0')},${(tag & 0xffff).toString(16).padStart(4, '0')})`;
}
