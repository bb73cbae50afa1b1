/**
 * OME-TIFF: OME-XML in the first ImageDescription. Levels are the first image's directory and its SubIFDs
 * (OME's pyramid layout), widest first; `PhysicalSizeX/Y` (with their units) give the mpp; channel names come
 * from `Pixels/Channel`. OpenSlide 3.4.1 does not read OME-TIFF, so `openslide.vendor` is `ome-tiff`.
 */
import { type FormatModule, PROPERTY, type Slide } from '@wsi/core';
import { xmlParser } from '../lazy-modules.js';
import { TiffSlide, type TiffSlideOptions } from '../slide/tiff-slide.js';
import { tiffProperties } from '../tiff/properties.js';
import { TAG } from '../tiff/tags.js';
import { pyramidLevels } from './generic-tiff.js';
import { formatDouble, probeTiff, tiffOf } from './probe.js';

const UNIT_TO_UM: Readonly<Record<string, number>> = {
  µm: 1,
  um: 1,
  μm: 1,
  nm: 1e-3,
  mm: 1e3,
  cm: 1e4,
  m: 1e6,
  pm: 1e-6,
};

/**
 * What the reader takes from OME-XML.
 *
 * @example
 * ```ts
 * const { mpp, channels }: OmeInfo = parseOmeXml(description);
 * ```
 */
export interface OmeInfo {
  mpp?: { x: number; y: number };
  channels: string[];
  sizeC: number;
  properties: Record<string, string>;
}

type XmlNode = Record<string, unknown>;

/**
 * Reads the first image's physical size and channels from OME-XML.
 *
 * @example
 * ```ts
 * parseOmeXml('<OME><Image><Pixels PhysicalSizeX="0.25" PhysicalSizeY="0.25" SizeC="3"/></Image></OME>').mpp; // {x:0.25,y:0.25}
 * ```
 */
export function parseOmeXml(xml: string): OmeInfo {
  const parser = new (xmlParser())({
    ignoreAttributes: false,
    attributeNamePrefix: '',
    removeNSPrefix: true,
    isArray: (n) => n === 'Image' || n === 'Channel',
  });
  const doc = parser.parse(xml) as XmlNode;
  const ome = (doc.OME ?? {}) as XmlNode;
  const image = ((ome.Image as XmlNode[] | undefined) ?? [])[0] ?? {};
  const pixels = (image.Pixels ?? {}) as XmlNode;
  const properties: Record<string, string> = {};
  for (const [k, v] of Object.entries(pixels))
    if (typeof v === 'string' || typeof v === 'number') properties[`ome.Pixels.${k}`] = String(v);
  if (typeof image.Name === 'string') properties['ome.Image.Name'] = image.Name;
  const size = (axis: 'X' | 'Y') => {
    const v = Number(pixels[`PhysicalSize${axis}`]);
    const unit = String(pixels[`PhysicalSize${axis}Unit`] ?? 'µm');
    const f = UNIT_TO_UM[unit];
    return Number.isFinite(v) && v > 0 && f !== undefined ? v * f : undefined;
  };
  const x = size('X');
  const y = size('Y');
  const channels = ((pixels.Channel as XmlNode[] | undefined) ?? []).map((c, i) => String(c.Name ?? c.ID ?? `C${i}`));
  return {
    ...(x !== undefined && y !== undefined ? { mpp: { x, y } } : {}),
    channels,
    sizeC: Number(pixels.SizeC ?? channels.length ?? 1) || 1,
    properties,
  };
}

/**
 * The OME-TIFF format module.
 *
 * @example
 * ```ts
 * const slide = await omeTiffFormat.open({ head, source });
 * ```
 */
export const omeTiffFormat: FormatModule<Slide, TiffSlideOptions> = {
  id: 'ome-tiff',
  priority: 10,
  async detect(probe) {
    const desc = (await probeTiff(probe))?.ifds[0]?.string(TAG.ImageDescription) ?? '';
    return /<OME[\s>]/.test(desc);
  },
  async open(probe, options) {
    const tiff = await tiffOf(probe);
    const ifd0 = tiff.ifds[0]!;
    const info = parseOmeXml(ifd0.string(TAG.ImageDescription) ?? '');
    // OME pyramids live in SubIFDs; the main chain holds planes (channels, z, t), not levels.
    const levels = pyramidLevels([ifd0]);
    const properties: Record<string, string> = {
      ...tiffProperties(ifd0),
      ...info.properties,
      [PROPERTY.vendor]: 'ome-tiff',
    };
    if (info.mpp) {
      properties[PROPERTY.mppX] = formatDouble(info.mpp.x);
      properties[PROPERTY.mppY] = formatDouble(info.mpp.y);
    }
    return new TiffSlide(
      {
        format: 'ome-tiff',
        source: probe.source,
        levels,
        properties,
        ...(info.mpp ? { mpp: info.mpp } : {}),
        channelNames: info.channels,
      },
      options,
    );
  },
};
