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
export * from './decode/index.js';
export * from './tiff/tags.js';
export { TiffIfd, type TiffEntry, type TiffContext } from './tiff/ifd.js';
export { parseTiff, isTiffHeader, TIFF_LIMITS, type TiffFile } from './tiff/parser.js';
export { TiffImage, IMAGE_LIMITS, type TileLocation } from './tiff/image.js';
export { formatDouble, tiffProperties, levelProperties } from './tiff/properties.js';
export * from './formats/index.js';
export { TiledSlide, type TiledSlideInit, type TiledSlideOptions, type ReadRegionsOptions, type RegionResult, raceAbort } from './slide/tiled-slide.js';
export { BufferPool, sharedBufferPool, DEFAULT_POOL_BYTES } from './slide/buffer-pool.js';
export { TiffSlide, type TiffSlideInit, type TiffSlideOptions, type RawTile } from './slide/tiff-slide.js';
export { TileCache, DEFAULT_TILE_CACHE_BYTES } from './slide/tile-cache.js';
export { copyWindow, bilinearShift, subpixel, type TileGrid, type TileFetcher } from './slide/region.js';
export { pixelLayout, toLayout, type PixelLayout } from './slide/pixels.js';
export { openSlide, REMOTE_BLOCK_SIZE, type OpenSlideOptions } from './open.js';
export { read, readLevel, thumbnail, DEFAULT_LEVEL_PIXEL_BUDGET, type ReadRequest } from './read.js';
export { resizeRaster } from './resize.js';
export { SlideReader, type SlideReaderOptions } from './facade.js';
export { compositeOnto, parseBackground, type BackgroundColor, type RegionReadOptions } from './slide/background.js';
export * from './anonymize/index.js';
