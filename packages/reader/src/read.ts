/**
 * The seed's "optimal reading methods" on any `Slide`: `read` (a region at a downsample or mpp, from the best
 * level, resized with sharp), `readLevel` (a whole level under a pixel budget) and `thumbnail`.
 */
import { type Raster, type Slide, type SlideLevel, type SlideReadOptions, WsiError } from '@wsi/core';
import { MAX_REDUCE_FACTOR, reduceLevel } from './level-reduce.js';
import { resizeRaster } from './resize.js';
import { type BackgroundColor, compositeOnto, parseBackground } from './slide/background.js';

/**
 * Default pixel budget of {@link readLevel}: 64 Mpx (256 MiB of RGBA).
 *
 * @example
 * ```ts
 * const whole = await readLevel(slide, 2, { maxPixels: 4 * DEFAULT_LEVEL_PIXEL_BUDGET }); // allow 256 Mpx
 * ```
 */
export const DEFAULT_LEVEL_PIXEL_BUDGET = 64 * 1024 * 1024;

/** Levels up to this many pixels (16 Mpx) are read whole for a thumbnail; larger ones are reduced in chunks. */
const THUMBNAIL_DIRECT_PIXELS = 16 * 1024 * 1024;

/**
 * A region at a resolution: `x`, `y` in level-0 pixels; `width`, `height` are the output size.
 *
 * @example
 * ```ts
 * const req: ReadRequest = { x: 4096, y: 2048, width: 224, height: 224, mpp: 0.5, background: '#ffffff' };
 * const patch = await read(slide, req);
 * ```
 */
export interface ReadRequest extends SlideReadOptions {
  x: number;
  y: number;
  width: number;
  height: number;
  /** Output downsample relative to level 0 (default 1). */
  downsample?: number;
  /** Output resolution in µm per pixel (needs the slide's mpp); overrides `downsample`. */
  mpp?: number;
  /** Composite onto this opaque colour (`#rrggbb` or `[r, g, b]`) instead of transparent outside the slide. */
  background?: BackgroundColor;
}

/**
 * Reads `width × height` output pixels covering level-0 `[x, x + width·ds) × [y, y + height·ds)`, from the best
 * level for `ds` (OpenSlide's rule), resized with sharp when that level's downsample is not exactly `ds`.
 *
 * @example
 * ```ts
 * const patch = await read(slide, { x: 4096, y: 2048, width: 224, height: 224, mpp: 0.5 });
 * ```
 */
export async function read(slide: Slide, req: ReadRequest): Promise<Raster> {
  let ds = req.downsample ?? 1;
  if (req.mpp !== undefined) {
    if (!slide.mpp)
      throw new WsiError('InvalidArgument', 'read({ mpp }) needs a slide with a known mpp; pass downsample instead');
    ds = req.mpp / ((slide.mpp.x + slide.mpp.y) / 2);
  }
  if (!(ds > 0 && Number.isFinite(ds))) throw new WsiError('InvalidArgument', `downsample must be > 0, got ${ds}`);
  for (const [k, v] of [
    ['width', req.width],
    ['height', req.height],
  ] as const) {
    if (!Number.isInteger(v) || v < 0)
      throw new WsiError('InvalidArgument', `${k} must be a non-negative integer, got ${v}`);
  }
  const level = slide.bestLevelForDownsample(ds);
  const lds = (slide.levels[level] as SlideLevel).downsample;
  const scale = ds / lds;
  const w = Math.max(1, Math.round(req.width * scale));
  const h = Math.max(1, Math.round(req.height * scale));
  const opts = req.signal ? { signal: req.signal } : {};
  const bg = req.background === undefined ? undefined : parseBackground(req.background);
  const region = await slide.readRegion(
    { x: Math.round(req.x), y: Math.round(req.y), level, width: w, height: h },
    opts,
  );
  if (bg) compositeOnto(region, bg);
  return w === req.width && h === req.height ? region : resizeRaster(region, req.width, req.height);
}

/**
 * A whole level as one raster, refused (`InvalidArgument`) above `maxPixels`.
 *
 * @example
 * ```ts
 * const lowest = await readLevel(slide, slide.levels.length - 1);
 * ```
 */
export async function readLevel(
  slide: Slide,
  level: number,
  options: SlideReadOptions & { maxPixels?: number } = {},
): Promise<Raster> {
  const l = slide.levels[level];
  if (!l) throw new WsiError('OutOfBounds', `level ${level} outside 0..${slide.levels.length - 1}`);
  const budget = options.maxPixels ?? DEFAULT_LEVEL_PIXEL_BUDGET;
  if (l.width * l.height > budget) {
    throw new WsiError(
      'InvalidArgument',
      `level ${level} is ${l.width}×${l.height} = ${l.width * l.height} px, over the budget of ${budget}; read a smaller level or regions`,
      {
        details: { level, width: l.width, height: l.height, maxPixels: budget },
      },
    );
  }
  return slide.readRegion(
    { x: 0, y: 0, level, width: l.width, height: l.height },
    options.signal ? { signal: options.signal } : {},
  );
}

/**
 * A thumbnail whose longer side is `maxSize`, aspect kept, from the smallest level that still has enough
 * pixels (as OpenSlide's `get_thumbnail`), resized with sharp.
 *
 * @example
 * ```ts
 * const thumb = await thumbnail(slide, 512);
 * ```
 */
export async function thumbnail(slide: Slide, maxSize: number, options: SlideReadOptions = {}): Promise<Raster> {
  if (!Number.isInteger(maxSize) || maxSize < 1)
    throw new WsiError('InvalidArgument', `maxSize must be a positive integer, got ${maxSize}`);
  const l0 = slide.levels[0] as SlideLevel;
  const ds = Math.max(l0.width / maxSize, l0.height / maxSize);
  const w = Math.max(1, Math.round(l0.width / Math.max(ds, 1)));
  const h = Math.max(1, Math.round(l0.height / Math.max(ds, 1)));
  const level = slide.bestLevelForDownsample(ds);
  const l = slide.levels[level] as SlideLevel;
  // A big level (a single-level slide, or a corrupt file's claimed size) is shrunk chunk by chunk by an integer
  // factor first (keeping twice the output resolution for the final Lanczos resize when the ratio allows; at least
  // the output resolution otherwise), as libvips' shrink-then-reduce does: memory stays bounded.
  const ratio = Math.max(l.width / w, l.height / h);
  const factor = Math.floor(ratio >= 4 ? ratio / 2 : ratio);
  if (l.width * l.height <= THUMBNAIL_DIRECT_PIXELS || factor < 2) {
    const full = await readLevel(slide, level, options);
    return resizeRaster(full, w, h);
  }
  if (factor > MAX_REDUCE_FACTOR) {
    throw new WsiError(
      'InvalidArgument',
      `level ${level} (${l.width}×${l.height}) is too large for a ${maxSize}-px thumbnail`,
    );
  }
  return resizeRaster(await reduceLevel(slide, level, factor, options), w, h);
}
