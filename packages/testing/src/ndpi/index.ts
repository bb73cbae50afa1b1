/** The NDPI writer for test and bench slides. */

export { type JpegRestartInfo, scanJpegRestarts } from './jpeg-scan.js';
export { type NdpiWriteOptions, type NdpiWriteResult, writeNdpi } from './writer.js';
