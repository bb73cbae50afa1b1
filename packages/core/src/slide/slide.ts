import type { Raster } from '../raster.js';

/**
 * One level of a slide pyramid. Level 0 is the full resolution.
 * `downsample` is level-0 width / this level's width as OpenSlide computes it (the mean of the x and y ratios),
 * so it can be non-integer (real Aperio levels: 4.0005…).
 *
 * @example
 * ```ts
 * const [l0, l1]: readonly SlideLevel[] = slide.levels;
 * console.log(l1?.width, l1?.downsample); // e.g. 12000, 4.0005
 * ```
 */
export interface SlideLevel {
  width: number;
  height: number;
  downsample: number;
  tileWidth: number;
  tileHeight: number;
}

/**
 * A region request. `x`, `y` are in level-0 pixels (OpenSlide's convention); `width`, `height` are in pixels of
 * `level`.
 *
 * @example
 * ```ts
 * const region: Region = { x: 4096, y: 2048, level: 1, width: 512, height: 512 };
 * const rgba = await slide.readRegion(region);
 * ```
 */
export interface Region {
  x: number;
  y: number;
  level: number;
  width: number;
  height: number;
}

/**
 * Per-call options for slide reads.
 *
 * @example
 * ```ts
 * const rgba = await slide.readRegion(region, { signal: AbortSignal.timeout(5000) } satisfies SlideReadOptions);
 * ```
 */
export interface SlideReadOptions {
  signal?: AbortSignal;
}

/**
 * Vendor strings, as OpenSlide's `openslide.vendor` where one exists; `ome-tiff`, `qptiff` and other names
 * for formats OpenSlide does not read.
 *
 * @example
 * ```ts
 * const format: SlideFormat = slide.format; // 'aperio', 'hamamatsu', 'mirax', …
 * ```
 */
export type SlideFormat =
  | 'aperio'
  | 'generic-tiff'
  | 'hamamatsu'
  | 'mirax'
  | 'philips'
  | 'dicom'
  | 'ome-tiff'
  | 'leica'
  | 'ventana'
  | 'sakura'
  | 'trestle'
  | 'qptiff'
  | (string & {});

/**
 * Names of associated images with a fixed meaning; vendors may add more (`map` for NDPI…).
 *
 * @example
 * ```ts
 * const name: AssociatedImageName = 'label';
 * if (slide.associatedImages.includes(name)) await slide.readAssociatedImage(name);
 * ```
 */
export type AssociatedImageName = 'label' | 'macro' | 'thumbnail' | (string & {});

/**
 * Well-known property keys (OpenSlide's).
 *
 * @example
 * ```ts
 * const vendor = slide.properties[PROPERTY.vendor]; // 'aperio'
 * ```
 */
export const PROPERTY = {
  vendor: 'openslide.vendor',
  mppX: 'openslide.mpp-x',
  mppY: 'openslide.mpp-y',
  objectivePower: 'openslide.objective-power',
  comment: 'openslide.comment',
  backgroundColor: 'openslide.background-color',
  quickhash1: 'openslide.quickhash-1',
  boundsX: 'openslide.bounds-x',
  boundsY: 'openslide.bounds-y',
  boundsWidth: 'openslide.bounds-width',
  boundsHeight: 'openslide.bounds-height',
  iccSize: 'openslide.icc-size',
} as const;

/**
 * An open whole-slide image, in OpenSlide's vocabulary.
 *
 * @example
 * ```ts
 * import { openSlide } from '@wsi/reader';
 * const slide = await openSlide('CMU-1.svs');
 * const lvl = slide.bestLevelForDownsample(16);
 * const rgba = await slide.readRegion({ x: 0, y: 0, level: lvl, width: 512, height: 512 });
 * await slide.close();
 * ```
 */
export interface Slide {
  /** Vendor string (`aperio`, `generic-tiff`, `hamamatsu`, `mirax`, `philips`, `dicom`, `ome-tiff`…). */
  readonly format: SlideFormat;
  /** Pyramid levels, level 0 first, downsamples ascending. */
  readonly levels: readonly SlideLevel[];
  /** Microns per pixel at level 0, when the file says. */
  readonly mpp?: { x: number; y: number };
  /** Scanner objective magnification (e.g. 20, 40), when the file says. */
  readonly objectivePower?: number;
  /** Metadata with OpenSlide's keys (`openslide.*`, `aperio.*`, `tiff.*`, `hamamatsu.*`, …). */
  readonly properties: Readonly<Record<string, string>>;
  /** Names of the associated images (`label`, `macro`, `thumbnail`, vendor extras). */
  readonly associatedImages: readonly AssociatedImageName[];
  /**
   * Reads a region as RGBA uint8 (brightfield) or native channels (fluorescence). Pixels outside the level
   * are transparent (0,0,0,0).
   */
  readRegion(region: Region, options?: SlideReadOptions): Promise<Raster>;
  /** Decodes an associated image. Rejects with `NotFound` for an unknown name. */
  readAssociatedImage(name: AssociatedImageName, options?: SlideReadOptions): Promise<Raster>;
  /** OpenSlide's rule: the largest level whose downsample is ≤ `downsample` (level 0 when below all). */
  bestLevelForDownsample(downsample: number): number;
  /** Releases the file handles and caches. */
  close(): Promise<void>;
}
