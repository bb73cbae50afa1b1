/**
 * @wsi/testing (private) — fixture locations, the Python oracle bridge, and slide writers for tests and benchmarks.
 * @packageDocumentation
 */

export * from './composed/composed.js';
export * from './mirax/writer.js';
export * from './ndpi/index.js';
export * from './paths.js';
export * from './philips/description.js';
export * from './philips/writer.js';
export * from './sources/mosaic.js';
export * from './sources/noise.js';
export * from './sources/synthetic.js';
export * from './svs/associated.js';
export * from './svs/description.js';
export * from './svs/writer.js';
export * from './tiff/band-sink.js';
export * from './tiff/compress.js';
export * from './tiff/constants.js';
export * from './tiff/ifd.js';
export * from './tiff/lzw.js';
export * from './tiff/page.js';
export * from './tiff/pyramid.js';
export * from './tiff/source.js';
export * from './tiff/writer.js';
