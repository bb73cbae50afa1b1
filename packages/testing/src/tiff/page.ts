/**
 * One page (IFD) of a TIFF being written: its layout, its blocks' offsets, and the tags it will carry.
 */
import { WsiError } from '@wsi/core';
import type { BlockCodec } from './compress.js';
import { COMPRESSION_CODE, Photometric, Tag, TiffType } from './constants.js';
import type { TiffTag } from './ifd.js';

/**
 * What a page holds and how it is laid out.
 *
 * @example
 * ```ts
 * const opts: PageOptions = { width: 2048, height: 1536, tileWidth: 256, tileHeight: 256, compression: 'jpeg' };
 * ```
 */
export interface PageOptions extends BlockCodec {
  width: number;
  height: number;
  /** 3 (RGB, default) or 1 (grey). */
  samplesPerPixel?: 1 | 3;
  /** Tile size (multiple of 16); omit both for a stripped page. */
  tileWidth?: number;
  tileHeight?: number;
  /** Rows per strip for a stripped page (default 16). */
  rowsPerStrip?: number;
  /**
   * PhotometricInterpretation. Default for 3-sample JPEG: `ycbcr` (sharp's JPEGs hold YCbCr, without a JFIF
   * marker); `rgb` on JPEG mislabels them (libtiff then skips the colour transform). Otherwise `rgb`, or
   * `minisblack` for 1 sample.
   */
  photometric?: 'rgb' | 'ycbcr' | 'minisblack';
  /** ImageDescription (tag 270). */
  description?: string;
  /** NewSubfileType (tag 254): 0 full image, 1 reduced, 9 reduced + macro… */
  subfileType?: number;
  /** X/Y resolution in pixels per `unit` (default unit `cm`). */
  resolution?: { x: number; y: number; unit?: 'none' | 'inch' | 'cm' };
  /** Software (tag 305). */
  software?: string;
  /** Any further tags; they win over the ones the writer derives. */
  tags?: readonly TiffTag[];
}

function rational(v: number): number[] {
  let den = 1;
  while (den < 1_000_000 && Math.abs(v * den - Math.round(v * den)) > 1e-9 && v * den * 10 < 0xffff_ffff) den *= 10;
  return [Math.round(v * den), den];
}

/**
 * A page of a {@link TiffWriter}. Blocks (tiles or strips) may be written in any order; each must be
 * written exactly once before the writer finishes.
 *
 * @example
 * ```ts
 * const page = writer.addPage({ width: 512, height: 512, tileWidth: 256, tileHeight: 256, compression: 'deflate' });
 * await page.writeTile(0, 0, rgbTilePixels);
 * ```
 */
export class TiffPage {
  readonly options: PageOptions;
  readonly samples: number;
  readonly tiled: boolean;
  readonly blockWidth: number;
  readonly blockHeight: number;
  readonly across: number;
  readonly down: number;
  readonly offsets: Float64Array;
  readonly counts: Float64Array;
  readonly children: TiffPage[] = [];

  constructor(
    options: PageOptions,
    private readonly sink: (page: TiffPage, index: number, pixels: Uint8Array, w: number, h: number) => Promise<void>,
    private readonly rawSink: (page: TiffPage, index: number, bytes: Uint8Array) => Promise<void>,
  ) {
    const { width, height } = options;
    if (
      !Number.isInteger(width) ||
      !Number.isInteger(height) ||
      width < 1 ||
      height < 1 ||
      width > 0xffff_ffff ||
      height > 0xffff_ffff
    ) {
      throw new WsiError('InvalidArgument', `page size must be positive integers, got ${width}x${height}`);
    }
    this.options = options;
    this.samples = options.samplesPerPixel ?? 3;
    this.tiled = options.tileWidth !== undefined || options.tileHeight !== undefined;
    if (this.tiled) {
      const tw = options.tileWidth ?? options.tileHeight ?? 256;
      const th = options.tileHeight ?? tw;
      if (tw % 16 !== 0 || th % 16 !== 0 || tw < 16 || th < 16) {
        throw new WsiError('InvalidArgument', `tile size must be a positive multiple of 16, got ${tw}x${th}`);
      }
      this.blockWidth = tw;
      this.blockHeight = th;
    } else {
      const rps = options.rowsPerStrip ?? 16;
      if (!Number.isInteger(rps) || rps < 1)
        throw new WsiError('InvalidArgument', `rowsPerStrip must be >= 1, got ${rps}`);
      this.blockWidth = width;
      this.blockHeight = Math.min(rps, height);
    }
    this.across = Math.ceil(width / this.blockWidth);
    this.down = Math.ceil(height / this.blockHeight);
    this.offsets = new Float64Array(this.across * this.down).fill(-1);
    this.counts = new Float64Array(this.across * this.down);
  }

  /** Size in pixels of block `index` as stored: tiles are always full size; the last strip may be shorter. */
  blockSize(index: number): { width: number; height: number } {
    if (this.tiled) return { width: this.blockWidth, height: this.blockHeight };
    const row = Math.floor(index / this.across);
    return { width: this.blockWidth, height: Math.min(this.blockHeight, this.options.height - row * this.blockHeight) };
  }

  private checkIndex(index: number): void {
    if (!Number.isInteger(index) || index < 0 || index >= this.offsets.length) {
      throw new WsiError('OutOfBounds', `block ${index} outside 0..${this.offsets.length - 1}`);
    }
  }

  /** Compresses and appends tile (`col`, `row`); `pixels` holds a full `tileWidth × tileHeight` block (pad edges). */
  writeTile(col: number, row: number, pixels: Uint8Array): Promise<void> {
    if (!this.tiled) throw new WsiError('InvalidArgument', 'writeTile on a stripped page');
    if (col < 0 || col >= this.across || row < 0 || row >= this.down) {
      throw new WsiError('OutOfBounds', `tile ${col},${row} outside ${this.across}x${this.down}`);
    }
    return this.sink(this, row * this.across + col, pixels, this.blockWidth, this.blockHeight);
  }

  /** Compresses and appends strip `index`; `pixels` holds `width × rows` (the last strip may be shorter). */
  writeStrip(index: number, pixels: Uint8Array): Promise<void> {
    if (this.tiled) throw new WsiError('InvalidArgument', 'writeStrip on a tiled page');
    this.checkIndex(index);
    const { width, height } = this.blockSize(index);
    return this.sink(this, index, pixels, width, height);
  }

  /** Appends already-compressed bytes for block `index` (row-major tile index or strip number). */
  writeEncoded(index: number, bytes: Uint8Array): Promise<void> {
    this.checkIndex(index);
    return this.rawSink(this, index, bytes);
  }

  /** The tags of this page for the final IFD (offsets known by then). */
  tags(big: boolean, childOffsets: readonly number[]): TiffTag[] {
    const o = this.options;
    const spp = this.samples;
    const code = COMPRESSION_CODE[o.compression];
    const photometric = o.photometric ?? (spp === 1 ? 'minisblack' : o.compression === 'jpeg' ? 'ycbcr' : 'rgb');
    const offType = big ? TiffType.LONG8 : TiffType.LONG;
    const offs = Array.from(this.offsets);
    const counts = Array.from(this.counts);
    const out = new Map<number, TiffTag>();
    const put = (t: TiffTag): void => void out.set(t.tag, t);
    put({ tag: Tag.NewSubfileType, type: TiffType.LONG, value: [o.subfileType ?? 0] });
    put({ tag: Tag.ImageWidth, type: TiffType.LONG, value: [o.width] });
    put({ tag: Tag.ImageLength, type: TiffType.LONG, value: [o.height] });
    put({ tag: Tag.BitsPerSample, type: TiffType.SHORT, value: new Array<number>(spp).fill(8) });
    put({ tag: Tag.Compression, type: TiffType.SHORT, value: [code] });
    put({
      tag: Tag.Photometric,
      type: TiffType.SHORT,
      value: [
        photometric === 'ycbcr' ? Photometric.YCbCr : photometric === 'rgb' ? Photometric.RGB : Photometric.MinIsBlack,
      ],
    });
    if (o.description !== undefined) put({ tag: Tag.ImageDescription, type: TiffType.ASCII, value: o.description });
    put({ tag: Tag.SamplesPerPixel, type: TiffType.SHORT, value: [spp] });
    put({ tag: Tag.PlanarConfiguration, type: TiffType.SHORT, value: [1] });
    if (o.software !== undefined) put({ tag: Tag.Software, type: TiffType.ASCII, value: o.software });
    if (o.resolution) {
      put({ tag: Tag.XResolution, type: TiffType.RATIONAL, value: rational(o.resolution.x) });
      put({ tag: Tag.YResolution, type: TiffType.RATIONAL, value: rational(o.resolution.y) });
      const unit = o.resolution.unit ?? 'cm';
      put({ tag: Tag.ResolutionUnit, type: TiffType.SHORT, value: [unit === 'none' ? 1 : unit === 'inch' ? 2 : 3] });
    }
    if (o.predictor && (o.compression === 'deflate' || o.compression === 'lzw')) {
      put({ tag: Tag.Predictor, type: TiffType.SHORT, value: [2] });
    }
    if (this.tiled) {
      put({ tag: Tag.TileWidth, type: TiffType.LONG, value: [this.blockWidth] });
      put({ tag: Tag.TileLength, type: TiffType.LONG, value: [this.blockHeight] });
      put({ tag: Tag.TileOffsets, type: offType, value: offs });
      put({ tag: Tag.TileByteCounts, type: offType, value: counts });
    } else {
      put({ tag: Tag.RowsPerStrip, type: TiffType.LONG, value: [this.blockHeight] });
      put({ tag: Tag.StripOffsets, type: offType, value: offs });
      put({ tag: Tag.StripByteCounts, type: offType, value: counts });
    }
    if (o.compression === 'jpeg' && photometric === 'ycbcr') {
      const s = (o.chromaSubsampling ?? '4:2:0') === '4:2:0' ? 2 : 1;
      put({ tag: Tag.YCbCrSubSampling, type: TiffType.SHORT, value: [s, s] });
    }
    if (childOffsets.length > 0) {
      put({ tag: Tag.SubIFDs, type: big ? TiffType.IFD8 : TiffType.IFD, value: childOffsets });
    }
    for (const t of o.tags ?? []) put(t);
    return [...out.values()];
  }

  /** Indices of blocks not yet written. */
  missingBlocks(): number[] {
    const missing: number[] = [];
    this.offsets.forEach((v, i) => {
      if (v < 0) missing.push(i);
    });
    return missing;
  }
}
