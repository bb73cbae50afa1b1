/**
 * TIFF numbers the writers use: tag ids, field types, compression and photometric codes.
 */

/**
 * TIFF field types (TIFF 6.0 plus the BigTIFF 64-bit types).
 *
 * @example
 * ```ts
 * const tag: TiffTag = { tag: 305, type: TiffType.ASCII, value: 'my-writer' };
 * ```
 */
export const TiffType = {
  BYTE: 1,
  ASCII: 2,
  SHORT: 3,
  LONG: 4,
  RATIONAL: 5,
  SBYTE: 6,
  UNDEFINED: 7,
  SSHORT: 8,
  SLONG: 9,
  SRATIONAL: 10,
  FLOAT: 11,
  DOUBLE: 12,
  IFD: 13,
  LONG8: 16,
  SLONG8: 17,
  IFD8: 18,
} as const;
/** A TIFF field type number. */
export type TiffTypeCode = (typeof TiffType)[keyof typeof TiffType];

/** Size in bytes of one value of each field type. */
export const TYPE_SIZE: Readonly<Record<number, number>> = {
  1: 1,
  2: 1,
  3: 2,
  4: 4,
  5: 8,
  6: 1,
  7: 1,
  8: 2,
  9: 4,
  10: 8,
  11: 4,
  12: 8,
  13: 4,
  16: 8,
  17: 8,
  18: 8,
};

/**
 * Tag ids the writers set themselves.
 *
 * @example
 * ```ts
 * page.tags.push({ tag: Tag.Software, type: TiffType.ASCII, value: '@wsi/testing' });
 * ```
 */
export const Tag = {
  NewSubfileType: 254,
  ImageWidth: 256,
  ImageLength: 257,
  BitsPerSample: 258,
  Compression: 259,
  Photometric: 262,
  ImageDescription: 270,
  StripOffsets: 273,
  SamplesPerPixel: 277,
  RowsPerStrip: 278,
  StripByteCounts: 279,
  XResolution: 282,
  YResolution: 283,
  PlanarConfiguration: 284,
  ResolutionUnit: 296,
  Software: 305,
  Predictor: 317,
  TileWidth: 322,
  TileLength: 323,
  TileOffsets: 324,
  TileByteCounts: 325,
  SubIFDs: 330,
  ExtraSamples: 338,
  SampleFormat: 339,
  YCbCrSubSampling: 530,
  ReferenceBlackWhite: 532,
} as const;

/**
 * Compression schemes the writers can produce (TIFF `Compression` tag values).
 *
 * @example
 * ```ts
 * COMPRESSION_CODE.jpeg; // 7
 * ```
 */
export const COMPRESSION_CODE = {
  none: 1,
  lzw: 5,
  jpeg: 7,
  deflate: 8,
  webp: 50001,
} as const;
/** Name of a compression the writers can produce. */
export type Compression = keyof typeof COMPRESSION_CODE;

/** TIFF `PhotometricInterpretation` values used here. */
export const Photometric = { MinIsBlack: 1, RGB: 2, YCbCr: 6 } as const;

/** Largest offset a classic TIFF can hold. */
export const CLASSIC_MAX = 0xffff_ffff;
