/**
 * @wsi/core — shared types, typed errors and byte sources. No runtime dependencies beyond Node built-ins.
 *
 * @example
 * ```ts
 * import { openByteSource, isWsiError } from '@wsi/core';
 * const src = await openByteSource('https://example.org/slide.svs');
 * console.log(await src.size());
 * ```
 * @packageDocumentation
 */

export * from './abort.js';
export * from './bytes/block-cache.js';
export * from './bytes/byte-source.js';
export * from './bytes/file-source.js';
export * from './bytes/http-source.js';
export * from './bytes/memory-source.js';
export * from './bytes/open.js';
export * from './data/annotations.js';
export * from './data/bags.js';
export * from './data/coords.js';
export * from './data/features.js';
export * from './data/scores.js';
export * from './errors.js';
export * from './fingerprint.js';
export * from './manifest/csv.js';
export * from './manifest/manifest.js';
export * from './naming.js';
export * from './raster.js';
export * from './registry.js';
export * from './slide/levels.js';
export * from './slide/slide.js';
export * from './version.js';
