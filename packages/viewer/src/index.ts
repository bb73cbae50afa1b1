/**
 * @wsi/viewer — look at slides in a browser: a DeepZoom tile server generated on the fly from @wsi/reader (with a
 * byte-bounded tile cache, ETags and JSON endpoints for slide info and overlays), a single-page OpenSeadragon viewer
 * with tissue, patch-grid, annotation and heatmap overlays, and `dzsave` for static DeepZoom pyramids.
 *
 * @example
 * ```ts
 * import { createViewerServer, dzsave } from '@wsi/viewer';
 * const viewer = await createViewerServer({ slides: ['CMU-1.svs'], overlaysDir: 'out', port: 8080 });
 * console.log(`open ${viewer.url}`);
 * await dzsave('CMU-1.svs', 'site/');
 * ```
 * @packageDocumentation
 */
export const PACKAGE_NAME = '@wsi/viewer';
export * from './deepzoom.js';
export * from './dzsave.js';
export * from './http.js';
export * from './overlays.js';
export * from './registry.js';
export * from './render.js';
export * from './server.js';
export * from './slide-info.js';
export * from './slide-pool.js';
export * from './static.js';
