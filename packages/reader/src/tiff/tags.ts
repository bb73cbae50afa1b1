/**
 * TIFF tag numbers, field types and the enumerations @wsi/reader needs.
 */

/**
 * Tag numbers used by the reader (TIFF 6.0, BigTIFF and the SubIFD / JPEG / ICC extensions).
 *
 * @example
 * ```ts
 * const description = ifd.string(TAG.ImageDescription);
 * ```
 */
export const TAG = {
  NewSubfileType: 254,
  ImageWidth: 256,
  ImageLength: 257,
  BitsPerSample: 258,
  Compression: 259,
  Photometric: 262,
  DocumentName: 269,
  ImageDescription: 270,
  Make: 271,
  Model: 272,
  StripOffsets: 273,
  SamplesPerPixel: 277,
  RowsPerStrip: 278,
  StripByteCounts: 279,
  XResolution: 282,
  YResolution: 283,
  PlanarConfiguration: 284,
  ResolutionUnit: 296,
  Software: 305,
  DateTime: 306,
  Artist: 315,
  HostComputer: 316,
  Predictor: 317,
  TileWidth: 322,
  TileLength: 323,
  TileOffsets: 324,
  TileByteCounts: 325,
  SubIFDs: 330,
  ExtraSamples: 338,
  SampleFormat: 339,
  JPEGTables: 347,
  YCbCrSubSampling: 530,
  Copyright: 33432,
  ImageDepth: 32997,
  IccProfile: 34675,
} as const;

/**
 * Byte size of each TIFF field type (index = type code); 0 = unknown type.
 *
 * @example
 * ```ts
 * TYPE_SIZE[TYPE.LONG8]; // 8
 * ```
 */
export const TYPE_SIZE: readonly number[] = [0, 1, 1, 2, 4, 8, 1, 1, 2, 4, 8, 4, 8, 4, 0, 0, 8, 8, 8];

/**
 * Field type codes.
 *
 * @example
 * ```ts
 * entry.type === TYPE.ASCII;
 * ```
 */
export const TYPE = {
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

/**
 * `tiff.*` string properties OpenSlide copies from the first directory, in its naming.
 *
 * @example
 * ```ts
 * for (const [tag, key] of TIFF_STRING_PROPERTIES) console.log(tag, key); // 270 'tiff.ImageDescription', …
 * ```
 */
export const TIFF_STRING_PROPERTIES: readonly (readonly [number, string])[] = [
  [TAG.ImageDescription, 'tiff.ImageDescription'],
  [TAG.Make, 'tiff.Make'],
  [TAG.Model, 'tiff.Model'],
  [TAG.Software, 'tiff.Software'],
  [TAG.DateTime, 'tiff.DateTime'],
  [TAG.Artist, 'tiff.Artist'],
  [TAG.HostComputer, 'tiff.HostComputer'],
  [TAG.Copyright, 'tiff.Copyright'],
  [TAG.DocumentName, 'tiff.DocumentName'],
];

/**
 * Compression tag values with a name, for messages.
 *
 * @example
 * ```ts
 * COMPRESSION_NAMES[33005]; // 'Aperio JPEG 2000 (RGB)'
 * ```
 */
export const COMPRESSION_NAMES: Readonly<Record<number, string>> = {
  1: 'none',
  5: 'LZW',
  6: 'old-style JPEG',
  7: 'JPEG',
  8: 'Deflate',
  32773: 'PackBits',
  32946: 'Deflate',
  33003: 'Aperio JPEG 2000 (YCbCr)',
  33005: 'Aperio JPEG 2000 (RGB)',
  34712: 'JPEG 2000',
  50000: 'ZSTD',
  50001: 'WebP',
};
