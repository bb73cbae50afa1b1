/**
 * @wsi/embed — patch embeddings with any ONNX encoder (onnxruntime-node) into features files that CLAM and
 * Trident read, plus a built-in weight-free H&E descriptor, region (HIPT-like) pooling and per-patch scoring.
 *
 * @example
 * ```ts
 * import { loadEncoder, embedSlide } from '@wsi/embed';
 * const encoder = await loadEncoder({ model: 'resnet50-trunc.onnx', preset: 'resnet50' });
 * await embedSlide('s1.svs', { coords: 'out/patches/s1.h5', outDir: 'out', encoder });
 * await encoder.close();
 * ```
 * @packageDocumentation
 */
export const PACKAGE_NAME = '@wsi/embed';
export * from './batches.js';
export * from './default-encoder.js';
export * from './encoder.js';
export * from './pipeline.js';
export * from './preprocess.js';
export * from './presets.js';
export * from './regions.js';
export * from './scores.js';
export * from './torch-pt.js';
