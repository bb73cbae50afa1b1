/**
 * {@link NdpiSlide}: a Hamamatsu NDPI slide on the {@link TiledSlide} base. Page levels decode blocks of restart
 * intervals as small JPEGs; the three levels OpenSlide adds below the smallest page (1/2, 1/4, 1/8) are box
 * averages of that page's tiles.
 */
import {
  type AssociatedImageName,
  type ByteSource,
  levelDownsample,
  type Raster,
  type SlideLevel,
  type SlideReadOptions,
  WsiError,
} from '@wsi/core';
import { RGBA } from '../../slide/pixels.js';
import { TiledSlide, type TiledSlideOptions } from '../../slide/tiled-slide.js';
import { levelProperties } from '../../tiff/properties.js';
import { boxDownsample } from './box-downsample.js';
import type { NdpiPage } from './ndpi-page.js';
import type { SyncFile } from './sync-file.js';

/**
 * Options of an NDPI slide.
 *
 * @example
 * ```ts
 * const o: NdpiSlideOptions = { cacheBytes: 32 << 20, closeSource: false };
 * ```
 */
export interface NdpiSlideOptions extends TiledSlideOptions {
  /** Close the byte source on `close()` (default true). */
  closeSource?: boolean;
}

/**
 * What the format module hands to {@link NdpiSlide}.
 *
 * @example
 * ```ts
 * new NdpiSlide({ source, pages, associated: new Map(), properties: {} });
 * ```
 */
export interface NdpiSlideInit {
  source: ByteSource;
  /** Pyramid pages, largest first. */
  pages: readonly NdpiPage[];
  /** Associated images decoded whole (macro). */
  associated: ReadonlyMap<string, NdpiPage>;
  properties: Record<string, string>;
  mpp?: { x: number; y: number };
  objectivePower?: number;
  /** A synchronous descriptor of the same local file, closed with the slide. */
  sync?: SyncFile;
}

/** libjpeg scale denominators OpenSlide 3.4.1 adds below the smallest page. */
const SCALES = [2, 4, 8] as const;

interface LevelSource {
  page: number;
  /** 1 for a page level; 2, 4, 8 for a scaled one. */
  scale: number;
}

/**
 * A Hamamatsu NDPI slide. Opened by `openSlide` (format `hamamatsu`).
 *
 * @example
 * ```ts
 * const slide = await openSlide('test3-DAPI-2-387.ndpi');
 * console.log(slide.format, slide.levels.length); // 'hamamatsu', 7
 * const rgba = await slide.readRegion({ x: 100, y: 100, level: 0, width: 256, height: 256 });
 * ```
 */
export class NdpiSlide extends TiledSlide {
  readonly source: ByteSource;
  readonly #pages: readonly NdpiPage[];
  readonly #sources: readonly LevelSource[];
  readonly #associated: ReadonlyMap<string, NdpiPage>;
  readonly #closeSource: boolean;
  readonly #sync: SyncFile | undefined;

  constructor(init: NdpiSlideInit, options: NdpiSlideOptions = {}) {
    const pages = init.pages;
    const first = pages[0];
    if (!first) throw new WsiError('CorruptFile', `${init.source.description}: no NDPI pyramid page`);
    const sources: LevelSource[] = pages.map((_, page) => ({ page, scale: 1 }));
    for (const scale of SCALES) sources.push({ page: pages.length - 1, scale });
    const levels: SlideLevel[] = [];
    const osTiles: { tileWidth: number; tileHeight: number }[] = [];
    for (const { page, scale } of sources) {
      const p = pages[page] as NdpiPage;
      // OpenSlide 3.4.1 sizes the scaled levels by integer division
      const width = Math.max(1, Math.floor(p.width / scale));
      const height = Math.max(1, Math.floor(p.height / scale));
      levels.push({
        width,
        height,
        downsample: levelDownsample(first.width, first.height, width, height),
        tileWidth: p.tileWidth / scale,
        tileHeight: p.tileHeight / scale,
      });
      osTiles.push({ tileWidth: Math.ceil(p.intervalWidth / scale), tileHeight: Math.ceil(p.intervalHeight / scale) });
    }
    super(
      {
        format: 'hamamatsu',
        levels,
        layouts: levels.map(() => RGBA),
        // OpenSlide's tile size is one restart interval; the logical grid groups several of them.
        properties: {
          ...init.properties,
          ...levelProperties(
            levels.map((l, i) => ({ ...l, ...(osTiles[i] as { tileWidth: number; tileHeight: number }) })),
          ),
        },
        associatedImages: [...init.associated.keys()],
        ...(init.mpp ? { mpp: init.mpp } : {}),
        ...(init.objectivePower !== undefined ? { objectivePower: init.objectivePower } : {}),
        description: init.source.description,
      },
      options,
    );
    this.source = init.source;
    this.#pages = pages;
    this.#sources = sources;
    this.#associated = init.associated;
    this.#closeSource = options.closeSource ?? true;
    this.#sync = init.sync;
  }

  /** The page behind a level and the scale applied to it (1 for the stored pages). */
  levelSource(level: number): { page: NdpiPage; scale: number } {
    const s = this.#sources[this.checkLevel(level)] as LevelSource;
    return { page: this.#pages[s.page] as NdpiPage, scale: s.scale };
  }

  protected async decodeTile(level: number, col: number, row: number, signal?: AbortSignal): Promise<Raster | null> {
    const s = this.#sources[level] as LevelSource;
    if (s.scale === 1) return (this.#pages[s.page] as NdpiPage).decodeTile(col, row, signal);
    // 1/8: DC-only decode (exact libjpeg scale_denom 8); 1/2, 1/4: box average of the page's tile
    const tile =
      s.scale === 8
        ? await (this.#pages[s.page] as NdpiPage).decodeTile(col, row, signal, 8)
        : await this.cachedTile(s.page, col, row, signal);
    if (!tile) return null;
    return boxDownsample(tile, s.scale);
  }

  /** Page levels paint regions from exactly the restart intervals they cover (see {@link NdpiPage.paintWindow}). */
  protected override paintWindow(
    li: number,
    dst: Raster,
    dx: number,
    dy: number,
    x: number,
    y: number,
    width: number,
    height: number,
    signal?: AbortSignal,
  ): Promise<boolean> {
    const s = this.#sources[li] as LevelSource;
    if (s.scale !== 1) return Promise.resolve(false);
    return (this.#pages[s.page] as NdpiPage).paintWindow(dst, dx, dy, x, y, width, height, signal);
  }

  async readAssociatedImage(name: AssociatedImageName, options: SlideReadOptions = {}): Promise<Raster> {
    this.checkOpen();
    const page = this.#associated.get(name);
    if (!page)
      throw new WsiError('NotFound', `${this.source.description}: no associated image "${name}"`, {
        details: { available: this.associatedImages },
      });
    return page.decodeWhole(options.signal);
  }

  protected async closeResources(): Promise<void> {
    this.#sync?.close();
    if (this.#closeSource) await this.source.close();
  }
}
