/**
 * {@link TiffSlide}: a `Slide` over TIFF directories (levels and associated images), with OpenSlide's region
 * semantics, a shared decoded-tile LRU with request coalescing, and raw tile access for pass-through.
 */
import {
  type AssociatedImageName,
  type ByteSource,
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
  isWsiError,
  levelDownsample,
  throwIfAborted,
} from '@wsi/core';
import { decodeTile, tileDecoders } from '../decode/index.js';
import { COMPRESSION_NAMES } from '../tiff/tags.js';
import type { TiffImage } from '../tiff/image.js';
import { levelProperties } from '../tiff/properties.js';
import { TAG } from '../tiff/tags.js';
import { type PixelLayout, pixelLayout, toLayout } from './pixels.js';
import { bilinearShift, copyWindow, subpixel } from './region.js';
import { TileCache } from './tile-cache.js';

/** What a format module hands to {@link TiffSlide}. */
export interface TiffSlideInit {
  format: SlideFormat;
  source: ByteSource;
  /** Pyramid levels, largest first. */
  levels: readonly TiffImage[];
  /** Associated images by name, in OpenSlide's order. */
  associated?: ReadonlyMap<string, TiffImage>;
  /** Format properties (`tiff.*`, vendor keys, `openslide.mpp-x`…); level and vendor keys are added. */
  properties: Record<string, string>;
  mpp?: { x: number; y: number };
  objectivePower?: number;
  /** Channel names (OME), when known. */
  channelNames?: readonly string[];
  /** Level sizes smaller than the stored images (Philips pads levels to whole tiles). */
  levelSizes?: readonly { width: number; height: number }[];
}

/** Options for a slide's caches. */
export interface TiffSlideOptions {
  /** Shared decoded-tile cache (a `SlideReader` passes one for all its slides). */
  cache?: TileCache;
  /** Byte budget of a private cache when `cache` is not given. */
  cacheBytes?: number;
  /** Close the byte source on `close()` (default true). */
  closeSource?: boolean;
}

/** A tile's stored bytes, for pass-through (re-muxing without re-encoding). */
export interface RawTile {
  bytes: Uint8Array;
  compression: number;
  /** JPEGTables to splice in front of an abbreviated JPEG tile, when the level has them. */
  jpegTables?: Uint8Array;
  width: number;
  height: number;
}

let nextSlideId = 0;
const CHUNK = 4096;

/**
 * A TIFF-family slide. Made by {@link openSlide}; format modules build it from parsed directories.
 *
 * @example
 * ```ts
 * const slide = await openSlide('CMU-1-Small-Region.svs');
 * const tile = await slide.readTile(0, 2, 3);            // decoded, clipped to the level
 * const raw = await slide.readRawTile(0, 2, 3);          // stored JPEG bytes
 * const icc = await slide.readIccProfile();              // Uint8Array | undefined
 * ```
 */
export class TiffSlide implements Slide {
  readonly format: SlideFormat;
  readonly levels: readonly SlideLevel[];
  readonly mpp?: { x: number; y: number };
  readonly objectivePower?: number;
  readonly properties: Readonly<Record<string, string>>;
  readonly associatedImages: readonly AssociatedImageName[];
  readonly channelNames: readonly string[] | undefined;
  readonly source: ByteSource;
  readonly #images: readonly TiffImage[];
  readonly #layouts: readonly PixelLayout[];
  readonly #associated: ReadonlyMap<string, TiffImage>;
  readonly #cache: TileCache;
  readonly #prefix = `s${nextSlideId++}:`;
  readonly #closeSource: boolean;
  #closed = false;

  constructor(init: TiffSlideInit, options: TiffSlideOptions = {}) {
    if (init.levels.length === 0) throw new WsiError('CorruptFile', `${init.source.description}: no pyramid level`);
    const base = init.levels[0] as TiffImage;
    for (const img of init.levels) {
      if (!tileDecoders.has(img.compression)) {
        const name = COMPRESSION_NAMES[img.compression];
        throw new WsiError('UnsupportedFormat', `${init.source.description}: unsupported TIFF compression ${img.compression}${name ? ` (${name})` : ''}`, {
          details: { compression: img.compression },
        });
      }
    }
    this.format = init.format;
    this.source = init.source;
    this.#images = init.levels;
    this.#layouts = init.levels.map(pixelLayout);
    const sizes = init.levels.map((img, i) => init.levelSizes?.[i] ?? { width: img.width, height: img.height });
    const s0 = sizes[0] as { width: number; height: number };
    this.levels = init.levels.map((img, i) => ({
      width: (sizes[i] as { width: number }).width,
      height: (sizes[i] as { height: number }).height,
      downsample: levelDownsample(s0.width, s0.height, (sizes[i] as { width: number }).width, (sizes[i] as { height: number }).height),
      tileWidth: img.tileWidth,
      tileHeight: img.tileHeight,
    }));
    this.#associated = init.associated ?? new Map();
    this.associatedImages = [...this.#associated.keys()];
    if (init.mpp) this.mpp = init.mpp;
    if (init.objectivePower !== undefined) this.objectivePower = init.objectivePower;
    this.channelNames = init.channelNames;
    const icc = base.ifd.entries.get(TAG.IccProfile);
    this.properties = Object.freeze({
      ...init.properties,
      ...levelProperties(this.levels),
      [PROPERTY.vendor]: init.properties[PROPERTY.vendor] ?? String(init.format),
      ...(icc ? { [PROPERTY.iccSize]: String(icc.byteLength) } : {}),
    });
    this.#cache = options.cache ?? new TileCache(options.cacheBytes);
    this.#closeSource = options.closeSource ?? true;
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
   * level are (0,0,0,0); regions over 4096 px are painted in OpenSlide's 4096² chunks.
   */
  async readRegion(region: Region, options: SlideReadOptions = {}): Promise<Raster> {
    this.#checkOpen();
    const { x, y, width, height } = region;
    const li = this.#checkLevel(region.level);
    for (const [k, v] of [['x', x], ['y', y]] as const) {
      if (!Number.isSafeInteger(v)) throw new WsiError('InvalidArgument', `region ${k} must be an integer, got ${v}`);
    }
    const layout = this.#layouts[li] as PixelLayout;
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
    const fetch = (c: number, r: number) => this.#tile(li, c, r, signal);
    const sx = subpixel(x / ds);
    const sy = subpixel(y / ds);
    const layout = this.#layouts[li] as PixelLayout;
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
    this.#checkOpen();
    const li = this.#checkLevel(level);
    const img = this.#images[li] as TiffImage;
    if (!(Number.isInteger(col) && Number.isInteger(row) && col >= 0 && row >= 0 && col < img.tilesAcross && row < img.tilesDown)) {
      throw new WsiError('OutOfBounds', `tile (${col}, ${row}) outside level ${li}'s ${img.tilesAcross}×${img.tilesDown} grid`);
    }
    const lvl = this.levels[li] as SlideLevel;
    const x = col * img.tileWidth;
    const y = row * img.tileHeight;
    const w = Math.max(0, Math.min(img.tileWidth, lvl.width - x));
    const h = Math.max(0, Math.min(img.tileHeight, lvl.height - y));
    const layout = this.#layouts[li] as PixelLayout;
    const out = createRaster(w, h, layout.channels, layout.dtype);
    await copyWindow(this.levels[li] as SlideLevel, (c, r) => this.#tile(li, c, r, options.signal), out, 0, 0, x, y, w, h);
    return out;
  }

  /** A tile's stored (compressed) bytes, or null for a missing tile. */
  async readRawTile(level: number, col: number, row: number, options: SlideReadOptions = {}): Promise<RawTile | null> {
    this.#checkOpen();
    const img = this.#images[this.#checkLevel(level)] as TiffImage;
    const bytes = await img.readTileBytes(col, row, options.signal);
    if (!bytes) return null;
    return {
      bytes,
      compression: img.compression,
      ...(img.jpegTables ? { jpegTables: img.jpegTables } : {}),
      width: img.tileWidth,
      height: img.storedTileHeight(row),
    };
  }

  /** Decodes a whole associated image (label, macro, thumbnail…). Unknown name → `NotFound`. */
  async readAssociatedImage(name: AssociatedImageName, options: SlideReadOptions = {}): Promise<Raster> {
    this.#checkOpen();
    const img = this.#associated.get(name);
    if (!img) throw new WsiError('NotFound', `${this.source.description}: no associated image "${name}"`, { details: { available: this.associatedImages } });
    const layout = pixelLayout(img);
    const out = createRaster(img.width, img.height, layout.channels, layout.dtype);
    const grid = { width: img.width, height: img.height, tileWidth: img.tileWidth, tileHeight: img.tileHeight };
    await copyWindow(grid, (c, r) => this.#decode(img, layout, c, r, options.signal), out, 0, 0, 0, 0, img.width, img.height);
    return out;
  }

  /** The embedded ICC profile of level 0 (TIFF tag 34675), or undefined. Its size is `openslide.icc-size`. */
  async readIccProfile(options: SlideReadOptions = {}): Promise<Uint8Array | undefined> {
    this.#checkOpen();
    return (this.#images[0] as TiffImage).ifd.bytes(TAG.IccProfile, options.signal);
  }

  /** The TIFF image behind a level (for tools that need compression, JPEGTables…). */
  levelImage(level: number): TiffImage {
    return this.#images[this.#checkLevel(level)] as TiffImage;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#cache.evictPrefix(this.#prefix);
    if (this.#closeSource) await this.source.close();
  }

  #tile(li: number, col: number, row: number, signal?: AbortSignal): Promise<Raster | null> {
    throwIfAborted(signal);
    const img = this.#images[li] as TiffImage;
    const p = this.#cache.get(`${this.#prefix}${li}:${col}:${row}`, () => this.#decode(img, this.#layouts[li] as PixelLayout, col, row));
    return signal ? raceAbort(p, signal) : p;
  }

  async #decode(img: TiffImage, layout: PixelLayout, col: number, row: number, signal?: AbortSignal): Promise<Raster | null> {
    const bytes = await img.readTileBytes(col, row, signal);
    if (!bytes) return null;
    try {
      return toLayout(await decodeTile(bytes, img.decodeInfo(row), signal), layout);
    } catch (err) {
      if (isWsiError(err)) throw err;
      throw new WsiError('CorruptFile', `${this.source.description}: cannot decode tile (${col}, ${row}): ${(err as Error).message}`, { cause: err });
    }
  }

  #checkLevel(level: number): number {
    if (!Number.isInteger(level) || level < 0 || level >= this.levels.length) {
      throw new WsiError('OutOfBounds', `level ${level} outside 0..${this.levels.length - 1}`);
    }
    return level;
  }

  #checkOpen(): void {
    if (this.#closed) throw new WsiError('InvalidArgument', `${this.source.description}: slide is closed`);
  }
}

function raceAbort<T>(p: Promise<T>, signal: AbortSignal): Promise<T> {
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
