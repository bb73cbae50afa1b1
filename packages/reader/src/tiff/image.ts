/**
 * A TIFF image (one directory) seen as a grid of tiles: geometry validated against limits and the file size,
 * strips treated as full-width tiles, and raw tile bytes read on demand.
 */
import { WsiError } from '@wsi/core';
import type { TileDecodeInfo } from '../decode/index.js';
import { corrupt, type TiffIfd } from './ifd.js';
import { TAG } from './tags.js';

/**
 * Geometry limits: anything beyond is treated as a corrupt header, never allocated.
 *
 * @example
 * ```ts
 * if (width > IMAGE_LIMITS.maxSide) throw new WsiError('CorruptFile', 'image too large');
 * ```
 */
export const IMAGE_LIMITS = {
  /** Largest image side, in pixels (2^24: 16.7 M — far beyond any scanner). */
  maxSide: 1 << 24,
  /** Largest tile side, in pixels. */
  maxTileSide: 1 << 16,
  /** Largest decoded tile or strip, in bytes. */
  maxTileBytes: 1 << 29,
  /** Largest compressed tile or strip, in bytes. */
  maxTileByteCount: 1 << 30,
} as const;

/** Slack over twice a tile's pixel bytes allowed for its compressed size (headers, tables, embedded metadata). */
const MAX_TILE_OVERHEAD = 1 << 20;

/**
 * A byte range in the file.
 *
 * @example
 * ```ts
 * const { offset, length }: TileLocation = await image.tileLocation(0, 0);
 * ```
 */
export interface TileLocation {
  offset: number;
  length: number;
}

/**
 * One TIFF directory as a tile grid.
 *
 * @example
 * ```ts
 * const img = TiffImage.from(tiff.ifds[0]!);
 * const bytes = await img.readTileBytes(0, 0); // null for an empty (missing) tile
 * ```
 */
export class TiffImage {
  readonly width: number;
  readonly height: number;
  readonly tiled: boolean;
  readonly tileWidth: number;
  readonly tileHeight: number;
  readonly tilesAcross: number;
  readonly tilesDown: number;
  readonly compression: number;
  readonly photometric: number;
  readonly samplesPerPixel: number;
  readonly bitsPerSample: number;
  readonly planarConfig: number;
  readonly predictor: number;
  readonly sampleFormat: number;
  readonly subfileType: number;
  readonly jpegTables: Uint8Array | undefined;

  private constructor(readonly ifd: TiffIfd) {
    const num = (tag: number, fallback?: number) => ifd.number(tag, fallback);
    const w = num(TAG.ImageWidth);
    const h = num(TAG.ImageLength);
    if (w === undefined || h === undefined) throw corrupt(ifd.ctx, `directory at ${ifd.offset} has no image size`);
    checkSide(ifd, 'image width', w, IMAGE_LIMITS.maxSide);
    checkSide(ifd, 'image height', h, IMAGE_LIMITS.maxSide);
    this.width = w;
    this.height = h;
    this.tiled = ifd.has(TAG.TileWidth) && ifd.has(TAG.TileOffsets);
    if (this.tiled) {
      this.tileWidth = num(TAG.TileWidth) as number;
      this.tileHeight = num(TAG.TileLength, 0) as number;
    } else {
      const rps = num(TAG.RowsPerStrip, h) as number;
      this.tileWidth = w;
      this.tileHeight = Math.min(rps >= 1 ? rps : h, h);
    }
    checkSide(ifd, 'tile width', this.tileWidth, IMAGE_LIMITS.maxTileSide * (this.tiled ? 1 : 256));
    checkSide(ifd, 'tile height', this.tileHeight, IMAGE_LIMITS.maxSide);
    this.tilesAcross = Math.ceil(w / this.tileWidth);
    this.tilesDown = Math.ceil(h / this.tileHeight);
    this.compression = num(TAG.Compression, 1) as number;
    this.samplesPerPixel = num(TAG.SamplesPerPixel, 1) as number;
    this.bitsPerSample = num(TAG.BitsPerSample, 1) as number;
    this.photometric = num(TAG.Photometric, this.samplesPerPixel >= 3 ? 2 : 1) as number;
    this.planarConfig = num(TAG.PlanarConfiguration, 1) as number;
    this.predictor = num(TAG.Predictor, 1) as number;
    this.sampleFormat = num(TAG.SampleFormat, 1) as number;
    this.subfileType = num(TAG.NewSubfileType, 0) as number;
    this.jpegTables = ifd.raw(TAG.JPEGTables);
    if (
      !(this.samplesPerPixel >= 1 && this.samplesPerPixel <= 64) ||
      !(this.bitsPerSample >= 1 && this.bitsPerSample <= 64)
    ) {
      throw corrupt(ifd.ctx, `absurd sample layout (${this.samplesPerPixel} samples of ${this.bitsPerSample} bits)`);
    }
    const tileBytes = this.tileWidth * this.tileHeight * Math.max(4, (this.samplesPerPixel * this.bitsPerSample) / 8);
    if (tileBytes > IMAGE_LIMITS.maxTileBytes) {
      throw corrupt(
        ifd.ctx,
        `a ${this.tileWidth}×${this.tileHeight} ${this.tiled ? 'tile' : 'strip'} would decode to ${tileBytes} bytes`,
      );
    }
    if (this.planarConfig === 2 && this.samplesPerPixel > 1) {
      throw new WsiError(
        'UnsupportedFormat',
        `${ifd.ctx.source.description}: planar (separate-plane) TIFF images are not supported`,
      );
    }
  }

  /** Validates a directory's geometry and wraps it. Throws `CorruptFile` for absurd or missing fields. */
  static from(ifd: TiffIfd): TiffImage {
    return new TiffImage(ifd);
  }

  /** The ImageDescription tag, when present. */
  get description(): string | undefined {
    return this.ifd.string(TAG.ImageDescription);
  }

  /** Number of tiles (or strips). */
  get tileCount(): number {
    return this.tilesAcross * this.tilesDown;
  }

  /** The byte range of tile (col,row); `length` 0 means a missing tile. Offsets are checked against the file. */
  async tileLocation(col: number, row: number, signal?: AbortSignal): Promise<TileLocation> {
    if (!(col >= 0 && col < this.tilesAcross && row >= 0 && row < this.tilesDown)) {
      throw new WsiError('OutOfBounds', `tile (${col}, ${row}) outside a ${this.tilesAcross}×${this.tilesDown} grid`);
    }
    const n = this.tileCount;
    const [offsets, counts] = await Promise.all([
      this.ifd.loadArray(this.tiled ? TAG.TileOffsets : TAG.StripOffsets, n, signal),
      this.ifd.loadArray(this.tiled ? TAG.TileByteCounts : TAG.StripByteCounts, n, signal),
    ]);
    const i = row * this.tilesAcross + col;
    const offset = offsets[i] as number;
    const length = counts[i] as number;
    if (length === 0) return { offset, length: 0 };
    const size = this.ifd.ctx.size;
    if (
      !(Number.isSafeInteger(offset) && Number.isSafeInteger(length)) ||
      length > IMAGE_LIMITS.maxTileByteCount ||
      offset + length > size
    ) {
      throw corrupt(this.ifd.ctx, `tile ${i} (${length} bytes at ${offset}) lies outside the file (${size} bytes)`, {
        tile: i,
        offset,
        length,
      });
    }
    // No codec makes a tile much larger than its pixels: a byte count far beyond them is a corrupt field (left
    // unchecked it feeds the decoder megabytes of other tiles' data, which can take seconds to reject).
    const raw =
      this.tileWidth * this.storedTileHeight(row) * Math.ceil((this.samplesPerPixel * this.bitsPerSample) / 8);
    if (length > 2 * raw + MAX_TILE_OVERHEAD) {
      throw corrupt(this.ifd.ctx, `tile ${i} claims ${length} bytes for ${raw} bytes of pixels`, {
        tile: i,
        offset,
        length,
      });
    }
    return { offset, length };
  }

  /** The raw (still compressed) bytes of one tile or strip, or null for a missing (zero-length) tile. */
  async readTileBytes(col: number, row: number, signal?: AbortSignal): Promise<Uint8Array | null> {
    const loc = await this.tileLocation(col, row, signal);
    if (loc.length === 0) return null;
    return this.ifd.ctx.source.read(loc.offset, loc.length, { signal });
  }

  /** Pixel height of tile row `row` as stored (strips: the last one may be short; tiles are always full). */
  storedTileHeight(row: number): number {
    return this.tiled ? this.tileHeight : Math.min(this.tileHeight, this.height - row * this.tileHeight);
  }

  /** What the decoder needs to know about tile row `row`. */
  decodeInfo(row: number): TileDecodeInfo {
    return {
      compression: this.compression,
      photometric: this.photometric,
      width: this.tileWidth,
      height: this.storedTileHeight(row),
      samplesPerPixel: this.samplesPerPixel,
      bitsPerSample: this.bitsPerSample,
      planarConfig: this.planarConfig,
      predictor: this.predictor,
      ...(this.jpegTables ? { jpegTables: this.jpegTables } : {}),
      sampleFormat: this.sampleFormat,
      littleEndian: this.ifd.ctx.littleEndian,
    };
  }
}

function checkSide(ifd: TiffIfd, what: string, v: number, max: number): void {
  if (!Number.isInteger(v) || v < 1 || v > max) {
    throw corrupt(ifd.ctx, `absurd ${what} ${v} in directory at ${ifd.offset}`, { [what]: v });
  }
}
