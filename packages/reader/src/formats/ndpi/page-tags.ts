/**
 * The TIFF tags of an NDPI page this reader uses beyond the baseline ones: its one JPEG strip, and the MCU-start
 * table (65426, high words in 65432) read on demand.
 */
import { WsiError } from '@wsi/core';
import { checkValueRange, type TiffEntry, type TiffIfd } from '../../tiff/ifd.js';
import { TAG } from '../../tiff/tags.js';
import type { McuStartReader } from './restart-index.js';
import type { SyncFile } from './sync-file.js';

/**
 * NDPI private tags.
 *
 * @example
 * ```ts
 * ifd.has(NDPI_TAG.FormatFlag); // true for an NDPI directory
 * ```
 */
export const NDPI_TAG = {
  FormatFlag: 65420,
  SourceLens: 65421,
  XOffset: 65422,
  YOffset: 65423,
  McuStarts: 65426,
  Reference: 65427,
  McuStartsHigh: 65432,
  PropertyMap: 65449,
} as const;

/**
 * The page's JPEG strip (offset and length), checked against the file; a page that is not JPEG is
 * `UnsupportedFormat`, a strip outside the file `CorruptFile`.
 *
 * @example
 * ```ts
 * const { offset, length } = await stripOf(ifd, 'slide.ndpi page 0', fileSize);
 * ```
 */
export async function stripOf(
  ifd: TiffIfd,
  what: string,
  fileSize: number,
): Promise<{ offset: number; length: number }> {
  if (ifd.number(TAG.Compression) !== 7) throw new WsiError('UnsupportedFormat', `${what}: NDPI page is not JPEG`);
  const offsets = await ifd.loadArray(TAG.StripOffsets, 1);
  const counts = await ifd.loadArray(TAG.StripByteCounts, 1);
  const offset = offsets[0] as number;
  const length = counts[0] as number;
  if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || length < 4 || offset + length > fileSize) {
    throw new WsiError(
      'CorruptFile',
      `${what}: JPEG strip (${length} bytes at ${offset}) lies outside the file (${fileSize} bytes)`,
    );
  }
  return { offset, length };
}

/**
 * Reads entries of tag 65426 (+ 65432's high 32 bits) on demand, or undefined when the tags are absent or not
 * LONG arrays of exactly `count` values (→ the page is scanned for its markers). A 300-megapixel page has 150 k
 * entries: reading them all took ~15 ms of a first region read, where a read needs a few hundred.
 *
 * @example
 * ```ts
 * const index = new RestartIndex(source, offset, length, scanStart, count, mcuStartReader(ifd, count, sync), what);
 * ```
 */
export function mcuStartReader(ifd: TiffIfd, count: number, sync: SyncFile | undefined): McuStartReader | undefined {
  const usable = (tag: number) => {
    const e = ifd.entries.get(tag);
    return e && e.count === count && e.type === 4 ? e : undefined;
  };
  const low = usable(NDPI_TAG.McuStarts);
  const high = usable(NDPI_TAG.McuStartsHigh);
  if (!low || (ifd.has(NDPI_TAG.McuStartsHigh) && !high)) return undefined;
  const { ctx } = ifd;
  const words = async (e: TiffEntry, first: number, n: number): Promise<Float64Array> => {
    checkValueRange(ctx, e);
    const at = e.valueOffset + 4 * first;
    const raw = sync ? sync.read(at, 4 * n) : await ctx.source.read(at, 4 * n);
    if (raw.byteLength < 4 * n) throw new WsiError('CorruptFile', 'MCU-start table cut short');
    const out = new Float64Array(n);
    const dv = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    for (let i = 0; i < n; i++) out[i] = dv.getUint32(4 * i, ctx.littleEndian);
    return out;
  };
  return async (first, n) => {
    const lo = await words(low, first, n);
    if (high) {
      const hi = await words(high, first, n);
      for (let i = 0; i < n; i++) lo[i] = (lo[i] as number) + (hi[i] as number) * 2 ** 32;
    }
    return lo;
  };
}
