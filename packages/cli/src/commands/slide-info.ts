import type { Slide } from '@wsi/core';

/**
 * The `wsi info --json` document (relied on): `{format, width, height, levels, mpp|null, objectivePower|null,
 * associatedImages, properties}`.
 *
 * @example
 * ```ts
 * printJson(slideInfo(slide));
 * ```
 */
export function slideInfo(slide: Slide) {
  const l0 = slide.levels[0];
  return {
    format: slide.format,
    width: l0?.width ?? 0,
    height: l0?.height ?? 0,
    levels: slide.levels.map((l) => ({
      width: l.width,
      height: l.height,
      downsample: l.downsample,
      tileWidth: l.tileWidth,
      tileHeight: l.tileHeight,
    })),
    mpp: slide.mpp ? { x: slide.mpp.x, y: slide.mpp.y } : null,
    objectivePower: slide.objectivePower ?? null,
    associatedImages: [...slide.associatedImages],
    properties: { ...slide.properties },
  };
}

/** Opens a slide with the reader (loaded on use so other commands start fast), runs `fn`, always closes it. */
export async function withSlide<T>(location: string, fn: (slide: Slide) => Promise<T>): Promise<T> {
  const { openSlide } = await import('@wsi/reader');
  const slide = await openSlide(location);
  try {
    return await fn(slide);
  } finally {
    await slide.close();
  }
}
