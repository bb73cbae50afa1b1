/**
 * Sinks that receive an image top to bottom in bands of rows: a TIFF page (cut into tiles or strips) or a
 * small in-memory buffer. Each sink can feed downscaled copies of itself to further sinks.
 */
import { WsiError } from '@wsi/core';
import sharp from 'sharp';
import type { TiffPage } from './page.js';

/**
 * Receives RGB rows `[y0, y0 + rows)` in order, `bandHeight` rows at a time (the last band may be shorter).
 *
 * @example
 * ```ts
 * const mem = new MemorySink(64, 48);
 * await mem.push(new Uint8Array(64 * 48 * 3), 0, 48);
 * ```
 */
export interface BandSink {
  readonly width: number;
  readonly height: number;
  readonly bandHeight: number;
  push(band: Uint8Array, y0: number, rows: number): Promise<void>;
}

/** Fans a band out to children (downscalers) after the sink's own work. */
abstract class ForwardingSink implements BandSink {
  readonly children: Downscaler[] = [];
  abstract readonly width: number;
  abstract readonly height: number;
  abstract readonly bandHeight: number;
  protected abstract consume(band: Uint8Array, y0: number, rows: number): Promise<void>;
  async push(band: Uint8Array, y0: number, rows: number): Promise<void> {
    await this.consume(band, y0, rows);
    for (const c of this.children) await c.push(band, y0, rows);
  }
}

/**
 * Collects a small image in memory (thumbnails, macro overviews).
 *
 * @example
 * ```ts
 * const mem = new MemorySink(200, 150);
 * // … feed it through a Downscaler, then use mem.pixels
 * ```
 */
export class MemorySink extends ForwardingSink {
  readonly pixels: Uint8Array;
  readonly bandHeight: number;
  constructor(
    readonly width: number,
    readonly height: number,
  ) {
    super();
    this.pixels = new Uint8Array(width * height * 3);
    this.bandHeight = height;
  }
  protected async consume(band: Uint8Array, y0: number, rows: number): Promise<void> {
    this.pixels.set(band.subarray(0, rows * this.width * 3), y0 * this.width * 3);
  }
}

/**
 * Cuts bands into the tiles (edge tiles padded by replicating the last column/row) or strips of a page.
 *
 * @example
 * ```ts
 * const sink = new PageSink(page); // page from TiffWriter.addPage
 * await sink.push(bandRgb, 0, page.blockHeight);
 * ```
 */
export class PageSink extends ForwardingSink {
  readonly width: number;
  readonly height: number;
  readonly bandHeight: number;
  private readonly tileBufs: Uint8Array[] = [];

  constructor(
    readonly page: TiffPage,
    private readonly concurrency = 8,
  ) {
    super();
    this.width = page.options.width;
    this.height = page.options.height;
    this.bandHeight = page.tiled
      ? page.blockHeight
      : page.blockHeight * Math.max(1, Math.floor(256 / page.blockHeight));
  }

  protected async consume(band: Uint8Array, y0: number, rows: number): Promise<void> {
    const p = this.page;
    if (!p.tiled) {
      for (let r = 0; r < rows; r += p.blockHeight) {
        const n = Math.min(p.blockHeight, rows - r);
        const index = (y0 + r) / p.blockHeight;
        await p.writeStrip(index, band.subarray(r * this.width * 3, (r + n) * this.width * 3));
      }
      return;
    }
    const tw = p.blockWidth;
    const th = p.blockHeight;
    const row = y0 / th;
    const rowBytes = this.width * 3;
    for (let c0 = 0; c0 < p.across; c0 += this.concurrency) {
      const jobs: Promise<void>[] = [];
      for (let c = c0; c < Math.min(p.across, c0 + this.concurrency); c++) {
        const buf = (this.tileBufs[c - c0] ??= new Uint8Array(tw * th * 3));
        const x0 = c * tw;
        const cols = Math.min(tw, this.width - x0);
        for (let r = 0; r < th; r++) {
          const sr = Math.min(r, rows - 1);
          const src = sr * rowBytes + x0 * 3;
          const dst = r * tw * 3;
          buf.set(band.subarray(src, src + cols * 3), dst);
          for (let x = cols; x < tw; x++) buf.copyWithin(dst + x * 3, dst + (cols - 1) * 3, dst + cols * 3);
        }
        jobs.push(p.writeTile(c, row, buf));
      }
      await Promise.all(jobs);
    }
  }
}

/**
 * Downscales a parent's rows into a child sink, band by band, with sharp; keeps only a window of parent rows.
 *
 * @example
 * ```ts
 * parentSink.children.push(new Downscaler(parentSink.width, parentSink.height, childSink));
 * ```
 */
export class Downscaler {
  private window: Uint8Array;
  private winStart = 0;
  private winRows = 0;
  private nextOut = 0;
  private readonly ry: number;

  constructor(
    private readonly parentWidth: number,
    private readonly parentHeight: number,
    readonly target: BandSink,
  ) {
    if (target.width > parentWidth || target.height > parentHeight) {
      throw new WsiError(
        'InvalidArgument',
        `cannot downscale ${parentWidth}x${parentHeight} to ${target.width}x${target.height}`,
      );
    }
    this.ry = parentHeight / target.height;
    const capRows = Math.min(parentHeight, Math.ceil((target.bandHeight + 2) * this.ry) + 256 + 2);
    this.window = new Uint8Array(capRows * parentWidth * 3);
  }

  async push(band: Uint8Array, y0: number, rows: number): Promise<void> {
    if (y0 !== this.winStart + this.winRows) throw new WsiError('InvalidArgument', `rows out of order at ${y0}`);
    const rowBytes = this.parentWidth * 3;
    const needBytes = (this.winRows + rows) * rowBytes;
    if (needBytes > this.window.length) {
      const grown = new Uint8Array(needBytes);
      grown.set(this.window.subarray(0, this.winRows * rowBytes));
      this.window = grown;
    }
    this.window.set(band.subarray(0, rows * rowBytes), this.winRows * rowBytes);
    this.winRows += rows;
    const t = this.target;
    while (this.nextOut < t.height) {
      const cy0 = this.nextOut;
      const cy1 = Math.min(t.height, cy0 + t.bandHeight);
      const s = Math.floor(cy0 * this.ry);
      const e = cy1 === t.height ? this.parentHeight : Math.min(this.parentHeight, Math.ceil(cy1 * this.ry));
      if (this.winStart + this.winRows < e) break;
      const from = (s - this.winStart) * rowBytes;
      const crop = this.window.subarray(from, from + (e - s) * rowBytes);
      const out = await sharp(crop, { raw: { width: this.parentWidth, height: e - s, channels: 3 } })
        .resize(t.width, cy1 - cy0, { fit: 'fill' })
        .raw()
        .toBuffer();
      await t.push(out, cy0, cy1 - cy0);
      this.nextOut = cy1;
      const keepFrom = Math.floor(cy1 * this.ry);
      const drop = Math.max(0, Math.min(this.winRows, keepFrom - this.winStart));
      if (drop > 0) {
        this.window.copyWithin(0, drop * rowBytes, this.winRows * rowBytes);
        this.winStart += drop;
        this.winRows -= drop;
      }
    }
  }
}
