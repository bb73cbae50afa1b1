/**
 * {@link TiledSlide}: the format-independent half of a `Slide` — OpenSlide's region semantics (level-0 origin,
 * sub-pixel bilinear positioning, transparent outside, 4096² painting chunks), tile reads clipped to the level,
 * and a shared decoded-tile LRU with request coalescing. A format (TIFF, NDPI, MIRAX, DICOM) subclasses it and
 * supplies how one tile of one level is decoded.
 */

import {
  type AssociatedImageName,
  bestLevelForDownsample,
  createRaster,
  PROPERTY,
  type Raster,
  type Region,
  raceAbort,
  type Slide,
  type SlideFormat,
  type SlideLevel,
  type SlideReadOptions,
  throwIfAborted,
  WsiError,
} from '@wsi/core';
import { compositeOnto, parseBackground, type RegionReadOptions } from './background.js';
import { pooledRaster, sharedBufferPool } from './buffer-pool.js';
import type { PixelLayout } from './pixels.js';
import { type ReadRegionsOptions, type RegionResult, readRegionsInOrder } from './read-regions.js';
import { bilinearShift, copyWindow, type PaintChunk, paintChunks, subpixel } from './region.js';
import { TileCache } from './tile-cache.js';

/**
 * Metadata a subclass passes to {@link TiledSlide}.
 *
 * @example
 * ```ts
 * const init: TiledSlideInit = { format: 'dicom', levels, layouts, properties, description: 'series 1.2.3' };
 * ```
 */
export interface TiledSlideInit {
  format: SlideFormat;
  /** Levels, largest first; `tileWidth`/`tileHeight` define the grid `decodeTile` is asked for. */
  levels: readonly SlideLevel[];
  /** Channels and dtype of each level's regions. */
  layouts: readonly PixelLayout[];
  /** Properties with OpenSlide's keys; `openslide.vendor` is added from `format` when missing. */
  properties: Record<string, string>;
  associatedImages?: readonly AssociatedImageName[];
  mpp?: { x: number; y: number };
  objectivePower?: number;
  /** Used in error messages (path or URL). */
  description: string;
}

/**
 * Cache options shared by every slide class.
 *
 * @example
 * ```ts
 * const shared = new TileCache(256 << 20);
 * const a = await openSlide('a.svs', { cache: shared } satisfies TiledSlideOptions);
 * ```
 */
export interface TiledSlideOptions {
  /** Shared decoded-tile cache (a `SlideReader` passes one for all its slides). */
  cache?: TileCache;
  /** Byte budget of a private cache when `cache` is not given. */
  cacheBytes?: number;
}

export type { ReadRegionsOptions, RegionResult } from './read-regions.js';

let nextSlideId = 0;

/**
 * Base class of every tiled slide.
 *
 * @example
 * ```ts
 * class MySlide extends TiledSlide {
 *   protected decodeTile(level: number, col: number, row: number) { return decodeMyTile(level, col, row); }
 *   async readAssociatedImage(name: string): Promise<Raster> { throw new WsiError('NotFound', name); }
 *   protected async closeResources() {}
 * }
 * ```
 */
export abstract class TiledSlide implements Slide {
  readonly format: SlideFormat;
  readonly levels: readonly SlideLevel[];
  readonly mpp?: { x: number; y: number };
  readonly objectivePower?: number;
  readonly properties: Readonly<Record<string, string>>;
  readonly associatedImages: readonly AssociatedImageName[];
  readonly description: string;
  protected readonly layouts: readonly PixelLayout[];
  readonly #cache: TileCache;
  readonly #prefix = `s${nextSlideId++}:`;
  #closed = false;

  constructor(init: TiledSlideInit, options: TiledSlideOptions = {}) {
    if (init.levels.length === 0) throw new WsiError('CorruptFile', `${init.description}: no pyramid level`);
    this.format = init.format;
    this.levels = init.levels;
    this.layouts = init.layouts;
    this.description = init.description;
    this.associatedImages = init.associatedImages ?? [];
    if (init.mpp) this.mpp = init.mpp;
    if (init.objectivePower !== undefined) this.objectivePower = init.objectivePower;
    this.properties = Object.freeze({
      ...init.properties,
      [PROPERTY.vendor]: init.properties[PROPERTY.vendor] ?? String(init.format),
    });
    this.#cache = options.cache ?? new TileCache(options.cacheBytes);
  }

  /**
   * Decodes tile (col, row) of a level in that level's layout, or null for a missing tile (painted transparent).
   * May return a raster larger than the tile at the level's right/bottom edge; only the part inside is used.
   */
  protected abstract decodeTile(level: number, col: number, row: number, signal?: AbortSignal): Promise<Raster | null>;

  /**
   * Optional direct path: paints the level rectangle (`x`, `y`, `width`, `height`) — level pixels, wholly inside the
   * level — into `dst` at (`dx`, `dy`) straight from the file, bypassing the tile grid and the tile cache, and
   * resolves true; resolves false when the format has no such path for it, and the tile path then paints the whole
   * rectangle (over anything written). NDPI uses it to decode exactly the restart intervals a region covers, in one
   * cropped decode.
   */
  protected paintWindow?(
    li: number,
    dst: Raster,
    dx: number,
    dy: number,
    x: number,
    y: number,
    width: number,
    height: number,
    signal?: AbortSignal,
  ): Promise<boolean>;

  /** Releases files and handles; called once by {@link close}. */
  protected abstract closeResources(): Promise<void>;

  abstract readAssociatedImage(name: AssociatedImageName, options?: SlideReadOptions): Promise<Raster>;

  /**
   * True when `decodeTile` returns rasters that nothing else references (fresh or pooled buffers), so a region that
   * is exactly one tile can be returned as the decoded raster itself. Subclasses opt in by overriding.
   */
  protected get exclusiveTiles(): boolean {
    return false;
  }

  /** OpenSlide's rule: the largest level whose downsample is ≤ `downsample`. */
  bestLevelForDownsample(downsample: number): number {
    return bestLevelForDownsample(this.levels, downsample);
  }

  /** The decoded-tile cache (hit/miss counters for benchmarks). */
  get tileCache(): TileCache {
    return this.#cache;
  }

  /**
   * Reads a region exactly as OpenSlide 3.4.1 does: `x`, `y` in level-0 pixels, the level-space origin
   * `x / downsample` kept as a double and its fractional part applied as a bilinear shift; pixels outside the
   * level are (0,0,0,0) unless `options.background` gives a colour to composite onto; regions over 4096 px are
   * painted in OpenSlide's 4096² chunks.
   */
  readRegion(region: Region, options: RegionReadOptions = {}): Promise<Raster> {
    if (options.background === undefined) return this.#readRegion(region, options.signal, false, false);
    const bg = parseBackground(options.background);
    return this.#readRegion(region, options.signal, false, false).then((r) => {
      compositeOnto(r, bg);
      return r;
    });
  }

  /**
   * Reads many regions with up to `concurrency` in flight, yielding them in input order — the way to scan a patch
   * grid fast (decodes of several regions overlap on the threadpool; tiles shared by neighbours decode once).
   * Each raster equals `readRegion(region)`. A region that is exactly one tile not already cached is that tile's
   * decode, returned without assembly or copy and not cached (a scan reads each tile once). Stopping early
   * (`break`) leaves no work behind.
   *
   * @example
   * ```ts
   * const regions = coords.map(([x, y]) => ({ x, y, level: 0, width: 256, height: 256 }));
   * for await (const { index, raster } of slide.readRegions(regions, { concurrency: 8, recycle: true })) {
   *   consume(index, raster); // with recycle, copy the pixels if you keep them
   * }
   * ```
   */
  async *readRegions(regions: Iterable<Region>, options: ReadRegionsOptions = {}): AsyncGenerator<RegionResult> {
    this.checkOpen();
    yield* readRegionsInOrder(regions, options, (r, signal, pooled) => this.#readRegion(r, signal, pooled, true));
  }

  /**
   * `pooled`: the output comes from the buffer pool (readRegions with recycling). `direct`: a region that is exactly
   * one uncached tile is returned as that tile's decode, bypassing the cache (readRegions: one-shot scans); single
   * `readRegion` calls go through the cache, so repeated reads of a patch decode once.
   */
  async #readRegion(
    region: Region,
    signal: AbortSignal | undefined,
    pooled: boolean,
    direct: boolean,
  ): Promise<Raster> {
    this.checkOpen();
    throwIfAborted(signal);
    const { x, y, width, height } = region;
    const li = this.checkLevel(region.level);
    for (const [k, v] of [
      ['x', x],
      ['y', y],
    ] as const) {
      if (!Number.isSafeInteger(v)) throw new WsiError('InvalidArgument', `region ${k} must be an integer, got ${v}`);
    }
    const layout = this.layouts[li] as PixelLayout;
    const lvl = this.levels[li] as SlideLevel;
    const ds = lvl.downsample;
    if (direct && this.exclusiveTiles && width === lvl.tileWidth && height === lvl.tileHeight && x >= 0 && y >= 0) {
      const fast = await this.#wholeTile(li, x, y, signal);
      if (fast) return fast;
    }
    const out =
      pooled && layout.dtype === 'uint8'
        ? pooledRaster(width, height, layout.channels)
        : createRaster(width, height, layout.channels, layout.dtype);
    await Promise.all(paintChunks(x, y, width, height, ds).map((c) => this.#paint(out, c, li, signal)));
    return out;
  }

  /**
   * The tile-aligned fast path: a region that is exactly one whole tile inside the level, at an integer level
   * position, is that tile's decode — returned as is, no assembly, no copy, and not inserted in the cache (a grid
   * scan reads each tile once; caching would only cost memory). Undefined when the fast path does not apply.
   */
  async #wholeTile(li: number, x: number, y: number, signal?: AbortSignal): Promise<Raster | undefined> {
    const lvl = this.levels[li] as SlideLevel;
    const tw = lvl.tileWidth;
    const th = lvl.tileHeight;
    const sx = subpixel(x / lvl.downsample);
    const sy = subpixel(y / lvl.downsample);
    if (sx.frac !== 0 || sy.frac !== 0 || sx.i % tw !== 0 || sy.i % th !== 0) return undefined;
    if (sx.i + tw > lvl.width || sy.i + th > lvl.height) return undefined;
    const col = sx.i / tw;
    const row = sy.i / th;
    if (this.#cache.has(this.#key(li, col, row))) return undefined; // cached or in flight: copy it (normal path)
    const layout = this.layouts[li] as PixelLayout;
    const tile = await this.decodeTile(li, col, row, signal);
    if (!tile) return createRaster(tw, th, layout.channels, layout.dtype);
    if (tile.width === tw && tile.height === th && tile.channels === layout.channels && tile.dtype === layout.dtype)
      return tile;
    const out = createRaster(tw, th, layout.channels, layout.dtype);
    await copyWindow(lvl, () => Promise.resolve(tile), out, 0, 0, sx.i, sy.i, tw, th);
    sharedBufferPool.release(tile.data);
    return out;
  }

  #key(li: number, col: number, row: number): string {
    return `${this.#prefix}${li}:${col}:${row}`;
  }

  async #paint(out: Raster, { ox, oy, x, y, w, h }: PaintChunk, li: number, signal?: AbortSignal): Promise<void> {
    const ds = (this.levels[li] as SlideLevel).downsample;
    const grid = this.levels[li] as SlideLevel;
    const fetch = (c: number, r: number) => this.cachedTile(li, c, r, signal);
    const sx = subpixel(x / ds);
    const sy = subpixel(y / ds);
    const layout = this.layouts[li] as PixelLayout;
    const inside = (ww: number, hh: number) =>
      sx.i >= 0 && sy.i >= 0 && sx.i + ww <= grid.width && sy.i + hh <= grid.height;
    if (!layout.rgba || (sx.weight === 0 && sy.weight === 0)) {
      if (this.paintWindow && inside(w, h) && (await this.paintWindow(li, out, ox, oy, sx.i, sy.i, w, h, signal)))
        return;
      await copyWindow(grid, fetch, out, ox, oy, sx.i, sy.i, w, h);
      return;
    }
    const win = createRaster(w + 1, h + 1, 4);
    const direct =
      this.paintWindow && inside(w + 1, h + 1)
        ? await this.paintWindow(li, win, 0, 0, sx.i, sy.i, w + 1, h + 1, signal)
        : false;
    if (!direct) await copyWindow(grid, fetch, win, 0, 0, sx.i, sy.i, w + 1, h + 1);
    bilinearShift(win, out as Raster<'uint8'>, ox, oy, w, h, sx.weight, sy.weight);
  }

  /**
   * One decoded tile of a level, clipped to the level (edge tiles are smaller), in the level's layout.
   * Missing tiles come back transparent.
   */
  async readTile(level: number, col: number, row: number, options: SlideReadOptions = {}): Promise<Raster> {
    this.checkOpen();
    const li = this.checkLevel(level);
    const lvl = this.levels[li] as SlideLevel;
    const across = Math.ceil(lvl.width / lvl.tileWidth);
    const down = Math.ceil(lvl.height / lvl.tileHeight);
    if (!(Number.isInteger(col) && Number.isInteger(row) && col >= 0 && row >= 0 && col < across && row < down)) {
      throw new WsiError('OutOfBounds', `tile (${col}, ${row}) outside level ${li}'s ${across}×${down} grid`);
    }
    const x = col * lvl.tileWidth;
    const y = row * lvl.tileHeight;
    const w = Math.min(lvl.tileWidth, lvl.width - x);
    const h = Math.min(lvl.tileHeight, lvl.height - y);
    const layout = this.layouts[li] as PixelLayout;
    const out = createRaster(w, h, layout.channels, layout.dtype);
    await copyWindow(lvl, (c, r) => this.cachedTile(li, c, r, options.signal), out, 0, 0, x, y, w, h);
    return out;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#cache.evictPrefix(this.#prefix);
    await this.closeResources();
  }

  /** A decoded tile through the shared cache (one decode however many callers ask at once). */
  protected cachedTile(li: number, col: number, row: number, signal?: AbortSignal): Promise<Raster | null> {
    throwIfAborted(signal);
    const p = this.#cache.get(this.#key(li, col, row), () => this.decodeTile(li, col, row));
    return raceAbort(p, signal, this.description);
  }

  protected checkLevel(level: number): number {
    if (!Number.isInteger(level) || level < 0 || level >= this.levels.length) {
      throw new WsiError('OutOfBounds', `level ${level} outside 0..${this.levels.length - 1}`);
    }
    return level;
  }

  protected checkOpen(): void {
    if (this.#closed) throw new WsiError('InvalidArgument', `${this.description}: slide is closed`);
  }
}
