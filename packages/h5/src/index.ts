/**
 * @wsi/h5 — the HDF5 layer of @wsi: coords, features, patch image and score files in our own layout and in
 * CLAM's and Trident's, written atomically with chunked appends (h5wasm).
 *
 * @example
 * ```ts
 * import { writeCoordsFile, readCoordsFile } from '@wsi/h5';
 * await writeCoordsFile('out/patches/slide.h5', { coords, meta }, { layout: 'wsi', provenance: { params } });
 * const back = await readCoordsFile('out/patches/slide.h5');
 * ```
 * @packageDocumentation
 */

export * from './appendable.js';
export * from './attrs.js';
export * from './coords-attrs.js';
export * from './coords-file.js';
export * from './dtypes.js';
export * from './features-file.js';
export * from './file.js';
export * from './inspect.js';
export * from './patches-file.js';
export * from './provenance.js';
export * from './qc-dataset.js';
export * from './read.js';
export * from './read-dataset.js';
export * from './runtime.js';
export * from './scores-file.js';
