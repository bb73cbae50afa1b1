/**
 * One NDPI page (a TIFF directory holding one JPEG strip): its JPEG layout, its restart index, the logical tile
 * grid built from blocks of restart intervals, and decoding of one logical tile or of the whole page.
 */
import { type ByteSource, type Raster, WsiError } from '@wsi/core';
import { decodeTile } from '../../decode/index.js';
import type { TileDecodeInfo } from '../../decode/types.js';
import { sharedBufferPool } from '../../slide/buffer-pool.js';
import { type PixelLayout, toLayout } from '../../slide/pixels.js';
import type { TiffIfd } from '../../tiff/ifd.js';
import { TAG } from '../../tiff/tags.js';
import { lowPassHeader } from './dct-scale.js';
import { assembleTileJpeg, type JpegLayout, parseJpegLayout } from './jpeg-layout.js';
import { RestartIndex } from './restart-index.js';
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
 * Limits: a page decoded whole, and the JPEG header size we look for the scan in.
 *
 * @example
 * ```ts
 * if (w * h > NDPI_LIMITS.maxWholePixels) throw new Error('too large');
 * ```
 */
export const NDPI_LIMITS = {
  /** Pixels of a page without usable restart markers decoded at once (256 MiB as RGBA). */
  maxWholePixels: 1 << 26,
  /** Bytes searched for the end of the JPEG header. */
  maxHeaderBytes: 1 << 20,
  /** Restart intervals per page (a 65535² page of 8×8 MCUs has 2^26). */
  maxIntervals: 1 << 26,
} as const;

/**
 * How many restart intervals make one logical tile: wide and tall enough to amortise a decode call.
 *
 * @example
 * ```ts
 * const g: TileGrouping = { targetPixels: 1 }; // one restart interval per tile, as OpenSlide
 * ```
 */
export interface TileGrouping {
  /** Target pixels of a logical tile (default 16384). */
  targetPixels?: number;
  /** Target width in pixels (default 256). */
  targetWidth?: number;
}

/** The layout of every NDPI level: RGBA uint8 with OpenSlide's semantics. */
export const RGBA: PixelLayout = { channels: 4, dtype: 'uint8', rgba: true };

/**
 * A page ready to decode.
 *
 * @example
 * ```ts
 * const page = await NdpiPage.open(source, ifd, 'slide.ndpi page 0', fileSize);
 * const tile = await page.decodeTile(0, 0);
 * ```
 */
export class NdpiPage {
  /** Logical tile size (whole page when there are no usable restart markers). */
  readonly tileWidth: number;
  readonly tileHeight: number;
  /** OpenSlide's tile size: one restart interval (or the whole page). */
  readonly intervalWidth: number;
  readonly intervalHeight: number;
  readonly #gx: number;
  readonly #gy: number;
  readonly #perRow: number;

  private constructor(
    readonly source: ByteSource,
    readonly what: string,
    readonly stripOffset: number,
    readonly stripLength: number,
    readonly header: Uint8Array,
    readonly layout: JpegLayout,
    readonly index: RestartIndex | undefined,
    grouping: TileGrouping,
  ) {
    const { width, height, mcuWidth, mcuHeight, restartInterval } = layout;
    if (index) {
      this.#perRow = layout.mcusPerRow / restartInterval;
      this.intervalWidth = restartInterval * mcuWidth;
      this.intervalHeight = mcuHeight;
      // defaults measured on random 256² reads (bench/ndpi): about 256×64 px per logical tile
      const ok = (v: number | undefined, d: number) => (v !== undefined && Number.isFinite(v) && v > 0 ? v : d);
      const tw = ok(grouping.targetWidth, 256);
      const tp = ok(grouping.targetPixels, 16384);
      this.#gx = Math.max(1, Math.min(this.#perRow, Math.floor(tw / this.intervalWidth)));
      this.#gy = Math.max(1, Math.min(layout.mcuRows, Math.floor(tp / (this.#gx * this.intervalWidth * mcuHeight))));
      this.tileWidth = this.#gx * this.intervalWidth;
      this.tileHeight = this.#gy * mcuHeight;
    } else {
      this.#perRow = this.#gx = this.#gy = 1;
      this.intervalWidth = this.tileWidth = width;
      this.intervalHeight = this.tileHeight = height;
    }
  }

  get width(): number {
    return this.layout.width;
  }

  get height(): number {
    return this.layout.height;
  }

  /** Reads a page's strip geometry and JPEG header. Bad structure → `CorruptFile`; other codecs → `UnsupportedFormat`. */
  static async open(
    source: ByteSource,
    ifd: TiffIfd,
    what: string,
    fileSize: number,
    grouping: TileGrouping = {},
    sync?: SyncFile,
  ): Promise<NdpiPage> {
    const { offset, length } = await stripOf(ifd, what, fileSize);
    // the header is usually under 1 KiB: read 64 KiB, and up to maxHeaderBytes only when the scan starts later
    let head = await source.read(offset, Math.min(length, 64 << 10));
    let layout: JpegLayout;
    try {
      layout = parseJpegLayout(head, what);
    } catch (err) {
      if (head.length >= Math.min(length, NDPI_LIMITS.maxHeaderBytes)) throw err;
      head = await source.read(offset, Math.min(length, NDPI_LIMITS.maxHeaderBytes));
      layout = parseJpegLayout(head, what);
    }
    const tw = ifd.number(TAG.ImageWidth);
    const th = ifd.number(TAG.ImageLength);
    if (tw !== layout.width || th !== layout.height) {
      throw new WsiError(
        'CorruptFile',
        `${what}: JPEG frame ${layout.width}×${layout.height} differs from the TIFF size ${tw}×${th}`,
      );
    }
    let index: RestartIndex | undefined;
    const ri = layout.restartInterval;
    if (ri > 0 && layout.mcusPerRow % ri === 0) {
      const count = (layout.mcusPerRow / ri) * layout.mcuRows;
      if (count > NDPI_LIMITS.maxIntervals) throw new WsiError('CorruptFile', `${what}: ${count} restart intervals`);
      index = new RestartIndex(
        source,
        offset,
        length,
        layout.scanStart,
        count,
        () => mcuStarts(ifd, count),
        what,
        sync,
      );
    } else if (layout.width * layout.height > NDPI_LIMITS.maxWholePixels) {
      throw new WsiError(
        'UnsupportedFormat',
        `${what}: ${layout.width}×${layout.height} JPEG without usable restart markers is too large to decode whole`,
      );
    }
    return new NdpiPage(source, what, offset, length, head.slice(0, layout.scanStart), layout, index, grouping);
  }

  /** Columns and rows of the logical tile grid. */
  get across(): number {
    return Math.ceil(this.width / this.tileWidth);
  }

  get down(): number {
    return Math.ceil(this.height / this.tileHeight);
  }

  readonly #scaledHeaders = new Map<number, Uint8Array>();

  /**
   * Decodes logical tile (col, row), clipped to the page, as RGBA. With `scale` 2, 4 or 8 the quantisation tables
   * are low-passed as libjpeg's 1/`scale` IDCT would (see dct-scale.ts); the caller averages the blocks.
   */
  async decodeTile(col: number, row: number, signal?: AbortSignal, scale = 1): Promise<Raster> {
    let header = this.header;
    if (scale !== 1) {
      header = this.#scaledHeaders.get(scale) ?? lowPassHeader(this.header, scale);
      this.#scaledHeaders.set(scale, header);
    }
    if (!this.index) {
      if (scale === 1) return this.decodeWhole(signal);
      const bytes = await this.source.read(this.stripOffset, this.stripLength, signal ? { signal } : {});
      const jpeg = new Uint8Array(bytes.length);
      jpeg.set(bytes);
      jpeg.set(header.subarray(0, this.layout.scanStart));
      return this.#decode(jpeg, this.width, this.height, signal);
    }
    const { mcuRows } = this.layout;
    const x0 = col * this.tileWidth;
    const y0 = row * this.tileHeight;
    const width = Math.min(this.tileWidth, this.width - x0);
    const height = Math.min(this.tileHeight, this.height - y0);
    const c0 = col * this.#gx;
    const c1 = Math.min(c0 + this.#gx, this.#perRow);
    const r0 = row * this.#gy;
    const r1 = Math.min(r0 + this.#gy, mcuRows);
    if (height <= 0 || width <= 0 || r1 <= r0 || c1 <= c0)
      throw new WsiError('OutOfBounds', `${this.what}: tile (${col}, ${row}) outside the page`);
    let pieces: Uint8Array[];
    if (c1 - c0 === this.#perRow) {
      pieces = await this.index.readIntervals(r0 * this.#perRow, r1 * this.#perRow, signal);
    } else {
      const runs: [number, number][] = [];
      for (let r = r0; r < r1; r++) runs.push([r * this.#perRow + c0, r * this.#perRow + c1]);
      pieces = await this.index.readRuns(runs, signal);
    }
    const jpeg = assembleTileJpeg(header, this.layout, pieces, width, height);
    // colour tiles decode into a recycled buffer (the tile cache gives it back to the pool on eviction)
    const into = this.layout.components === 3 ? sharedBufferPool.acquire(width * height * 4) : undefined;
    try {
      const tile = await this.#decode(jpeg, width, height, signal, into);
      if (into && tile.data !== into) sharedBufferPool.release(into);
      return tile;
    } catch (err) {
      if (into) sharedBufferPool.release(into);
      throw err;
    }
  }

  /** Decodes the whole page at once (pages without restart markers; associated images). */
  async decodeWhole(signal?: AbortSignal): Promise<Raster> {
    if (this.width * this.height > NDPI_LIMITS.maxWholePixels) {
      throw new WsiError(
        'UnsupportedFormat',
        `${this.what}: ${this.width}×${this.height} is too large to decode whole`,
      );
    }
    const bytes = await this.source.read(this.stripOffset, this.stripLength, signal ? { signal } : {});
    return this.#decode(bytes, this.width, this.height, signal);
  }

  async #decode(
    jpeg: Uint8Array,
    width: number,
    height: number,
    signal?: AbortSignal,
    into?: Uint8Array,
  ): Promise<Raster> {
    const info: TileDecodeInfo = {
      compression: 7,
      photometric: this.layout.components === 1 ? 1 : 6,
      width,
      height,
      samplesPerPixel: this.layout.components,
      bitsPerSample: 8,
      planarConfig: 1,
      predictor: 1,
    };
    try {
      return toLayout(await decodeTile(jpeg, info, signal, into), RGBA);
    } catch (err) {
      if (err instanceof WsiError) {
        if (err.code === 'Aborted' || err.message.startsWith(this.what)) throw err;
        throw new WsiError(err.code, `${this.what}: ${err.message}`, { cause: err });
      }
      throw new WsiError('CorruptFile', `${this.what}: JPEG does not decode: ${(err as Error).message}`, {
        cause: err,
      });
    }
  }
}

async function stripOf(ifd: TiffIfd, what: string, fileSize: number): Promise<{ offset: number; length: number }> {
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

/** Tag 65426 (+ 65432 high 32 bits) as numbers, or undefined when absent, of the wrong length or unreadable. */
async function mcuStarts(ifd: TiffIfd, count: number): Promise<Float64Array | undefined> {
  const low = await longs(ifd, NDPI_TAG.McuStarts, count);
  if (!low) return undefined;
  if (!ifd.has(NDPI_TAG.McuStartsHigh)) return low;
  const high = await longs(ifd, NDPI_TAG.McuStartsHigh, count);
  if (!high) return undefined;
  for (let i = 0; i < count; i++) low[i] = (low[i] as number) + (high[i] as number) * 2 ** 32;
  return low;
}

/** A LONG tag of exactly `count` values, decoded in one tight loop (150 k values for a 300-MP page). */
async function longs(ifd: TiffIfd, tag: number, count: number): Promise<Float64Array | undefined> {
  const e = ifd.entries.get(tag);
  if (!e || e.count !== count || e.type !== 4) return undefined;
  const raw = await ifd.bytes(tag).catch(() => undefined);
  if (!raw || raw.byteLength < 4 * count) return undefined;
  const le = ifd.ctx.littleEndian;
  if (le && raw.byteOffset % 4 === 0 && new Uint8Array(new Uint16Array([1]).buffer)[0] === 1) {
    const out = new Float64Array(count);
    out.set(new Uint32Array(raw.buffer, raw.byteOffset, count)); // native conversion (Float64Array.from iterates)
    return out;
  }
  const dv = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const out = new Float64Array(count);
  for (let i = 0; i < count; i++) out[i] = dv.getUint32(4 * i, le);
  return out;
}
