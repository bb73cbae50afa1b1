/** What a tile decoder needs to know about one TIFF tile or strip. */
import type { Raster } from '@wsi/core';

/**
 * The TIFF tags that decide how one tile or strip decodes. `width`×`height` is the tile (or strip) size the caller
 * has validated; decoders never allocate more than that, whatever the compressed stream claims.
 *
 * @example
 * ```ts
 * const info: TileDecodeInfo = { compression: 7, photometric: 2, width: 240, height: 240, samplesPerPixel: 3,
 *   bitsPerSample: 8, planarConfig: 1, predictor: 1, jpegTables };
 * ```
 */
export interface TileDecodeInfo {
  /** TIFF Compression tag (1 none, 5 LZW, 7 JPEG, 8/32946 Deflate, 33003/33005/34712 JPEG 2000, 50000 ZSTD…). */
  compression: number;
  /** TIFF PhotometricInterpretation (1 min-is-black, 2 RGB, 6 YCbCr…). */
  photometric: number;
  width: number;
  height: number;
  samplesPerPixel: number;
  bitsPerSample: number;
  /** 1 chunky (interleaved); 2 planar — then `bytes` holds the planes one after another. */
  planarConfig: number;
  /** 1 none, 2 horizontal differencing, 3 floating point. */
  predictor: number;
  /** The JPEGTables tag (an abbreviated stream with DQT/DHT) shared by the tiles of a JPEG IFD. */
  jpegTables?: Uint8Array;
  /** 1 unsigned integer (default), 3 IEEE float. */
  sampleFormat?: number;
  /** The file's byte order, for multi-byte samples (default true). */
  littleEndian?: boolean;
}

/**
 * One compression scheme's decoder.
 *
 * @example
 * ```ts
 * tileDecoders.register(1, { decode: async (bytes, info) => samplesToRaster(bytes.slice(), info) });
 * ```
 */
export interface TileDecoder {
  /**
   * `into`, when given, is a buffer of exactly the decoded size (width × height × 4 for RGBA) that a decoder may
   * write the pixels into and return as the raster's `data` (saves an allocation per tile); decoders that cannot
   * simply ignore it.
   */
  decode(bytes: Uint8Array, info: TileDecodeInfo, signal?: AbortSignal, into?: Uint8Array): Promise<Raster>;
}
