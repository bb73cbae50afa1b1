/** Hamamatsu NDPI: format module, slide class and the JPEG restart-interval helpers behind them. */

export { boxDownsample } from './box-downsample.js';
export { assembleTileJpeg, intervalData, type JpegLayout, parseJpegLayout } from './jpeg-layout.js';
export { type NdpiOpenOptions, ndpiFormat, ndpiProperties } from './ndpi-format.js';
export { NDPI_LIMITS, NdpiPage, type TileGrouping } from './ndpi-page.js';
export { NdpiSlide, type NdpiSlideInit, type NdpiSlideOptions } from './ndpi-slide.js';
export { NDPI_TAG } from './page-tags.js';
export { RestartIndex } from './restart-index.js';
