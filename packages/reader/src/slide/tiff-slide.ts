/**
 * {@link TiffSlide}: a `Slide` over TIFF directories (levels and associated images), with OpenSlide's region
 * semantics, a shared decoded-tile LRU with request coalescing, and raw tile access for pass-through.
 */
import {
  type AssociatedImageName,
  type ByteSource,
  createRaster,
  isWsiError,
  levelDownsample,
  PROPERTY,
  type Raster,
  type SlideFormat,
  type SlideLevel,
  type SlideReadOptions,
  WsiError,
} from '@wsi/core';
import { decodeTile, type TileDecodeInfo, tileDecoders } from '../decode/index.js';
import { readJpegHeader } from '../decode/jpeg-markers.js';
import type { TiffImage } from '../tiff/image.js';
import { levelProperties } from '../tiff/properties.js';
import { COMPRESSION_NAMES, TAG } from '../tiff/tags.js';
import { sharedBufferPool } from './buffer-pool.js';
import { decodeImageFile } from './image-file.js';
import { type PixelLayout, pixelLayout, toLayout } from './pixels.js';
import { TileReadAhead } from './read-ahead.js';
import { copyWindow } from './region.js';
import { TiledSlide, type TiledSlideOptions } from './tiled-slide.js';

const JPEG = new Set([6, 7]);

/** Largest associated image we decode (64 Mpx, as readLevel's budget): labels and macros are a few Mpx. */
const MAX_ASSOCIATED_PIXELS = 64 * 1024 * 1024;

/**
 * What a format module hands to {@link TiffSlide}.
 *
 * @example
 * ```ts
 * const init: TiffSlideInit = { format: 'generic-tiff', source, levels: pyramidLevels(tiff.ifds), properties: {} };
 * const slide = new TiffSlide(init);
 * ```
 */
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
  /** Associated images stored outside any directory, as whole JPEG/PNG files (Philips' base64 label and macro). */
  embeddedAssociated?: ReadonlyMap<string, Uint8Array>;
}

/**
 * Options for a slide's caches.
 *
 * @example
 * ```ts
 * const slide = await openSlide(bytes, { closeSource: false } satisfies TiffSlideOptions);
 * ```
 */
export interface TiffSlideOptions extends TiledSlideOptions {
  /** Close the byte source on `close()` (default true). */
  closeSource?: boolean;
}

/**
 * A tile's stored bytes, for pass-through (re-muxing without re-encoding).
 *
 * @example
 * ```ts
 * const raw: RawTile = await slide.readRawTile(0, 3, 5); // level, column, row
 * console.log(raw.compression, raw.bytes.length);
 * ```
 */
export interface RawTile {
  bytes: Uint8Array;
  compression: number;
  /** JPEGTables to splice in front of an abbreviated JPEG tile, when the level has them. */
  jpegTables?: Uint8Array;
  width: number;
  height: number;
}

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
export class TiffSlide extends TiledSlide {
  readonly channelNames: readonly string[] | undefined;
  readonly source: ByteSource;
  readonly #images: readonly TiffImage[];
  readonly #associated: ReadonlyMap<string, TiffImage>;
  readonly #embedded: ReadonlyMap<string, Uint8Array>;
  readonly #closeSource: boolean;
  readonly #readAhead: (TileReadAhead | undefined)[];

  constructor(init: TiffSlideInit, options: TiffSlideOptions = {}) {
    if (init.levels.length === 0) throw new WsiError('CorruptFile', `${init.source.description}: no pyramid level`);
    const base = init.levels[0] as TiffImage;
    for (const img of init.levels) {
      if (!tileDecoders.has(img.compression)) {
        const name = COMPRESSION_NAMES[img.compression];
        throw new WsiError(
          'UnsupportedFormat',
          `${init.source.description}: unsupported TIFF compression ${img.compression}${name ? ` (${name})` : ''}`,
          {
            details: { compression: img.compression },
          },
        );
      }
    }
    const sizes = init.levels.map((img, i) => init.levelSizes?.[i] ?? { width: img.width, height: img.height });
    const s0 = sizes[0] as { width: number; height: number };
    const levels: SlideLevel[] = init.levels.map((img, i) => {
      const { width, height } = sizes[i] as { width: number; height: number };
      return {
        width,
        height,
        downsample: levelDownsample(s0.width, s0.height, width, height),
        tileWidth: img.tileWidth,
        tileHeight: img.tileHeight,
      };
    });
    const associated = init.associated ?? new Map<string, TiffImage>();
    const icc = base.ifd.entries.get(TAG.IccProfile);
    super(
      {
        format: init.format,
        levels,
        layouts: init.levels.map(pixelLayout),
        properties: {
          ...init.properties,
          ...levelProperties(levels),
          ...(icc ? { [PROPERTY.iccSize]: String(icc.byteLength) } : {}),
        },
        associatedImages: [
          ...associated.keys(),
          ...[...(init.embeddedAssociated?.keys() ?? [])].filter((k) => !associated.has(k)),
        ],
        ...(init.mpp ? { mpp: init.mpp } : {}),
        ...(init.objectivePower !== undefined ? { objectivePower: init.objectivePower } : {}),
        description: init.source.description,
      },
      options,
    );
    this.source = init.source;
    this.#images = init.levels;
    this.#associated = associated;
    this.#embedded = init.embeddedAssociated ?? new Map<string, Uint8Array>();
    this.channelNames = init.channelNames;
    this.#closeSource = options.closeSource ?? true;
    // JPEG levels read their tile bytes with sequential read-ahead (decoders of other codecs may modify their input)
    this.#readAhead = init.levels.map((img) => (JPEG.has(img.compression) ? new TileReadAhead(img) : undefined));
  }

  /** A tile's stored (compressed) bytes, or null for a missing tile. */
  async readRawTile(level: number, col: number, row: number, options: SlideReadOptions = {}): Promise<RawTile | null> {
    this.checkOpen();
    const img = this.#images[this.checkLevel(level)] as TiffImage;
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
    this.checkOpen();
    const img = this.#associated.get(name);
    const file = this.#embedded.get(name);
    if (!img && file) return decodeImageFile(file, `${this.source.description}: associated image "${name}"`);
    if (!img)
      throw new WsiError('NotFound', `${this.source.description}: no associated image "${name}"`, {
        details: { available: this.associatedImages },
      });
    if (img.width * img.height > MAX_ASSOCIATED_PIXELS) {
      throw new WsiError(
        'CorruptFile',
        `${this.source.description}: associated image "${name}" claims ${img.width}×${img.height} pixels, more than ${MAX_ASSOCIATED_PIXELS}`,
        { details: { width: img.width, height: img.height } },
      );
    }
    const layout = pixelLayout(img);
    // Decode the first strip/tile before allocating width × height: a corrupt ImageWidth (1M px claimed for a 256-px
    // strip) then fails on the strip's real size instead of first allocating hundreds of MB.
    const first = await this.#decode(img, layout, 0, 0, options.signal);
    const out = createRaster(img.width, img.height, layout.channels, layout.dtype);
    const grid = { width: img.width, height: img.height, tileWidth: img.tileWidth, tileHeight: img.tileHeight };
    await copyWindow(
      grid,
      (c, r) => (c === 0 && r === 0 ? Promise.resolve(first) : this.#decode(img, layout, c, r, options.signal)),
      out,
      0,
      0,
      0,
      0,
      img.width,
      img.height,
    );
    return out;
  }

  /** The embedded ICC profile of level 0 (TIFF tag 34675), or undefined. Its size is `openslide.icc-size`. */
  async readIccProfile(options: SlideReadOptions = {}): Promise<Uint8Array | undefined> {
    this.checkOpen();
    return (this.#images[0] as TiffImage).ifd.bytes(TAG.IccProfile, options.signal);
  }

  /** The TIFF image behind a level (for tools that need compression, JPEGTables…). */
  levelImage(level: number): TiffImage {
    return this.#images[this.checkLevel(level)] as TiffImage;
  }

  /** The TIFF image behind an associated image, or undefined (unknown name, or one not stored as a directory). */
  associatedImage(name: string): TiffImage | undefined {
    return this.#associated.get(name);
  }

  protected decodeTile(level: number, col: number, row: number, signal?: AbortSignal): Promise<Raster | null> {
    return this.#decode(
      this.#images[level] as TiffImage,
      this.layouts[level] as PixelLayout,
      col,
      row,
      signal,
      this.#readAhead[level] ?? true,
    );
  }

  /** Level tiles are decoded into pooled buffers that nothing else holds: the tile-aligned fast path may return them. */
  protected override get exclusiveTiles(): boolean {
    return true;
  }

  protected async closeResources(): Promise<void> {
    if (this.#closeSource) await this.source.close();
  }

  /** `level`: true for a pyramid level's tile (pooled pixels), or that level's read-ahead; false for associated images. */
  async #decode(
    img: TiffImage,
    layout: PixelLayout,
    col: number,
    row: number,
    signal?: AbortSignal,
    level: boolean | TileReadAhead = false,
  ): Promise<Raster | null> {
    const pooled = level !== false;
    const bytes =
      level instanceof TileReadAhead ? await level.read(col, row, signal) : await img.readTileBytes(col, row, signal);
    if (!bytes) return null;
    const info = img.decodeInfo(row);
    // JPEG decodes RGBA straight into a recycled buffer (see BufferPool); other codecs allocate
    const into =
      pooled && layout.rgba && JPEG.has(img.compression) && jpegMatches(bytes, info)
        ? sharedBufferPool.acquire(info.width * info.height * 4)
        : undefined;
    try {
      const tile = await decodeTile(bytes, info, signal, into);
      if (into && tile.data !== into) sharedBufferPool.release(into);
      return toLayout(tile, layout);
    } catch (err) {
      if (into) sharedBufferPool.release(into);
      if (isWsiError(err)) throw err;
      throw new WsiError(
        'CorruptFile',
        `${this.source.description}: cannot decode tile (${col}, ${row}): ${(err as Error).message}`,
        { cause: err },
      );
    }
  }
}

/**
 * True when a JPEG tile's frame header has the tile size the directory claims. The pooled output buffer is sized
 * from the directory, so a corrupt TileLength (183 679 rows claimed for a 256-row tile) must not allocate first.
 */
function jpegMatches(bytes: Uint8Array, info: TileDecodeInfo): boolean {
  try {
    const h = readJpegHeader(bytes, info.jpegTables);
    return h.width === info.width && h.height === info.height;
  } catch {
    return false;
  }
}
