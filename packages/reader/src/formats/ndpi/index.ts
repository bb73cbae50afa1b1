/** Hamamatsu NDPI: format module, slide class and the JPEG restart-interval helpers behind them. */

export { boxDownsample } from './box-downsample.js';
export { assembleTileJpeg, intervalData, type JpegLayout, parseJpegLayout } from './jpeg-layout.js';
export { type NdpiOpenOptions, ndpiFormat, ndpiProperties } from './ndpi-format.js';
export { NDPI_LIMITS, NDPI_TAG, NdpiPage, type TileGrouping } from './ndpi-page.js';
export { NdpiSlide, type NdpiSlideInit, type NdpiSlideOptions } from './ndpi-slide.js';
export { RestartIndex } from './restart-index.js';
