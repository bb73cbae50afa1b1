/**
 * Generic tiled pyramidal TIFF, by OpenSlide 3.4.1's rules: directory 0 and every later tiled directory marked
 * reduced-resolution (NewSubfileType bit 0) are levels, sorted by width, largest first. Beyond OpenSlide:
 * a SubIFD pyramid under directory 0 is used when the main chain has one level, and a stripped single-image TIFF
 * opens as one level whose strips are read as tiles (memory bounded by the strip size).
 */
import { type FormatModule, PROPERTY, type Slide } from '@wsi/core';
import { TiffSlide, type TiffSlideOptions } from '../slide/tiff-slide.js';
import type { TiffIfd } from '../tiff/ifd.js';
import { TiffImage } from '../tiff/image.js';
import { tiffProperties } from '../tiff/properties.js';
import { TAG } from '../tiff/tags.js';
import { probeTiff, tiffOf } from './probe.js';

/**
 * Levels of a page (or SubIFD) pyramid: directory 0 plus reduced-resolution tiled directories, widest first.
 *
 * @example
 * ```ts
 * const tiff = await parseTiff(source);
 * const levels = pyramidLevels(tiff.ifds); // TiffImage per level, widest first
 * ```
 */
export function pyramidLevels(ifds: readonly TiffIfd[]): TiffImage[] {
  const first = ifds[0];
  if (!first) return [];
  const base = TiffImage.from(first);
  const levels = [base];
  for (const ifd of ifds.slice(1)) {
    if (!ifd.has(TAG.TileWidth)) continue;
    if (((ifd.number(TAG.NewSubfileType, 0) as number) & 1) === 0) continue;
    levels.push(TiffImage.from(ifd));
  }
  const sub = first.subIfds.filter((s) => s.has(TAG.TileWidth) || !base.tiled).map((s) => TiffImage.from(s));
  if (levels.length === 1 && sub.length > 0) levels.push(...sub);
  return levels
    .map((img, i) => ({ img, i }))
    .sort((a, b) => b.img.width - a.img.width || a.i - b.i)
    .map((x) => x.img);
}

/**
 * The generic TIFF format module (lowest priority among TIFF formats).
 *
 * @example
 * ```ts
 * const slide = await genericTiffFormat.open({ head, source });
 * ```
 */
export const genericTiffFormat: FormatModule<Slide, TiffSlideOptions> = {
  id: 'generic-tiff',
  priority: 0,
  async detect(probe) {
    return (await probeTiff(probe)) !== undefined;
  },
  async open(probe, options) {
    const tiff = await tiffOf(probe);
    const ifd0 = tiff.ifds[0]!;
    const levels = pyramidLevels(tiff.ifds);
    const properties = { ...tiffProperties(ifd0), [PROPERTY.vendor]: 'generic-tiff' };
    return new TiffSlide({ format: 'generic-tiff', source: probe.source, levels, properties }, options);
  },
};
