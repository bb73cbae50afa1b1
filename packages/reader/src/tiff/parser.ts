/**
 * TIFF / BigTIFF structure parser over a {@link ByteSource}: header, IFD chain, SubIFDs, loop detection.
 * Only directory bytes and small tag values are read; pixel data and per-tile arrays are left for later.
 */
import { type ByteSource, isWsiError, WsiError } from '@wsi/core';
import {
  corrupt,
  decodeNumbers,
  EAGER_VALUE_BYTES,
  LAZY_TAGS,
  type TiffContext,
  type TiffEntry,
  TiffIfd,
} from './ifd.js';
import { TAG, TYPE, TYPE_SIZE } from './tags.js';

/**
 * Limits that keep a hostile file from driving work or allocation.
 *
 * @example
 * ```ts
 * TIFF_LIMITS.maxIfds; // 4096 directories at most
 * ```
 */
export const TIFF_LIMITS = {
  /** Directories in the main chain. */
  maxIfds: 4096,
  /** Entries in one directory. */
  maxEntries: 4096,
  /** SubIFDs named by one directory (and depth of nesting: 1). */
  maxSubIfds: 64,
} as const;

/**
 * A parsed TIFF file: its directories in chain order, each with its SubIFDs.
 *
 * @example
 * ```ts
 * const tiff: TiffFile = await parseTiff(await openByteSource('slide.tif'));
 * console.log(tiff.bigTiff, tiff.ifds.length);
 * ```
 */
export interface TiffFile {
  readonly ctx: TiffContext;
  readonly littleEndian: boolean;
  readonly bigTiff: boolean;
  /** The main IFD chain. */
  readonly ifds: readonly TiffIfd[];
}

/**
 * True when the bytes start with a TIFF or BigTIFF header (either byte order).
 *
 * @example
 * ```ts
 * isTiffHeader(new Uint8Array([0x49, 0x49, 42, 0])); // true: little-endian classic TIFF
 * ```
 */
export function isTiffHeader(head: Uint8Array): boolean {
  if (head.length < 4) return false;
  const le = head[0] === 0x49 && head[1] === 0x49;
  const be = head[0] === 0x4d && head[1] === 0x4d;
  if (!le && !be) return false;
  const magic = le
    ? (head[2] as number) | ((head[3] as number) << 8)
    : ((head[2] as number) << 8) | (head[3] as number);
  return magic === 42 || magic === 43;
}

/**
 * Parses a TIFF or BigTIFF file's structure.
 * Non-TIFF input → `UnsupportedFormat`; broken structure (offsets past the end, loops, absurd counts) →
 * `CorruptFile`.
 *
 * @example
 * ```ts
 * import { MemorySource } from '@wsi/core';
 * const tiff = await parseTiff(new MemorySource(bytes));
 * console.log(tiff.ifds.length, tiff.bigTiff);
 * ```
 */
export async function parseTiff(source: ByteSource, signal?: AbortSignal): Promise<TiffFile> {
  const size = await source.size();
  const head = await source.read(0, Math.min(16, size), { signal });
  if (!isTiffHeader(head)) {
    throw new WsiError('UnsupportedFormat', `${source.description}: not a TIFF file`, {
      details: { source: source.description },
    });
  }
  const littleEndian = head[0] === 0x49;
  const dv = new DataView(head.buffer, head.byteOffset, head.byteLength);
  const bigTiff = dv.getUint16(2, littleEndian) === 43;
  const ctx: TiffContext = { source, size, littleEndian, bigTiff };
  let first: number;
  let ndpiFirst: number | undefined;
  if (bigTiff) {
    if (head.length < 16) throw corrupt(ctx, 'truncated BigTIFF header');
    if (dv.getUint16(4, littleEndian) !== 8) throw corrupt(ctx, 'BigTIFF offset size is not 8');
    first = u64(dv, 8, littleEndian);
  } else {
    if (head.length < 8) throw corrupt(ctx, 'truncated TIFF header');
    first = dv.getUint32(4, littleEndian);
    if (size >= 2 ** 32 && head.length >= 12) ndpiFirst = await ndpiFirstIfd(ctx, dv, signal);
  }
  if (ndpiFirst !== undefined) {
    ctx.ndpi64 = true;
    first = ndpiFirst;
  }
  const seen = new Set<number>();
  const ifds: TiffIfd[] = [];
  let next = first;
  try {
    while (next !== 0) {
      if (ifds.length >= TIFF_LIMITS.maxIfds) throw corrupt(ctx, `more than ${TIFF_LIMITS.maxIfds} directories`);
      const { ifd, nextOffset } = await readIfd(ctx, next, ifds.length, seen, signal);
      ifds.push(ifd);
      const subs = ifd.numbers(TAG.SubIFDs);
      if (subs) {
        if (subs.length > TIFF_LIMITS.maxSubIfds) throw corrupt(ctx, `${subs.length} SubIFDs in one directory`);
        for (const off of subs) ifd.subIfds.push((await readIfd(ctx, off, -1, seen, signal)).ifd);
      }
      next = nextOffset;
    }
  } catch (err) {
    if (isWsiError(err)) throw err;
    throw corrupt(ctx, `cannot parse TIFF structure: ${(err as Error).message}`);
  }
  if (ifds.length === 0) throw corrupt(ctx, 'TIFF has no image directory');
  return { ctx, littleEndian, bigTiff, ifds };
}

/**
 * NDPI files of 4 GiB or more are classic TIFF whose header offset and next-directory pointers are 64-bit (the
 * header's bytes 8–11 hold the first offset's high word) and whose directories are followed by one 4-byte high word
 * per entry, in entry order, completing each value offset (or inline LONG value, e.g. a strip offset). Such a file
 * is recognised as OpenSlide does: the directory at the 64-bit header offset carries the NDPI format tag 65420.
 * Returns that offset, or undefined for any other file.
 */
async function ndpiFirstIfd(
  ctx: TiffContext,
  head: DataView,
  signal: AbortSignal | undefined,
): Promise<number | undefined> {
  const le = ctx.littleEndian;
  const off = u64(head, 4, le);
  if (!Number.isSafeInteger(off) || off < 8 || off + 2 > ctx.size) return undefined;
  // only the entry tags are looked at here: a damaged directory then fails in NDPI mode with its own error
  const cb = await ctx.source.read(off, 2, { signal });
  const count = new DataView(cb.buffer, cb.byteOffset, 2).getUint16(0, le);
  if (count === 0 || count > TIFF_LIMITS.maxEntries || off + 2 + 12 * count > ctx.size) return undefined;
  const body = await ctx.source.read(off + 2, 12 * count, { signal });
  const dv = new DataView(body.buffer, body.byteOffset, body.byteLength);
  for (let i = 0; i < count; i++) if (dv.getUint16(12 * i, le) === NDPI_FORMAT_TAG) return off;
  return undefined;
}

/** Hamamatsu's NDPI format flag, present in every NDPI directory. */
const NDPI_FORMAT_TAG = 65420;

async function readIfd(
  ctx: TiffContext,
  offset: number,
  index: number,
  seen: Set<number>,
  signal: AbortSignal | undefined,
): Promise<{ ifd: TiffIfd; nextOffset: number }> {
  const { source, size, littleEndian: le, bigTiff } = ctx;
  if (!Number.isSafeInteger(offset) || offset < 8) throw corrupt(ctx, `invalid directory offset ${offset}`, { offset });
  if (seen.has(offset)) throw corrupt(ctx, `directory chain loops back to offset ${offset}`, { offset });
  seen.add(offset);
  const countSize = bigTiff ? 8 : 2;
  const entrySize = bigTiff ? 20 : 12;
  const offSize = bigTiff ? 8 : 4;
  const ndpi = ctx.ndpi64 === true && !bigTiff;
  const nextSize = ndpi ? 8 : offSize;
  if (offset + countSize > size)
    throw corrupt(ctx, `directory offset ${offset} is past the end of the file (${size})`, { offset });
  const cb = await source.read(offset, countSize, { signal });
  const cdv = new DataView(cb.buffer, cb.byteOffset, cb.byteLength);
  const count = bigTiff ? u64(cdv, 0, le) : cdv.getUint16(0, le);
  if (!Number.isSafeInteger(count) || count > TIFF_LIMITS.maxEntries)
    throw corrupt(ctx, `directory at ${offset} claims ${count} entries`, { offset });
  const bodyLen = count * entrySize + nextSize + (ndpi ? 4 * count : 0);
  if (offset + countSize + bodyLen > size)
    throw corrupt(ctx, `directory at ${offset} extends past the end of the file`, { offset });
  const body = await source.read(offset + countSize, bodyLen, { signal });
  const dv = new DataView(body.buffer, body.byteOffset, body.byteLength);
  const entries = new Map<number, TiffEntry>();
  const widened = new Map<number, Uint8Array>();
  for (let i = 0; i < count; i++) {
    const p = i * entrySize;
    const tag = dv.getUint16(p, le);
    const type = dv.getUint16(p + 2, le);
    const n = bigTiff ? u64(dv, p + 4, le) : dv.getUint32(p + 4, le);
    const tsize = TYPE_SIZE[type] ?? 0;
    if (tsize === 0 || !Number.isSafeInteger(n)) continue; // unknown type: ignored, as libtiff does
    const byteLength = n * tsize;
    const valueField = offset + countSize + p + (bigTiff ? 12 : 8);
    const inline = byteLength <= offSize;
    const high = ndpi ? dv.getUint32(count * entrySize + 8 + 4 * i, le) : 0;
    if (high !== 0 && inline) {
      // an inline LONG completed by its high word (a strip offset past 4 GiB) becomes a LONG8 value
      if (type !== TYPE.LONG || n !== 1)
        throw corrupt(ctx, `tag ${tag} has NDPI high bits on an inline value`, { tag, high });
      const wide = new Uint8Array(8);
      const wdv = new DataView(wide.buffer);
      wdv.setUint32(le ? 0 : 4, dv.getUint32(p + 8, le), le);
      wdv.setUint32(le ? 4 : 0, high, le);
      widened.set(tag, wide);
      entries.set(tag, { tag, type: TYPE.LONG8, count: 1, valueOffset: valueField, byteLength: 8 });
      continue;
    }
    const low = inline ? 0 : bigTiff ? u64(dv, p + 12, le) : dv.getUint32(p + 8, le);
    const valueOffset = inline ? valueField : low + high * 2 ** 32;
    if (!Number.isSafeInteger(valueOffset)) throw corrupt(ctx, `tag ${tag} has an invalid value offset`, { tag });
    entries.set(tag, { tag, type, count: n, valueOffset, byteLength });
  }
  const nextOffset = bigTiff || ndpi ? u64(dv, count * entrySize, le) : dv.getUint32(count * entrySize, le);
  if (!Number.isSafeInteger(nextOffset)) throw corrupt(ctx, `directory at ${offset} has an invalid next offset`);
  const ifd = new TiffIfd(ctx, offset, index, entries);
  const pending: Promise<void>[] = [];
  for (const e of entries.values()) {
    const inline = e.byteLength <= offSize;
    const wide = widened.get(e.tag);
    if (wide) {
      ifd.setRaw(e.tag, wide);
    } else if (inline) {
      const rel = e.valueOffset - offset - countSize;
      ifd.setRaw(e.tag, body.slice(rel, rel + e.byteLength));
    } else if (!LAZY_TAGS.has(e.tag) && e.byteLength <= EAGER_VALUE_BYTES) {
      if (e.valueOffset + e.byteLength > size) {
        if (CRITICAL_TAGS.has(e.tag))
          throw corrupt(ctx, `tag ${e.tag} value extends past the end of the file`, { tag: e.tag });
        continue; // a broken optional tag is ignored, as libtiff warns and goes on
      }
      pending.push(source.read(e.valueOffset, e.byteLength, { signal }).then((b) => ifd.setRaw(e.tag, b.slice())));
    }
  }
  await Promise.all(pending);
  return { ifd, nextOffset };
}

/** Tags without which an image cannot be decoded: a broken value is fatal. */
const CRITICAL_TAGS: ReadonlySet<number> = new Set([
  TAG.BitsPerSample,
  TAG.SubIFDs,
  TAG.JPEGTables,
  TAG.ImageDescription,
]);

function u64(dv: DataView, o: number, le: boolean): number {
  const v = dv.getBigUint64(o, le);
  return v > BigInt(Number.MAX_SAFE_INTEGER) ? Number.NaN : Number(v);
}

export { decodeNumbers };
