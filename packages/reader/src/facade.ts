/**
 * The seed's facade: a `SlideReader` made once and reused, keeping an LRU of open slides and one decoded-tile
 * cache for all of them.
 */
import { type Raster, WsiError } from '@wsi/core';
import { type OpenedSlide, type OpenSlideOptions, openSlide } from './open.js';
import { readLevel } from './read.js';
import { TileCache } from './slide/tile-cache.js';

/**
 * Options of {@link SlideReader}.
 *
 * @example
 * ```ts
 * const reader = new SlideReader({ maxOpenSlides: 8, tileCacheBytes: 256 << 20 } satisfies SlideReaderOptions);
 * ```
 */
export interface SlideReaderOptions extends Omit<OpenSlideOptions, 'cache'> {
  /** Slides kept open (least recently used closed first). Default 8. */
  maxOpenSlides?: number;
  /** Decoded-tile cache shared by all slides, in bytes. Default 128 MiB. */
  tileCacheBytes?: number;
}

/**
 * Reads slides by path, keeping recently used ones open.
 *
 * @example
 * ```ts
 * const reader = new SlideReader();
 * const level2 = await reader.readSlide('a.svs', { level: 2 });
 * const patch = await reader.readPatch('a.svs', { offset: [1024, 2048], level: 0, size: 256 });
 * await reader.close();
 * ```
 */
export class SlideReader {
  readonly #open = new Map<string, Promise<OpenedSlide>>();
  readonly #max: number;
  readonly #options: OpenSlideOptions;
  readonly cache: TileCache;

  constructor(options: SlideReaderOptions = {}) {
    const { maxOpenSlides = 8, tileCacheBytes = 128 << 20, ...rest } = options;
    if (!(Number.isInteger(maxOpenSlides) && maxOpenSlides >= 1))
      throw new WsiError('InvalidArgument', `maxOpenSlides must be ≥ 1, got ${maxOpenSlides}`);
    this.#max = maxOpenSlides;
    this.cache = new TileCache(tileCacheBytes);
    this.#options = { ...rest, cache: this.cache };
  }

  /** The open slide for `path` (opened on first use). */
  async slide(path: string): Promise<OpenedSlide> {
    let p = this.#open.get(path);
    if (p) {
      this.#open.delete(path);
      this.#open.set(path, p);
      return p;
    }
    p = openSlide(path, this.#options);
    this.#open.set(path, p);
    p.catch(() => this.#open.delete(path));
    while (this.#open.size > this.#max) {
      const [oldPath, old] = this.#open.entries().next().value as [string, Promise<OpenedSlide>];
      this.#open.delete(oldPath);
      old.then((s) => s.close()).catch(() => {});
    }
    return p;
  }

  /** A whole level (default the lowest-resolution one), refused above `maxPixels`. */
  async readSlide(path: string, options: { level?: number; maxPixels?: number } = {}): Promise<Raster> {
    const s = await this.slide(path);
    const level = options.level ?? s.levels.length - 1;
    return readLevel(s, level, options.maxPixels !== undefined ? { maxPixels: options.maxPixels } : {});
  }

  /** A patch: `offset` in level-0 pixels, `size` in pixels of `level` (a number for a square). */
  async readPatch(
    path: string,
    options: { offset: readonly [number, number]; level?: number; size: number | readonly [number, number] },
  ): Promise<Raster> {
    const s = await this.slide(path);
    const [width, height] = typeof options.size === 'number' ? [options.size, options.size] : options.size;
    return s.readRegion({ x: options.offset[0], y: options.offset[1], level: options.level ?? 0, width, height });
  }

  /** Closes every open slide. */
  async close(): Promise<void> {
    const all = [...this.#open.values()];
    this.#open.clear();
    await Promise.all(all.map((p) => p.then((s) => s.close()).catch(() => {})));
    this.cache.clear();
  }
}
