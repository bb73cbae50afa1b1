/**
 * @wsi/annotator — QuPath GeoJSON, ASAP XML, Aperio ImageScope XML and CSV annotations: lossless conversion
 * with a list of what a target cannot hold, class masks at any level, per-patch labels from exact polygon
 * clipping, and heatmaps (overlay PNG + QuPath tiles) from per-patch scores. All coordinates are level-0 pixels.
 *
 * @example
 * ```ts
 * import { convertAnnotations, rasterizeAnnotations } from '@wsi/annotator';
 * const { warnings } = await convertAnnotations('a.geojson', { to: 'asap', out: 'a.xml' });
 * await rasterizeAnnotations('a.geojson', { width: 2000, height: 1500, downsample: 16, out: 'mask.png' });
 * ```
 * @packageDocumentation
 */
export const PACKAGE_NAME = '@wsi/annotator';
export * from './formats/aperio.js';
export * from './formats/asap.js';
export * from './formats/csv-points.js';
export * from './formats/geojson.js';
export * from './geometry/rings.js';
export * from './geometry/validate.js';
export * from './heatmap/colormap.js';
export * from './heatmap/render.js';
export * from './heatmap/scores.js';
export * from './io/annotations.js';
export * from './io/atomic.js';
export * from './labels/clip.js';
export * from './labels/edge-index.js';
export * from './labels/label.js';
export * from './labels/label-patches.js';
export * from './labels/labels-h5.js';
export * from './raster/mask-png.js';
export * from './raster/rasterize.js';
export * from './raster/scanline.js';
export * from './raster/shapes.js';
