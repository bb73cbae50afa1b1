/** Hamamatsu NDPI: format module, slide class and the JPEG restart-interval helpers behind them. */
export { ndpiFormat, ndpiProperties, type NdpiOpenOptions } from './ndpi-format.js';
export { NdpiSlide, type NdpiSlideInit, type NdpiSlideOptions } from './ndpi-slide.js';
export { NDPI_LIMITS, NDPI_TAG, NdpiPage, type TileGrouping } from './ndpi-page.js';
export { assembleTileJpeg, intervalData, parseJpegLayout, type JpegLayout } from './jpeg-layout.js';
export { RestartIndex } from './restart-index.js';
export { boxDownsample } from './box-downsample.js';
