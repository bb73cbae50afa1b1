/**
 * Writes a copy of chosen directories of a parsed TIFF: their tile/strip bytes copied as stored (no re-encoding), tag
 * values copied by value in the source byte order, offsets rewritten, some tags dropped or replaced. Written to a temp
 * file beside the target and renamed into place.
 */
import { randomBytes } from 'node:crypto';
import { type FileHandle, open, rename, rm } from 'node:fs/promises';
import { throwIfAborted, WsiError } from '@wsi/core';
import type { TiffIfd } from '../tiff/ifd.js';
import { TiffImage } from '../tiff/image.js';
import type { TiffFile } from '../tiff/parser.js';
import { TAG, TYPE } from '../tiff/tags.js';

/**
 * One directory to copy.
 *
 * @example
 * ```ts
 * const page: CopyPage = { ifd: tiff.ifds[0]!, description: 'scrubbed' };
 * ```
 */
export interface CopyPage {
  ifd: TiffIfd;
  /** Replacement ImageDescription (omitted: copied as is). */
  description?: string;
}

/** Tags never copied by value (rewritten, or pointers whose targets are not copied). */
const OFFSET_TAGS = new Set<number>([TAG.TileOffsets, TAG.StripOffsets]);
/** Old-style JPEG pointers: a copy would point into the old file. */
const UNSUPPORTED_POINTERS = [513, 514];
/** Bytes copied per read/write when tiles are contiguous. */
const RUN_BYTES = 8 << 20;

interface Entry {
  tag: number;
  type: number;
  count: number;
  value: Uint8Array;
}

/**
 * Copies `pages` of `tiff` into a new TIFF at `out` (same byte order and classic/BigTIFF flavour), dropping tags in
 * `drop`. Returns the bytes written.
 *
 * @example
 * ```ts
 * await copyTiffPages(tiff, [{ ifd: tiff.ifds[0]! }], '/tmp/level0.tif', new Set([306]));
 * ```
 */
export async function copyTiffPages(
  tiff: TiffFile,
  pages: readonly CopyPage[],
  out: string,
  drop: ReadonlySet<number>,
  signal?: AbortSignal,
): Promise<number> {
  const le = tiff.littleEndian;
  const big = tiff.bigTiff;
  const src = tiff.ctx.source;
  const tmp = `${out}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  let fh: FileHandle | undefined;
  try {
    fh = await open(tmp, 'w');
    let pos = big ? 16 : 8;
    const ifdOffsets: number[] = [];
    const encoded: { entries: Entry[] }[] = [];
    // 1. pixel data, page by page, contiguous tiles copied in runs
    for (const page of pages) {
      throwIfAborted(signal);
      for (const t of UNSUPPORTED_POINTERS) {
        if (page.ifd.has(t))
          throw new WsiError('UnsupportedFormat', `${src.description}: old-style JPEG (tag ${t}) cannot be copied`);
      }
      const img = TiffImage.from(page.ifd);
      const n = img.tileCount;
      const newOffsets = new Float64Array(n);
      let run: { from: number; length: number; to: number } | undefined;
      const flush = async () => {
        if (!run) return;
        const bytes = await src.read(run.from, run.length, { signal });
        await (fh as FileHandle).write(bytes, 0, bytes.length, run.to);
        run = undefined;
      };
      for (let i = 0; i < n; i++) {
        const loc = await img.tileLocation(i % img.tilesAcross, Math.floor(i / img.tilesAcross), signal);
        if (loc.length === 0) continue;
        if (run && run.from + run.length === loc.offset && run.length + loc.length <= RUN_BYTES) {
          run.length += loc.length;
        } else {
          await flush();
          run = { from: loc.offset, length: loc.length, to: pos };
        }
        newOffsets[i] = pos;
        pos += loc.length;
      }
      await flush();
      if (!big && pos > 0xffff_ffff)
        throw new WsiError('UnsupportedFormat', `${src.description}: the copy would exceed 4 GiB in a classic TIFF`);
      encoded.push({ entries: await pageEntries(page, img, newOffsets, drop, big, le, signal) });
    }
    // 2. directories (with their out-of-line values), chained
    const blobs: { at: number; bytes: Uint8Array }[] = [];
    for (const [i, { entries }] of encoded.entries()) {
      pos += pos & 1;
      ifdOffsets[i] = pos;
      const { bytes } = encodeIfd(entries, pos, big, le);
      blobs.push({ at: pos, bytes });
      pos += bytes.length;
    }
    for (const [i, b] of blobs.entries()) {
      const next = ifdOffsets[i + 1] ?? 0;
      const dv = new DataView(b.bytes.buffer, b.bytes.byteOffset, b.bytes.byteLength);
      const n = encoded[i]!.entries.length;
      const at = (big ? 8 : 2) + n * (big ? 20 : 12);
      if (big) dv.setBigUint64(at, BigInt(next), le);
      else dv.setUint32(at, next, le);
      await fh.write(b.bytes, 0, b.bytes.length, b.at);
    }
    await fh.write(header(ifdOffsets[0] ?? 0, big, le), 0, big ? 16 : 8, 0);
    await fh.sync();
    await fh.close();
    fh = undefined;
    await rename(tmp, out);
    return pos;
  } catch (err) {
    await fh?.close().catch(() => {});
    await rm(tmp, { force: true }).catch(() => {});
    if (err instanceof WsiError) throw err;
    throw new WsiError('Io', `cannot write ${out}: ${(err as Error).message}`, { cause: err });
  }
}

async function pageEntries(
  page: CopyPage,
  img: TiffImage,
  offsets: Float64Array,
  drop: ReadonlySet<number>,
  big: boolean,
  le: boolean,
  signal?: AbortSignal,
): Promise<Entry[]> {
  const entries: Entry[] = [];
  for (const e of page.ifd.entries.values()) {
    if (drop.has(e.tag) || OFFSET_TAGS.has(e.tag) || e.type === TYPE.IFD || e.type === TYPE.IFD8) continue;
    if (e.tag === TAG.ImageDescription && page.description !== undefined) continue;
    const value = await page.ifd.bytes(e.tag, signal);
    if (!value) continue;
    entries.push({ tag: e.tag, type: e.type, count: e.count, value: value.subarray(0, e.byteLength) });
  }
  if (page.description !== undefined) {
    const text = new TextEncoder().encode(`${page.description}\0`);
    entries.push({ tag: TAG.ImageDescription, type: TYPE.ASCII, count: text.length, value: text });
  }
  const n = offsets.length;
  const size = big ? 8 : 4;
  const value = new Uint8Array(n * size);
  const dv = new DataView(value.buffer);
  for (let i = 0; i < n; i++) {
    if (big) dv.setBigUint64(i * 8, BigInt(offsets[i] as number), le);
    else dv.setUint32(i * 4, offsets[i] as number, le);
  }
  entries.push({
    tag: img.tiled ? TAG.TileOffsets : TAG.StripOffsets,
    type: big ? TYPE.LONG8 : TYPE.LONG,
    count: n,
    value,
  });
  return entries.sort((a, b) => a.tag - b.tag);
}

/** One IFD placed at `at`: count, entries, next-IFD slot (filled later), then out-of-line values. */
function encodeIfd(entries: readonly Entry[], at: number, big: boolean, le: boolean): { bytes: Uint8Array } {
  const head = big ? 8 : 2;
  const esz = big ? 20 : 12;
  const inl = big ? 8 : 4;
  const fixed = head + entries.length * esz + inl;
  let extra = 0;
  for (const e of entries) if (e.value.length > inl) extra += e.value.length + (e.value.length & 1);
  const bytes = new Uint8Array(fixed + extra);
  const dv = new DataView(bytes.buffer);
  if (big) dv.setBigUint64(0, BigInt(entries.length), le);
  else dv.setUint16(0, entries.length, le);
  let tail = fixed;
  entries.forEach((e, i) => {
    const p = head + i * esz;
    dv.setUint16(p, e.tag, le);
    dv.setUint16(p + 2, e.type, le);
    if (big) dv.setBigUint64(p + 4, BigInt(e.count), le);
    else dv.setUint32(p + 4, e.count, le);
    const vf = p + (big ? 12 : 8);
    if (e.value.length <= inl) bytes.set(e.value, vf);
    else {
      if (big) dv.setBigUint64(vf, BigInt(at + tail), le);
      else dv.setUint32(vf, at + tail, le);
      bytes.set(e.value, tail);
      tail += e.value.length + (e.value.length & 1);
    }
  });
  return { bytes };
}

function header(first: number, big: boolean, le: boolean): Uint8Array {
  const b = new Uint8Array(big ? 16 : 8);
  const dv = new DataView(b.buffer);
  b[0] = b[1] = le ? 0x49 : 0x4d;
  dv.setUint16(2, big ? 43 : 42, le);
  if (big) {
    dv.setUint16(4, 8, le);
    dv.setBigUint64(8, BigInt(first), le);
  } else dv.setUint32(4, first, le);
  return b;
}
