/**
 * The slide formats this package detects, by content, in priority order.
 */
import { FormatRegistry, type Slide } from '@wsi/core';
import type { TiffSlideOptions } from '../slide/tiff-slide.js';
import { aperioFormat } from './aperio.js';
import { dicomFormat } from './dicom/index.js';
import { genericTiffFormat } from './generic-tiff.js';
import { miraxFormat } from './mirax/index.js';
import { ndpiFormat } from './ndpi/index.js';
import { omeTiffFormat } from './ome-tiff.js';
import { philipsFormat } from './philips.js';

export { aperioFormat, aperioProperties } from './aperio.js';
export * from './dicom/index.js';
export { genericTiffFormat, pyramidLevels } from './generic-tiff.js';
export { MiraxSlide, miraxFormat, parseIni, parseSlidedat, type Slidedat } from './mirax/index.js';
export {
  type NdpiOpenOptions,
  NdpiSlide,
  type NdpiSlideOptions,
  ndpiFormat,
  ndpiProperties,
  type TileGrouping,
} from './ndpi/index.js';
export { type OmeInfo, omeTiffFormat, parseOmeXml } from './ome-tiff.js';
export { philipsFormat, philipsProperties } from './philips.js';
export { parseDoubleProp, parseIntProp } from './probe.js';

/**
 * A registry with every built-in slide format (Aperio, Philips, OME-TIFF, generic TIFF). Register more modules
 * (a DICOM or NDPI reader) on it; higher priority wins.
 *
 * @example
 * ```ts
 * import { slideFormats } from '@wsi/reader';
 * console.log(slideFormats.list().map((m) => m.id)); // ['aperio', 'philips', 'ome-tiff', 'generic-tiff']
 * ```
 */
export const slideFormats: FormatRegistry<Slide, TiffSlideOptions> = new FormatRegistry<Slide, TiffSlideOptions>(
  'slide format',
)
  .register(aperioFormat)
  .register(philipsFormat)
  .register(omeTiffFormat)
  .register(genericTiffFormat)
  .register(ndpiFormat)
  .register(dicomFormat)
  .register(miraxFormat);
