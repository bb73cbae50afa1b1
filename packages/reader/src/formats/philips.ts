/**
 * Philips TIFF: XML ImageDescription whose root `DataObject` is `DPUfsImport`, Software starting `Philips`.
 * Following OpenSlide: levels are the tiled directories; `philips.*` properties from the DPUfsImport attributes,
 * the first `DPScannedImage` of type `WSI` and its `PixelDataRepresentation` objects
 * (`philips.PIIM_PIXEL_DATA_REPRESENTATION_SEQUENCE[i].…`); mpp-x = 1000 × DICOM_PIXEL_SPACING[1], mpp-y =
 * 1000 × DICOM_PIXEL_SPACING[0]; levels keep their stored (tile-padded) sizes, as OpenSlide 3.4.1 reports them;
 * `label` / `macro` are the directories whose description starts so, else the `LABELIMAGE` / `MACROIMAGE` scanned
 * images' base64 JPEG `PIM_DP_IMAGE_DATA` in the XML.
 */
import { type FormatModule, PROPERTY, type Slide } from '@wsi/core';
import { xmlParser } from '../lazy-modules.js';
import { TiffSlide, type TiffSlideOptions } from '../slide/tiff-slide.js';
import { TiffImage } from '../tiff/image.js';
import { tiffProperties } from '../tiff/properties.js';
import { TAG } from '../tiff/tags.js';
import { formatDouble, parseDoubleProp, probeTiff, tiffOf } from './probe.js';

type Node = Record<string, unknown>;
const asArray = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

/**
 * Flattens Philips' DPUfsImport XML into `philips.*` properties.
 *
 * @example
 * ```ts
 * philipsProperties(xml)['philips.DICOM_PIXEL_SPACING']; // '"0.000227" "0.000227"'
 * ```
 */
export function philipsProperties(xml: string): Record<string, string> {
  const parser = new (xmlParser())({
    ignoreAttributes: false,
    attributeNamePrefix: '@',
    parseTagValue: false,
    isArray: (n) => n === 'Attribute' || n === 'DataObject',
  });
  const doc = parser.parse(xml) as Node;
  const root = asArray(doc.DataObject as Node[])[0];
  const out: Record<string, string> = {};
  if (!root) return out;
  const add = (obj: Node, prefix: string) => {
    for (const attr of asArray(obj.Attribute as Node[])) {
      const name = attr['@Name'];
      if (typeof name !== 'string') continue;
      const arr = attr.Array as Node | undefined;
      if (arr) {
        const objs = asArray(arr.DataObject as Node[]);
        if (name === 'PIM_DP_SCANNED_IMAGES') {
          const wsi = objs.find((o) =>
            asArray(o.Attribute as Node[]).some((a) => a['@Name'] === 'PIM_DP_IMAGE_TYPE' && a['#text'] === 'WSI'),
          );
          if (wsi) add(wsi, prefix);
        } else if (name === 'PIIM_PIXEL_DATA_REPRESENTATION_SEQUENCE') {
          objs.forEach((o, i) => add(o, `${prefix}.${name}[${i}]`));
        }
        continue;
      }
      const text = attr['#text'];
      if (text !== undefined) out[`${prefix}.${name}`] = String(text);
    }
  };
  add(root, 'philips');
  return out;
}

/**
 * The base64 JPEG label and macro a Philips description embeds (`DPScannedImage` of type `LABELIMAGE` /
 * `MACROIMAGE` with `PIM_DP_IMAGE_DATA`).
 *
 * @example
 * ```ts
 * const images = embeddedImages(xml); // Map { 'label' => Uint8Array(…) }
 * ```
 */
export function embeddedImages(xml: string): Map<string, Uint8Array> {
  const out = new Map<string, Uint8Array>();
  if (!xml.includes('PIM_DP_IMAGE_DATA')) return out;
  const parser = new (xmlParser())({
    ignoreAttributes: false,
    attributeNamePrefix: '@',
    parseTagValue: false,
    isArray: (n) => n === 'Attribute' || n === 'DataObject',
  });
  const root = asArray((parser.parse(xml) as Node).DataObject as Node[])[0];
  const scanned = asArray(root?.Attribute as Node[]).find((a) => a['@Name'] === 'PIM_DP_SCANNED_IMAGES');
  for (const obj of asArray((scanned?.Array as Node | undefined)?.DataObject as Node[])) {
    const attrs = asArray(obj.Attribute as Node[]);
    const type = attrs.find((a) => a['@Name'] === 'PIM_DP_IMAGE_TYPE')?.['#text'];
    const data = attrs.find((a) => a['@Name'] === 'PIM_DP_IMAGE_DATA')?.['#text'];
    const name = type === 'LABELIMAGE' ? 'label' : type === 'MACROIMAGE' ? 'macro' : undefined;
    if (name && typeof data === 'string' && !out.has(name))
      out.set(name, new Uint8Array(Buffer.from(data.replace(/\s+/g, ''), 'base64')));
  }
  return out;
}

/** Parses `"0.000227" "0.000226"` into numbers. */
function spacing(v: string | undefined): number[] | undefined {
  if (!v) return undefined;
  const parts = v
    .split('"')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  const nums = parts.map((p) => parseDoubleProp(p));
  return nums.length >= 2 && nums.every((n) => n !== undefined && n > 0) ? (nums as number[]) : undefined;
}

/**
 * The Philips TIFF format module.
 *
 * @example
 * ```ts
 * const slide = await philipsFormat.open({ head, source });
 * ```
 */
export const philipsFormat: FormatModule<Slide, TiffSlideOptions> = {
  id: 'philips',
  priority: 20,
  async detect(probe) {
    const ifd0 = (await probeTiff(probe))?.ifds[0];
    if (!ifd0?.has(TAG.TileWidth)) return false;
    const desc = ifd0.string(TAG.ImageDescription) ?? '';
    return (
      (ifd0.string(TAG.Software) ?? '').startsWith('Philips') && /<DataObject[^>]*ObjectType="DPUfsImport"/.test(desc)
    );
  },
  async open(probe, options) {
    const tiff = await tiffOf(probe);
    const ifd0 = tiff.ifds[0]!;
    const props: Record<string, string> = {
      ...tiffProperties(ifd0),
      ...philipsProperties(ifd0.string(TAG.ImageDescription) ?? ''),
    };
    // OpenSlide drops the XML description from the properties (its content is spread over philips.*)
    delete props['tiff.ImageDescription'];
    delete props[PROPERTY.comment];
    const levels: TiffImage[] = [];
    const associated = new Map<string, TiffImage>();
    for (const ifd of tiff.ifds) {
      const img = TiffImage.from(ifd);
      if (img.tiled) levels.push(img);
      else {
        const d = img.description ?? '';
        if (d.startsWith('Label')) associated.set('label', img);
        else if (d.startsWith('Macro')) associated.set('macro', img);
      }
    }
    // label / macro embedded in the XML as base64 JPEG (used when no page carries them, as OpenSlide does)
    const embedded = new Map<string, Uint8Array>();
    for (const [name, data] of embeddedImages(ifd0.string(TAG.ImageDescription) ?? '')) {
      if (!associated.has(name)) embedded.set(name, data);
    }
    const sp = spacing(props['philips.DICOM_PIXEL_SPACING']);
    let mpp: { x: number; y: number } | undefined;
    if (sp) {
      mpp = { x: 1e3 * (sp[1] as number), y: 1e3 * (sp[0] as number) };
      props[PROPERTY.mppX] = formatDouble(mpp.x);
      props[PROPERTY.mppY] = formatDouble(mpp.y);
    }
    props[PROPERTY.vendor] = 'philips';
    return new TiffSlide(
      {
        format: 'philips',
        source: probe.source,
        levels,
        associated,
        properties: props,
        ...(mpp ? { mpp } : {}),
        ...(embedded.size > 0 ? { embeddedAssociated: embedded } : {}),
      },
      options,
    );
  },
};
