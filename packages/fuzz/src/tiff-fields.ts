/**
 * A minimal TIFF/BigTIFF directory walker for field-aware corruption: where each IFD entry, its value and the
 * next-IFD pointers live, so a corruptor can aim at types, counts, offsets, dimensions and IFD chains.
 */
import type { ByteSource } from '@wsi/core';
import { TYPE_SIZE } from '@wsi/testing';
import type { Mutation } from './mutations.js';
import type { Rng } from './rng.js';

/**
 * One IFD entry's location in the file.
 * @example
 * ```ts
 * const counts = map.fields.filter((f: TiffField) => f.tag === 325);
 * ```
 */
export interface TiffField {
  /** File offset of the 12- (20-) byte entry. */
  entry: number;
  tag: number;
  type: number;
  count: number;
  /** File offset of the value bytes (inline or pointed to). */
  valueAt: number;
  /** Bytes per element (0 for unknown types). */
  elemSize: number;
}

/**
 * What the walker found.
 * @example
 * ```ts
 * const map: TiffMap | undefined = await mapTiff(source);
 * ```
 */
export interface TiffMap {
  littleEndian: boolean;
  bigtiff: boolean;
  ifds: number[];
  /** File offsets of every next-IFD pointer (the header's first). */
  nextPointers: number[];
  fields: TiffField[];
  /** Where the first strips / tiles of each image start (their codec headers: JPEG markers, J2K boxes). */
  dataStarts: number[];
}

const MAX_IFDS = 64;
const MAX_ENTRIES = 512;

/**
 * Walks the IFD chain (and SubIFDs) of a TIFF; `undefined` when the header is not TIFF.
 *
 * @example
 * ```ts
 * const map = await mapTiff(new MemorySource(bytes));
 * console.log(map?.ifds.length);
 * ```
 */
export async function mapTiff(src: ByteSource): Promise<TiffMap | undefined> {
  const size = await src.size();
  if (size < 16) return undefined;
  const head = await src.read(0, 16);
  const le = head[0] === 0x49 && head[1] === 0x49;
  if (!le && !(head[0] === 0x4d && head[1] === 0x4d)) return undefined;
  const dv = new DataView(head.buffer, head.byteOffset, head.byteLength);
  const magic = dv.getUint16(2, le);
  if (magic !== 42 && magic !== 43) return undefined;
  const big = magic === 43;
  const map: TiffMap = {
    littleEndian: le,
    bigtiff: big,
    ifds: [],
    nextPointers: [big ? 8 : 4],
    fields: [],
    dataStarts: [],
  };
  const readOff = async (at: number): Promise<number> => {
    if (at + (big ? 8 : 4) > size) return 0;
    const b = await src.read(at, big ? 8 : 4);
    const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
    return big ? Number(v.getBigUint64(0, le)) : v.getUint32(0, le);
  };
  const queue = [await readOff(big ? 8 : 4)];
  while (queue.length > 0 && map.ifds.length < MAX_IFDS) {
    const ifd = queue.shift() as number;
    if (ifd <= 0 || ifd >= size || map.ifds.includes(ifd)) continue;
    map.ifds.push(ifd);
    const countBytes = big ? 8 : 2;
    if (ifd + countBytes > size) continue;
    const cb = await src.read(ifd, countBytes);
    const cv = new DataView(cb.buffer, cb.byteOffset, cb.byteLength);
    const n = Math.min(big ? Number(cv.getBigUint64(0, le)) : cv.getUint16(0, le), MAX_ENTRIES);
    const entrySize = big ? 20 : 12;
    const start = ifd + countBytes;
    if (start + n * entrySize + (big ? 8 : 4) > size) continue;
    const eb = await src.read(start, n * entrySize);
    const ev = new DataView(eb.buffer, eb.byteOffset, eb.byteLength);
    for (let i = 0; i < n; i++) {
      const e = i * entrySize;
      const tag = ev.getUint16(e, le);
      const type = ev.getUint16(e + 2, le);
      const count = big ? Number(ev.getBigUint64(e + 4, le)) : ev.getUint32(e + 4, le);
      const elem = TYPE_SIZE[type] ?? 0;
      const inlineMax = big ? 8 : 4;
      const valueField = start + e + (big ? 12 : 8);
      const valueAt = elem * count <= inlineMax ? valueField : await readOff(valueField);
      map.fields.push({ entry: start + e, tag, type, count, valueAt, elemSize: elem });
      if ((tag === 273 || tag === 324) && (elem === 4 || elem === 8)) {
        for (let k = 0; k < Math.min(count, 16); k++) {
          const p = elem === 8 ? await readOff(valueAt + 8 * k) : await readU32(src, valueAt + 4 * k, le, size);
          if (p > 0 && p < size) map.dataStarts.push(p);
        }
      }
      if (tag === 330 && elem > 0) {
        for (let k = 0; k < Math.min(count, 8); k++) {
          const p = elem === 8 ? await readOff(valueAt + 8 * k) : await readU32(src, valueAt + 4 * k, le, size);
          queue.push(p);
        }
      }
    }
    const nextAt = start + n * entrySize;
    map.nextPointers.push(nextAt);
    queue.push(await readOff(nextAt));
  }
  return map;
}

async function readU32(src: ByteSource, at: number, le: boolean, size: number): Promise<number> {
  if (at + 4 > size) return 0;
  const b = await src.read(at, 4);
  return new DataView(b.buffer, b.byteOffset, 4).getUint32(0, le);
}

/**
 * Encodes an unsigned integer of `width` bytes in the file's byte order.
 * @example
 * ```ts
 * encodeUint(0x0102, 2, true); // [2, 1]
 * ```
 */
export function encodeUint(value: number, width: number, le: boolean): number[] {
  const out: number[] = [];
  let v = BigInt.asUintN(width * 8, BigInt(Math.floor(value)));
  for (let i = 0; i < width; i++) {
    out.push(Number(v & 0xffn));
    v >>= 8n;
  }
  return le ? out : out.reverse();
}

/** Tags whose values are dimensions or layout numbers. */
const DIMENSION_TAGS = [256, 257, 322, 323, 277, 258, 259, 262, 284, 278, 32997, 530, 532];
/** Tags whose values are arrays of offsets or byte counts (NDPI's MCU starts: 65426). */
const ARRAY_TAGS = [273, 279, 324, 325, 65426, 65432, 330, 347];

function valueFor(rng: Rng, size: number, others: readonly number[]): number {
  switch (rng.int(6)) {
    case 0:
      return size - rng.int(64);
    case 1:
      return size + rng.int(1 << 20);
    case 2:
      return others.length > 0 ? rng.pick(others) : 0;
    case 3:
      return rng.int(size);
    default:
      return rng.interesting();
  }
}

/**
 * Field-aware TIFF corruption: 1–3 edits aimed at tag types, counts, value offsets, dimension and array tags
 * (strip/tile offsets and byte counts, NDPI MCU starts), next-IFD pointers and IFD loops.
 *
 * @example
 * ```ts
 * const muts = corruptTiff(map, size, new Rng(1));
 * ```
 */
export function corruptTiff(map: TiffMap, size: number, rng: Rng): Mutation[] {
  const out: Mutation[] = [];
  const le = map.littleEndian;
  const off = map.bigtiff ? 8 : 4;
  const edits = 1 + rng.int(3);
  for (let k = 0; k < edits && map.fields.length > 0; k++) {
    const choice = rng.int(9);
    const dims = map.fields.filter((f) => DIMENSION_TAGS.includes(f.tag));
    const arrays = map.fields.filter((f) => ARRAY_TAGS.includes(f.tag) && f.elemSize > 0 && f.count > 0);
    if (choice === 0) {
      const f = rng.pick(map.fields);
      out.push({ op: 'set', at: f.entry + 2, bytes: encodeUint(rng.int(20), 2, le), why: `type of tag ${f.tag}` });
    } else if (choice === 1) {
      const f = rng.pick(map.fields);
      const v = rng.chance(0.5) ? rng.interesting() : f.count + rng.int(5) - 2;
      out.push({ op: 'set', at: f.entry + 4, bytes: encodeUint(v, off, le), why: `count of tag ${f.tag}` });
    } else if (choice === 2) {
      const f = rng.pick(map.fields);
      const at = f.entry + (map.bigtiff ? 12 : 8);
      out.push({
        op: 'set',
        at,
        bytes: encodeUint(valueFor(rng, size, map.ifds), off, le),
        why: `value/offset of tag ${f.tag}`,
      });
    } else if ((choice === 3 || choice === 4) && dims.length > 0) {
      const f = rng.pick(dims);
      const w = Math.max(1, f.elemSize || 2);
      const v = rng.pick([
        0,
        1,
        2,
        3,
        7,
        15,
        17,
        0xffff,
        0xfffe,
        65537,
        1 << 20,
        0x7fffffff,
        0xffffffff,
        rng.int(5000),
      ]);
      out.push({ op: 'set', at: f.valueAt, bytes: encodeUint(v, Math.min(w, 4), le), why: `dimension tag ${f.tag}` });
    } else if ((choice === 5 || choice === 6) && arrays.length > 0) {
      const f = rng.pick(arrays);
      const i = rng.int(f.count);
      const w = Math.min(f.elemSize, 8);
      out.push({
        op: 'set',
        at: f.valueAt + i * f.elemSize,
        bytes: encodeUint(valueFor(rng, size, []), w, le),
        why: `element ${i} of tag ${f.tag}`,
      });
    } else if (choice === 8 && map.dataStarts.length > 0 && rng.chance(0.5)) {
      // inside a strip's / tile's codec header (JPEG SOF/DHT/DQT/DRI, J2K SIZ…): the decoder's own checks
      const at = Math.min(rng.pick(map.dataStarts) + rng.int(700), size - 1);
      const bytes = rng.chance(0.5) ? [rng.int(256)] : encodeUint(rng.interesting(), 2, false);
      out.push({ op: 'set', at, bytes, why: 'codec header of a strip/tile' });
    } else if (choice === 7 && map.nextPointers.length > 0) {
      const at = rng.pick(map.nextPointers);
      const target = rng.chance(0.6) && map.ifds.length > 0 ? rng.pick(map.ifds) : valueFor(rng, size, map.ifds);
      out.push({ op: 'set', at, bytes: encodeUint(target, off, le), why: 'next-IFD pointer (loop or wild)' });
    } else {
      // copy one IFD entry over another (duplicate tags, tags out of order)
      const a = rng.pick(map.fields);
      const b = rng.pick(map.fields);
      out.push({
        op: 'dup',
        from: a.entry,
        length: map.bigtiff ? 20 : 12,
        at: b.entry,
        why: `entry ${a.tag} inserted`,
      });
      out.push({
        op: 'cut',
        at: b.entry + (map.bigtiff ? 20 : 12),
        length: map.bigtiff ? 20 : 12,
        why: 'keep IFD size',
      });
    }
  }
  return out;
}
