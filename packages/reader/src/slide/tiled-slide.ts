/**
 * {@link TiledSlide}: the format-independent half of a `Slide` — OpenSlide's region semantics (level-0 origin,
 * sub-pixel bilinear positioning, transparent outside, 4096² painting chunks), tile reads clipped to the level,
 * and a shared decoded-tile LRU with request coalescing. A format (TIFF, NDPI, MIRAX, DICOM) subclasses it and
 * supplies how one tile of one level is decoded.
 */
import {
  type AssociatedImageName,
  PROPERTY,
  type Raster,
  type Region,
  type Slide,
  type SlideFormat,
  type SlideLevel,
  type SlideReadOptions,
  WsiError,
  bestLevelForDownsample,
  createRaster,
  throwIfAborted,
} from '@wsi/core';
import type { PixelLayout } from './pixels.js';
import { bilinearShift, copyWindow, subpixel } from './region.js';
import { TileCache } from './tile-cache.js';

/** Metadata a subclass passes to {@link TiledSlide}. */
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

/** Cache options shared by every slide class. */
export interface TiledSlideOptions {
  /** Shared decoded-tile cache (a `SlideReader` passes one for all its slides). */
  cache?: TileCache;
  /** Byte budget of a private cache when `cache` is not given. */
  cacheBytes?: number;
}

let nextSlideId = 0;
/** OpenSlide paints regions in 4096² chunks, each with its own sub-pixel origin. */
const CHUNK = 4096;

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

  /** Releases files and handles; called once by {@link close}. */
  protected abstract closeResources(): Promise<void>;

  abstract readAssociatedImage(name: AssociatedImageName, options?: SlideReadOptions): Promise<Raster>;

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
   * level are (0,0,0,0); regions over 4096 px are painted in OpenSlide's 4096² chunks.
   */
  async readRegion(region: Region, options: SlideReadOptions = {}): Promise<Raster> {
    this.checkOpen();
    const { x, y, width, height } = region;
    const li = this.checkLevel(region.level);
    for (const [k, v] of [['x', x], ['y', y]] as const) {
      if (!Number.isSafeInteger(v)) throw new WsiError('InvalidArgument', `region ${k} must be an integer, got ${v}`);
    }
    const layout = this.layouts[li] as PixelLayout;
    const out = createRaster(width, height, layout.channels, layout.dtype);
    const ds = (this.levels[li] as SlideLevel).downsample;
    const jobs: Promise<void>[] = [];
    for (let row = 0; row * CHUNK < height; row++) {
      for (let col = 0; col * CHUNK < width; col++) {
        const sx = Math.trunc(x + col * CHUNK * ds);
        const sy = Math.trunc(y + row * CHUNK * ds);
        const sw = Math.min(width - col * CHUNK, CHUNK);
        const sh = Math.min(height - row * CHUNK, CHUNK);
        jobs.push(this.#paint(out, col * CHUNK, row * CHUNK, sx, sy, li, sw, sh, options.signal));
      }
    }
    await Promise.all(jobs);
    return out;
  }

  async #paint(out: Raster, ox: number, oy: number, x: number, y: number, li: number, w: number, h: number, signal?: AbortSignal): Promise<void> {
    const ds = (this.levels[li] as SlideLevel).downsample;
    let tx = 0;
    let ty = 0;
    if (x < 0) {
      tx = Math.trunc(-x / ds);
      x = 0;
      w -= tx;
    }
    if (y < 0) {
      ty = Math.trunc(-y / ds);
      y = 0;
      h -= ty;
    }
    if (w <= 0 || h <= 0) return;
    const grid = this.levels[li] as SlideLevel;
    const fetch = (c: number, r: number) => this.cachedTile(li, c, r, signal);
    const sx = subpixel(x / ds);
    const sy = subpixel(y / ds);
    const layout = this.layouts[li] as PixelLayout;
    if (!layout.rgba || (sx.weight === 0 && sy.weight === 0)) {
      await copyWindow(grid, fetch, out, ox + tx, oy + ty, sx.i, sy.i, w, h);
      return;
    }
    const win = createRaster(w + 1, h + 1, 4);
    await copyWindow(grid, fetch, win, 0, 0, sx.i, sy.i, w + 1, h + 1);
    bilinearShift(win, out as Raster<'uint8'>, ox + tx, oy + ty, w, h, sx.weight, sy.weight);
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
    const p = this.#cache.get(`${this.#prefix}${li}:${col}:${row}`, () => this.decodeTile(li, col, row));
    return signal ? raceAbort(p, signal) : p;
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

/** Rejects when the signal fires, without cancelling the shared work behind `p`. */
export function raceAbort<T>(p: Promise<T>, signal: AbortSignal): Promise<T> {
  throwIfAborted(signal);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new WsiError('Aborted', 'the read was aborted', { cause: signal.reason }));
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}
