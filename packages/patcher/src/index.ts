/**
 * @wsi/patcher — tissue segmentation (CLAM's method and presets), patch grids, coords files in the `wsi`, CLAM and
 * Trident layouts, and patch extraction to h5 or image files.
 *
 * @example
 * ```ts
 * import { PatchGenerator } from '@wsi/patcher';
 * const gen = new PatchGenerator({ preset: 'tcga', patchSize: 256, magnification: 20 });
 * const result = await gen.run('slide.svs', 'out/');
 * ```
 * @packageDocumentation
 */
export const PACKAGE_NAME = '@wsi/patcher';
export * from './contours.js';
export * from './dataset/index.js';
export * from './extract.js';
export * from './generator.js';
export * from './grid.js';
export * from './image-ops.js';
export * from './outputs.js';
export * from './polygon.js';
export * from './presets.js';
export * from './qc/index.js';
export * from './resolution.js';
export * from './segment.js';
export * from './stain/index.js';
