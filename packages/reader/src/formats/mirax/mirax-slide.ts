/**
 * {@link MiraxSlide}: a MIRAX slide's regions painted from positioned camera images (OpenSlide's tilemap), images
 * read from the Data files by number / offset / length and decoded once into a shared LRU.
 */
import {
  type AssociatedImageName,
  bestLevelForDownsample,
  createRaster,
  isWsiError,
  PROPERTY,
  type Raster,
  type Region,
  type Slide,
  type SlideLevel,
  type SlideReadOptions,
  throwIfAborted,
  WsiError,
} from '@wsi/core';
import { type DecodedWindow, decodeJpegWindow, decodeTile } from '../../decode/index.js';
import { readJpegHeader } from '../../decode/jpeg-markers.js';
import type { TileDecodeInfo } from '../../decode/types.js';
import { sharp } from '../../lazy-modules.js';
import { pooledRaster, sharedBufferPool } from '../../slide/buffer-pool.js';
import { RGBA, toLayout } from '../../slide/pixels.js';
import { type ReadRegionsOptions, type RegionResult, readRegionsInOrder } from '../../slide/read-regions.js';
import { type PaintChunk, paintChunks } from '../../slide/region.js';
import { DEFAULT_TILE_CACHE_BYTES } from '../../slide/tile-cache.js';
import type { TiledSlideOptions } from '../../slide/tiled-slide.js';
import { decodeBmp } from './bmp.js';
import { type DrawTile, imageRectFor, integerShifts, paintTiles, visibleRects, type WindowRect } from './composite.js';
import type { CompanionFile } from './data-file.js';
import { ImageCache, type ImageEntry } from './image-cache.js';
import type { MiraxImage, MiraxLevel, PlacedTile } from './layout.js';

/** Opens Data files on first use. */
export interface DataFileSet {
  names: readonly string[];
  open(file: number): Promise<CompanionFile>;
}

/** What {@link MiraxSlide} is built from. */
export interface MiraxSlideInit {
  description: string;
  levels: MiraxLevel[];
  properties: Record<string, string>;
  mpp?: { x: number; y: number };
  objectivePower?: number;
  associated: Map<string, { file: number; offset: number; length: number }>;
  data: DataFileSet;
  /** Closed with the slide (the `.mrxs` source, Index.dat…). */
  owned: { close(): Promise<void> }[];
}

const BIN = 1024;

/**
 * A MIRAX slide. Regions follow OpenSlide 3.4.1: level-0 origin, each tile translated by its fractional level
 * position, SATURATE compositing, (0,0,0,0) where no camera image lies.
 *
 * @example
 * ```ts
 * const slide = await openSlide('CMU-1.mrxs');
 * const rgba = await slide.readRegion({ x: 20000, y: 30000, level: 0, width: 512, height: 512 });
 * ```
 */
export class MiraxSlide implements Slide {
  readonly format = 'mirax';
  readonly levels: readonly SlideLevel[];
  readonly mpp?: { x: number; y: number };
  readonly objectivePower?: number;
  readonly properties: Readonly<Record<string, string>>;
  readonly associatedImages: readonly AssociatedImageName[];
  readonly description: string;
  readonly #init: MiraxSlideInit;
  readonly #bins: Map<number, PlacedTile[]>[];
  readonly #cache: ImageCache;
  #closed = false;

  constructor(init: MiraxSlideInit, options: TiledSlideOptions = {}) {
    this.#init = init;
    this.description = init.description;
    this.levels = init.levels.map((l) => ({
      width: l.width,
      height: l.height,
      downsample: l.downsample,
      tileWidth: l.hint ? l.tileW : Math.round(l.advanceX),
      tileHeight: l.hint ? l.tileH : Math.round(l.advanceY),
    }));
    if (init.mpp) this.mpp = init.mpp;
    if (init.objectivePower !== undefined) this.objectivePower = init.objectivePower;
    this.properties = Object.freeze({ ...init.properties, [PROPERTY.vendor]: 'mirax' });
    this.associatedImages = ['label', 'macro', 'thumbnail'].filter((n) => init.associated.has(n));
    this.#cache = new ImageCache(options.cacheBytes ?? options.cache?.maxBytes ?? DEFAULT_TILE_CACHE_BYTES);
    this.#bins = init.levels.map((l) => {
      const bins = new Map<number, PlacedTile[]>();
      for (const t of l.tiles) {
        for (let r = Math.floor(t.y / BIN); r <= Math.floor((t.y + Math.max(t.h, t.drawH)) / BIN); r++) {
          for (let c = Math.floor(t.x / BIN); c <= Math.floor((t.x + Math.max(t.w, t.drawW)) / BIN); c++) {
            const k = r * 0x200000 + c;
            const list = bins.get(k);
            if (list) list.push(t);
            else bins.set(k, [t]);
          }
        }
      }
      return bins;
    });
  }

  /**
   * The decoded-image cache (hit/miss counters for benchmarks). MIRAX keeps its own per-slide budget
   * (`cacheBytes`, else the size of a given shared `cache`), so that evicted image buffers can be reused.
   */
  get imageCache(): ImageCache {
    return this.#cache;
  }

  bestLevelForDownsample(downsample: number): number {
    return bestLevelForDownsample(this.levels, downsample);
  }

  async readRegion(region: Region, options: SlideReadOptions = {}): Promise<Raster> {
    return this.#readRegion(region, options.signal, false);
  }

  /**
   * Reads many regions with up to `concurrency` in flight, yielding them in input order, as
   * {@link TiledSlide.readRegions} does (each raster equals `readRegion(region)`; with `recycle` a raster is valid
   * only until the next one is asked for, and its buffer is reused).
   *
   * @example
   * ```ts
   * for await (const { index, raster } of slide.readRegions(regions, { concurrency: 4, recycle: true })) use(raster);
   * ```
   */
  async *readRegions(regions: Iterable<Region>, options: ReadRegionsOptions = {}): AsyncGenerator<RegionResult> {
    this.#checkOpen();
    yield* readRegionsInOrder(regions, options, (r, signal, pooled) => this.#readRegion(r, signal, pooled));
  }

  /** `pooled`: the output comes from the shared buffer pool (readRegions with recycling). */
  async #readRegion(region: Region, signal: AbortSignal | undefined, pooled: boolean): Promise<Raster> {
    this.#checkOpen();
    const { x, y, width, height, level } = region;
    if (!Number.isInteger(level) || level < 0 || level >= this.levels.length) {
      throw new WsiError('OutOfBounds', `level ${level} outside 0..${this.levels.length - 1}`);
    }
    for (const [k, v] of [
      ['x', x],
      ['y', y],
    ] as const) {
      if (!Number.isSafeInteger(v)) throw new WsiError('InvalidArgument', `region ${k} must be an integer, got ${v}`);
    }
    const out = (pooled ? pooledRaster(width, height, 4) : createRaster(width, height, 4)) as Raster<'uint8'>;
    const ds = (this.levels[level] as SlideLevel).downsample;
    // (on failure a pooled buffer is left to the GC: other chunks may still be painting into it)
    await Promise.all(paintChunks(x, y, width, height, ds).map((c) => this.#paint(out, c, level, signal)));
    return out;
  }

  async #paint(
    out: Raster<'uint8'>,
    { ox, oy, x, y, w, h }: PaintChunk,
    li: number,
    signal?: AbortSignal,
  ): Promise<void> {
    const ds = (this.levels[li] as SlideLevel).downsample;
    const fx = x / ds;
    const fy = y / ds;
    const lvl = this.#init.levels[li] as MiraxLevel;
    const { imageWidth: iw, imageHeight: ih } = lvl;
    let tiles = this.#tilesIn(li, fx, fy, w, h);
    // at integer offsets a tile drawn over by later ones is not read at all, and the others only where they show
    let clips: WindowRect[] | undefined;
    if (integerShifts(tiles, fx, fy)) {
      const vis = visibleRects(tiles, fx, fy, w, h, iw, ih);
      tiles = tiles.filter((_, i) => vis[i]);
      clips = vis.filter((v): v is WindowRect => v !== undefined);
    }
    // the part of each camera image the window reads (an image may back several tiles)
    const rects = new Map<MiraxImage, { x0: number; y0: number; x1: number; y1: number }>();
    for (const [i, t] of tiles.entries()) {
      const r = imageRectFor(t, fx, fy, w, h, iw, ih, clips?.[i]);
      if (!r) continue;
      const u = rects.get(t.image);
      if (!u) rects.set(t.image, { x0: r.x, y0: r.y, x1: r.x + r.width, y1: r.y + r.height });
      else {
        u.x0 = Math.min(u.x0, r.x);
        u.y0 = Math.min(u.y0, r.y);
        u.x1 = Math.max(u.x1, r.x + r.width);
        u.y1 = Math.max(u.y1, r.y + r.height);
      }
    }
    // An uncached JPEG image of which the window reads less than half is decoded in part (libjpeg-turbo's cropped
    // decode, exact inside the part) and not cached; the others go through the image cache whole, as OpenSlide's.
    const parts = new Map<MiraxImage, Promise<DecodedWindow | undefined>>();
    for (const [image, u] of rects) {
      const key = `${li}:${image.id}`;
      if (lvl.format !== 'JPEG' || this.#cache.has(key) || 2 * (u.x1 - u.x0) * (u.y1 - u.y0) >= iw * ih) continue;
      const want = { x: u.x0, y: u.y0, width: u.x1 - u.x0, height: u.y1 - u.y0 };
      parts.set(image, this.#decodePart(li, image, want, signal));
    }
    const loads = tiles.map(async (t): Promise<{ part?: DecodedWindow; entry?: ImageEntry }> => {
      const part = await parts.get(t.image);
      return part ? { part } : { entry: await this.#image(li, t.image) };
    });
    const settled = await Promise.allSettled(loads);
    const got = settled.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    try {
      for (const r of settled) if (r.status === 'rejected') throw r.reason;
      throwIfAborted(signal);
      const draw: DrawTile[] = tiles.map((tile, i) => {
        const g = got[i] as { part?: DecodedWindow; entry?: ImageEntry };
        const clip = clips?.[i];
        const d: DrawTile = g.part
          ? { tile, image: g.part, ox: g.part.x, oy: g.part.y, fullWidth: iw, fullHeight: ih }
          : { tile, image: (g.entry as ImageEntry).raster };
        if (clip) d.clip = clip;
        return d;
      });
      paintTiles(out, ox, oy, fx, fy, w, h, draw);
    } finally {
      for (const g of got) if (g.entry) this.#cache.release(g.entry);
      const done = new Set<Uint8Array>();
      for (const g of got) if (g.part && !done.has(g.part.data)) done.add(g.part.data);
      for (const d of done) sharedBufferPool.release(d);
    }
  }

  /** Decodes the part `want` of a JPEG camera image into a pooled buffer, or undefined when it cannot be cropped. */
  async #decodePart(
    li: number,
    image: MiraxImage,
    want: { x: number; y: number; width: number; height: number },
    signal?: AbortSignal,
  ): Promise<DecodedWindow | undefined> {
    const lvl = this.#init.levels[li] as MiraxLevel;
    const name = this.#init.data.names[image.file] ?? '';
    const bytes = await this.#bytes(image);
    try {
      const part = await decodeJpegWindow(
        bytes,
        jpegInfo(lvl.imageWidth, lvl.imageHeight),
        want,
        (n) => sharedBufferPool.acquireScratch(n),
        signal,
      );
      if (part && part.channels !== 4) {
        sharedBufferPool.release(part.data);
        return undefined;
      }
      return part;
    } catch (err) {
      if (isWsiError(err, 'Aborted')) throw err;
      const msg = err instanceof Error ? err.message : String(err);
      throw new WsiError('CorruptFile', `${name}: JPEG image at offset ${image.offset} does not decode: ${msg}`, {
        cause: err,
        details: { file: name },
      });
    } finally {
      sharedBufferPool.release(bytes);
    }
  }

  /** Tiles touching the window, sorted (row, col) ascending, as OpenSlide's range filter keeps them. */
  #tilesIn(li: number, fx: number, fy: number, w: number, h: number): PlacedTile[] {
    const bins = this.#bins[li]!;
    const found = new Set<PlacedTile>();
    for (let r = Math.floor(fy / BIN); r <= Math.floor((fy + h) / BIN); r++) {
      for (let c = Math.floor(fx / BIN); c <= Math.floor((fx + w) / BIN); c++) {
        for (const t of bins.get(r * 0x200000 + c) ?? []) {
          if (t.x + t.w <= fx || t.y + t.h <= fy || t.x >= fx + w || t.y >= fy + h) continue;
          found.add(t);
        }
      }
    }
    return [...found].sort((a, b) => a.row - b.row || a.col - b.col);
  }

  #image(li: number, image: MiraxImage): Promise<ImageEntry> {
    const lvl = this.#init.levels[li] as MiraxLevel;
    const size = lvl.imageWidth * lvl.imageHeight * 4;
    return this.#cache.acquire(`${li}:${image.id}`, size, (into) => this.#decode(li, image, into));
  }

  /** A record's bytes, in a pooled scratch buffer for local files (release it once decoded). */
  async #bytes(rec: { file: number; offset: number; length: number }): Promise<Uint8Array> {
    const name = this.#init.data.names[rec.file] ?? `file ${rec.file}`;
    const src = await this.#init.data.open(rec.file);
    const size = await src.size();
    if (rec.offset + rec.length > size) {
      throw new WsiError(
        'CorruptFile',
        `${name}: record at ${rec.offset}+${rec.length} runs past the end of the file (${size} bytes)`,
        { details: { file: name } },
      );
    }
    const into = sharedBufferPool.acquireScratch(rec.length);
    try {
      const bytes = await src.read(rec.offset, rec.length, into);
      if (bytes !== into) sharedBufferPool.release(into);
      return bytes;
    } catch (err) {
      sharedBufferPool.release(into);
      throw err;
    }
  }

  async #decode(li: number, image: MiraxImage, into: Uint8Array | undefined): Promise<Raster<'uint8'>> {
    const lvl = this.#init.levels[li]!;
    const name = this.#init.data.names[image.file] ?? '';
    // PNG tiles need sharp: loaded outside the try, so that its absence is UnsupportedFormat, not a corrupt image
    const vips = lvl.format === 'PNG' ? sharp() : undefined;
    const bytes = await this.#bytes(image);
    const { imageWidth: w, imageHeight: h } = lvl;
    try {
      if (lvl.format === 'JPEG') {
        const r = await decodeTile(bytes, jpegInfo(w, h), undefined, into);
        return toLayout(r, RGBA) as Raster<'uint8'>;
      }
      if (lvl.format === 'BMP') return decodeBmp(bytes, w, h);
      const { data, info } = await (vips as NonNullable<typeof vips>)(bytes)
        .removeAlpha()
        .ensureAlpha(1)
        .raw()
        .toBuffer({ resolveWithObject: true });
      if (info.width !== w || info.height !== h)
        throw new WsiError('CorruptFile', `image is ${info.width}×${info.height}, expected ${w}×${h}`);
      return {
        width: w,
        height: h,
        channels: 4,
        dtype: 'uint8',
        data: new Uint8Array(data.buffer, data.byteOffset, data.length),
      };
    } catch (err) {
      const msg = err instanceof Error ? err.message : String(err);
      throw new WsiError(
        'CorruptFile',
        `${name}: ${lvl.format} image at offset ${image.offset} does not decode: ${msg}`,
        { cause: err, details: { file: name } },
      );
    } finally {
      sharedBufferPool.release(bytes);
    }
  }

  async readAssociatedImage(name: AssociatedImageName, options: SlideReadOptions = {}): Promise<Raster> {
    this.#checkOpen();
    throwIfAborted(options.signal);
    const rec = this.#init.associated.get(name);
    if (!rec) throw new WsiError('NotFound', `${this.description}: no associated image "${name}"`);
    const bytes = await this.#bytes(rec);
    const file = this.#init.data.names[rec.file] ?? '';
    let header: ReturnType<typeof readJpegHeader>;
    try {
      header = readJpegHeader(bytes);
    } catch (err) {
      throw new WsiError('CorruptFile', `${file}: ${name} image is not a JPEG`, { cause: err, details: { file } });
    }
    const r = await decodeTile(bytes, jpegInfo(header.width, header.height), options.signal);
    return toLayout(r, RGBA) as Raster<'uint8'>;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#cache.clear();
    for (const s of this.#init.owned) await s.close().catch(() => {});
  }

  #checkOpen(): void {
    if (this.#closed) throw new WsiError('InvalidArgument', `${this.description}: slide is closed`);
  }
}

/** A camera image or associated image: a complete YCbCr JPEG stream of `width` × `height`. */
function jpegInfo(width: number, height: number): TileDecodeInfo {
  return {
    compression: 7,
    photometric: 6,
    width,
    height,
    samplesPerPixel: 3,
    bitsPerSample: 8,
    planarConfig: 1,
    predictor: 1,
  };
}
