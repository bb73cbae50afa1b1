/**
 * One NDPI page (a TIFF directory holding one JPEG strip): its JPEG layout, its restart index, the logical tile
 * grid built from blocks of restart intervals, and decoding of one logical tile or of the whole page.
 */
import { type ByteSource, type Raster, WsiError } from '@wsi/core';
import { canDecodeJpegWindows, decodeJpegWindow, decodeTile } from '../../decode/index.js';
import { CROP_MARGIN } from '../../decode/libjpeg-turbo.js';
import type { TileDecodeInfo } from '../../decode/types.js';
import { sharedBufferPool } from '../../slide/buffer-pool.js';
import { RGBA, toLayout } from '../../slide/pixels.js';
import type { TiffIfd } from '../../tiff/ifd.js';
import { TAG } from '../../tiff/tags.js';
import { lowPassHeader } from './dct-scale.js';
import { assembleTileJpeg, type JpegLayout, parseJpegLayout } from './jpeg-layout.js';
import { mcuStartReader, stripOf } from './page-tags.js';
import { RestartIndex } from './restart-index.js';
import type { SyncFile } from './sync-file.js';

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
  /** Pixels decoded per call when painting a window: larger windows split into bands decoded concurrently. */
  bandPixels: 1 << 20,
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
        mcuStartReader(ifd, count, sync),
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

  /**
   * Paints page pixels (`x`, `y`, `width`, `height`) — inside the page — into the RGBA raster `dst` at (`dx`, `dy`),
   * decoding only the restart intervals that cover them, assembled into one JPEG and decoded cropped (libjpeg-turbo
   * skips the IDCT outside the window): a random 256² read decodes about 1.1× its pixels instead of whole logical
   * tiles, in one call. Chroma-subsampled pages take the neighbouring intervals within {@link CROP_MARGIN} pixels too,
   * so every pixel equals the whole-page decode's whatever the window. Large windows go in bands of whole MCU rows
   * decoded concurrently. Resolves false (the caller uses the tile path) for pages without a restart index, grey
   * pages, or when the JPEG engine cannot crop.
   *
   * @example
   * ```ts
   * const out = createRaster(256, 256, 4);
   * if (!(await page.paintWindow(out, 0, 0, 1000, 2000, 256, 256))) paintFromTiles(out);
   * ```
   */
  async paintWindow(
    dst: Raster,
    dx: number,
    dy: number,
    x: number,
    y: number,
    width: number,
    height: number,
    signal?: AbortSignal,
  ): Promise<boolean> {
    if (!this.index || this.layout.components !== 3 || dst.channels !== 4 || !canDecodeJpegWindows()) return false;
    if (x < 0 || y < 0 || width <= 0 || height <= 0 || x + width > this.width || y + height > this.height)
      throw new WsiError('OutOfBounds', `${this.what}: window (${x}, ${y}) ${width}×${height} outside the page`);
    const { mcuWidth, mcuHeight } = this.layout;
    const margin = mcuWidth > 8 || mcuHeight > 8 ? CROP_MARGIN : 0;
    const iw = this.intervalWidth;
    const c0 = Math.floor(Math.max(0, x - margin) / iw);
    const c1 = Math.ceil(Math.min(this.width, x + width + margin) / iw);
    const rowsPerBand = Math.max(1, Math.floor(NDPI_LIMITS.bandPixels / ((c1 - c0) * iw * mcuHeight))) * mcuHeight;
    const bands: Promise<boolean>[] = [];
    for (let by = y; by < y + height; ) {
      const end = Math.min(y + height, Math.floor(by / mcuHeight) * mcuHeight + rowsPerBand);
      bands.push(this.#paintBand(dst, dx, dy + by - y, x, by, width, end - by, c0, c1, margin, signal));
      by = end;
    }
    return (await Promise.all(bands)).every(Boolean);
  }

  /** One band of {@link paintWindow}: rows `[y, y + height)` from interval columns `[c0, c1)`. */
  async #paintBand(
    dst: Raster,
    dx: number,
    dy: number,
    x: number,
    y: number,
    width: number,
    height: number,
    c0: number,
    c1: number,
    margin: number,
    signal?: AbortSignal,
  ): Promise<boolean> {
    const index = this.index as RestartIndex;
    const mh = this.layout.mcuHeight;
    const r0 = Math.floor(Math.max(0, y - margin) / mh);
    const r1 = Math.ceil(Math.min(this.height, y + height + margin) / mh);
    let pieces: Uint8Array[];
    if (c1 - c0 === this.#perRow) {
      pieces = await index.readIntervals(r0 * this.#perRow, r1 * this.#perRow, signal);
    } else {
      const runs: [number, number][] = [];
      for (let r = r0; r < r1; r++) runs.push([r * this.#perRow + c0, r * this.#perRow + c1]);
      pieces = await index.readRuns(runs, signal);
    }
    const ox = c0 * this.intervalWidth;
    const oy = r0 * mh;
    const fw = Math.min(c1 * this.intervalWidth, this.width) - ox;
    const fh = Math.min(r1 * mh, this.height) - oy;
    const jpeg = assembleTileJpeg(this.header, this.layout, pieces, fw, fh);
    let win: Awaited<ReturnType<typeof decodeJpegWindow>>;
    try {
      win = await decodeJpegWindow(
        jpeg,
        this.#info(fw, fh),
        { x: x - ox, y: y - oy, width, height },
        (n) => sharedBufferPool.acquireScratch(n),
        signal,
      );
    } catch (err) {
      throw this.#wrap(err);
    }
    if (!win) return false;
    const src = win.data;
    const rowBytes = width * 4;
    const out = dst.data as Uint8Array;
    let s = ((y - oy - win.y) * win.width + (x - ox - win.x)) * 4;
    let d = (dy * dst.width + dx) * 4;
    for (let j = 0; j < height; j++, s += win.width * 4, d += dst.width * 4) {
      out.set(src.subarray(s, s + rowBytes), d);
    }
    sharedBufferPool.release(src);
    return true;
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
    try {
      return toLayout(await decodeTile(jpeg, this.#info(width, height), signal, into), RGBA);
    } catch (err) {
      throw this.#wrap(err);
    }
  }

  #info(width: number, height: number): TileDecodeInfo {
    return {
      compression: 7,
      photometric: this.layout.components === 1 ? 1 : 6,
      width,
      height,
      samplesPerPixel: this.layout.components,
      bitsPerSample: 8,
      planarConfig: 1,
      predictor: 1,
    };
  }

  /** A decode failure as a `WsiError` naming the page. */
  #wrap(err: unknown): WsiError {
    if (err instanceof WsiError) {
      if (err.code === 'Aborted' || err.message.startsWith(this.what)) return err;
      return new WsiError(err.code, `${this.what}: ${err.message}`, { cause: err });
    }
    return new WsiError('CorruptFile', `${this.what}: JPEG does not decode: ${(err as Error).message}`, {
      cause: err,
    });
  }
}
