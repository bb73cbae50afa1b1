/**
 * @wsi/reader — whole-slide images from TIFF-family files (Aperio SVS, generic pyramidal TIFF, OME-TIFF, Philips),
 * local or over HTTP, with OpenSlide 3.4.1's levels, properties and region semantics.
 *
 * @example
 * ```ts
 * import { openSlide, read } from '@wsi/reader';
 * const slide = await openSlide('CMU-1-Small-Region.svs');
 * const patch = await read(slide, { x: 0, y: 0, width: 224, height: 224, mpp: 1.0 });
 * await slide.close();
 * ```
 * @packageDocumentation
 */
export const PACKAGE_NAME = '@wsi/reader';
export * from './anonymize/index.js';
export * from './decode/index.js';
export { SlideReader, type SlideReaderOptions } from './facade.js';
export * from './formats/index.js';
export { type OpenedSlide, type OpenSlideOptions, openSlide, REMOTE_BLOCK_SIZE } from './open.js';
export { DEFAULT_LEVEL_PIXEL_BUDGET, type ReadRequest, read, readLevel, thumbnail } from './read.js';
export { resizeRaster } from './resize.js';
export { type BackgroundColor, compositeOnto, parseBackground, type RegionReadOptions } from './slide/background.js';
export { BufferPool, DEFAULT_POOL_BYTES, sharedBufferPool } from './slide/buffer-pool.js';
export { type PixelLayout, pixelLayout, RGBA, toLayout } from './slide/pixels.js';
export { bilinearShift, copyWindow, subpixel, type TileFetcher, type TileGrid } from './slide/region.js';
export { type RawTile, TiffSlide, type TiffSlideInit, type TiffSlideOptions } from './slide/tiff-slide.js';
export { DEFAULT_TILE_CACHE_BYTES, TileCache } from './slide/tile-cache.js';
export {
  type ReadRegionsOptions,
  type RegionResult,
  TiledSlide,
  type TiledSlideInit,
  type TiledSlideOptions,
} from './slide/tiled-slide.js';
export { type TiffContext, type TiffEntry, TiffIfd } from './tiff/ifd.js';
export { IMAGE_LIMITS, TiffImage, type TileLocation } from './tiff/image.js';
export { isTiffHeader, parseTiff, TIFF_LIMITS, type TiffFile } from './tiff/parser.js';
export { formatDouble, levelProperties, tiffProperties } from './tiff/properties.js';
export * from './tiff/tags.js';
