/** The NDPI writer for test and bench slides. */
export { type NdpiWriteOptions, type NdpiWriteResult, writeNdpi } from './writer.js';
export { type JpegRestartInfo, scanJpegRestarts } from './jpeg-scan.js';
