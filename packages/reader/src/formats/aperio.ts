/**
 * Aperio SVS: ImageDescription starting with `Aperio`. OpenSlide 3.4.1's rules: every tiled directory is a level
 * (in file order); stripped directories are associated images — directory 1 is `thumbnail` (even between two
 * levels), the others are named by the first word of their description's second line (`label`, `macro`);
 * `aperio.*` properties from the `|key = value` pairs after the first; MPP → `openslide.mpp-x/y`, AppMag →
 * `openslide.objective-power`.
 */
import { type FormatModule, PROPERTY, type Slide } from '@wsi/core';
import { TiffSlide, type TiffSlideOptions } from '../slide/tiff-slide.js';
import { TiffImage } from '../tiff/image.js';
import { tiffProperties } from '../tiff/properties.js';
import { TAG } from '../tiff/tags.js';
import { formatDouble, parseDoubleProp, parseIntProp, probeTiff, tiffOf } from './probe.js';

/**
 * Parses Aperio's `|`-separated description into `aperio.*` properties (the first field is skipped).
 *
 * @example
 * ```ts
 * aperioProperties('Aperio Image Library v10|AppMag = 20|MPP = 0.499'); // { 'aperio.AppMag': '20', 'aperio.MPP': '0.499' }
 * ```
 */
export function aperioProperties(description: string): Record<string, string> {
  const out: Record<string, string> = {};
  const fields = description.split('|');
  for (const field of fields.slice(1)) {
    const eq = field.indexOf('=');
    if (eq < 0) continue;
    const name = field.slice(0, eq).trim();
    out[`aperio.${name}`] = field.slice(eq + 1).trim();
  }
  return out;
}

/**
 * The Aperio SVS format module.
 *
 * @example
 * ```ts
 * const formats = new FormatRegistry<Slide>('slide format').register(aperioFormat);
 * ```
 */
export const aperioFormat: FormatModule<Slide, TiffSlideOptions> = {
  id: 'aperio',
  priority: 20,
  async detect(probe) {
    const tiff = await probeTiff(probe);
    const first = tiff?.ifds[0];
    return !!first && first.has(TAG.TileWidth) && (first.string(TAG.ImageDescription) ?? '').startsWith('Aperio');
  },
  async open(probe, options) {
    const tiff = await tiffOf(probe);
    const levels: TiffImage[] = [];
    const associated = new Map<string, TiffImage>();
    const gt450 = (tiff.ifds[0]?.string(TAG.ImageDescription) ?? '').startsWith('Aperio Leica Biosystems GT450');
    for (const ifd of tiff.ifds) {
      const img = TiffImage.from(ifd);
      if (img.tiled) {
        levels.push(img);
        continue;
      }
      let name: string | undefined = ifd.index === 1 ? 'thumbnail' : undefined;
      if (gt450 && ifd.index === 5) name = 'label';
      if (gt450 && ifd.index === 6) name = 'macro';
      if (!name) {
        const lines = (img.description ?? '').split(/[\r\n]/);
        const word = lines[1]?.split(' ')[0];
        if (word) name = word;
      }
      if (name) associated.set(name, img);
    }
    const ifd0 = tiff.ifds[0]!;
    const description = ifd0.string(TAG.ImageDescription) ?? '';
    const properties: Record<string, string> = { ...aperioProperties(description), ...tiffProperties(ifd0) };
    const mag = parseIntProp(properties['aperio.AppMag']);
    const mpp = parseDoubleProp(properties['aperio.MPP']);
    if (mag !== undefined) properties[PROPERTY.objectivePower] = String(mag);
    if (mpp !== undefined) {
      properties[PROPERTY.mppX] = formatDouble(mpp);
      properties[PROPERTY.mppY] = formatDouble(mpp);
    }
    properties[PROPERTY.vendor] = 'aperio';
    return new TiffSlide(
      {
        format: 'aperio',
        source: probe.source,
        levels,
        associated,
        properties,
        ...(mpp !== undefined ? { mpp: { x: mpp, y: mpp } } : {}),
        ...(mag !== undefined ? { objectivePower: mag } : {}),
      },
      options,
    );
  },
};
