/**
 * The Hamamatsu NDPI format module: a TIFF whose first directory carries NDPI tag 65420. Pages with a positive
 * source lens are pyramid levels, lens −1 is the `macro` image (the −2 "map" page is not exposed, as in OpenSlide
 * 3.4.1); properties, mpp and objective power as OpenSlide 3.4.1 reports them. Files over 4 GiB are read through
 * NDPI's 64-bit extension (high words after each directory; MCU-start high words in tag 65432).
 */
import { type FormatModule, PROPERTY, type Slide, WsiError } from '@wsi/core';
import type { TiffIfd } from '../../tiff/ifd.js';
import { formatDouble, tiffProperties } from '../../tiff/properties.js';
import { TAG } from '../../tiff/tags.js';
import { probeTiff, tiffOf } from '../probe.js';
import { NdpiPage, type TileGrouping } from './ndpi-page.js';
import { NdpiSlide, type NdpiSlideOptions } from './ndpi-slide.js';
import { NDPI_TAG } from './page-tags.js';
import { SyncFile } from './sync-file.js';

/**
 * The `hamamatsu.*` properties of an NDPI directory: source lens, offsets from the slide centre, reference, and
 * every `key=value` line of the property map (tag 65449).
 *
 * @example
 * ```ts
 * ndpiProperties(tiff.ifds[0]!)['hamamatsu.SourceLens']; // '40'
 * ```
 */
export function ndpiProperties(ifd: TiffIfd): Record<string, string> {
  const out: Record<string, string> = {};
  const lens = ifd.number(NDPI_TAG.SourceLens);
  if (lens !== undefined && Number.isFinite(lens)) out['hamamatsu.SourceLens'] = formatDouble(lens);
  const xo = ifd.number(NDPI_TAG.XOffset);
  if (xo !== undefined) out['hamamatsu.XOffsetFromSlideCentre'] = String(xo);
  const yo = ifd.number(NDPI_TAG.YOffset);
  if (yo !== undefined) out['hamamatsu.YOffsetFromSlideCentre'] = String(yo);
  const ref = ifd.string(NDPI_TAG.Reference);
  if (ref !== undefined) out['hamamatsu.Reference'] = ref;
  const map = ifd.string(NDPI_TAG.PropertyMap);
  if (map !== undefined) {
    for (const line of map.split(/\r?\n/)) {
      const eq = line.indexOf('=');
      if (eq < 0) continue;
      out[`hamamatsu.${line.slice(0, eq)}`] = line.slice(eq + 1);
    }
  }
  return out;
}

/**
 * Options of the NDPI module: cache options plus the logical tile grouping.
 *
 * @example
 * ```ts
 * await ndpiFormat.open(probe, { ndpiGrouping: { targetPixels: 1 << 18 } });
 * ```
 */
export interface NdpiOpenOptions extends NdpiSlideOptions {
  /** How many restart intervals make a logical tile (pixels match OpenSlide either way). */
  ndpiGrouping?: TileGrouping;
}

/**
 * The NDPI format module (priority 30: above the TIFF vendors and generic TIFF).
 *
 * @example
 * ```ts
 * slideFormats.register(ndpiFormat);
 * const slide = await ndpiFormat.open({ head, source }); // NdpiSlide, format 'hamamatsu'
 * ```
 */
export const ndpiFormat: FormatModule<Slide, NdpiOpenOptions> = {
  id: 'ndpi',
  priority: 30,
  async detect(probe) {
    const tiff = await probeTiff(probe);
    return tiff?.ifds[0]?.has(NDPI_TAG.FormatFlag) ?? false;
  },
  async open(probe, options = {}) {
    const tiff = await tiffOf(probe);
    const source = probe.source;
    const what = source.description;
    const size = await source.size();
    // files of 4 GiB or more: the TIFF parser completes offsets with NDPI's high words (tiff/parser.ts)
    const ifd0 = tiff.ifds[0] as TiffIfd;
    const levelIfds: TiffIfd[] = [];
    let macro: TiffIfd | undefined;
    for (const ifd of tiff.ifds) {
      const lens = ifd.number(NDPI_TAG.SourceLens);
      if (lens === undefined) continue;
      if (lens > 0) levelIfds.push(ifd);
      else if (lens === -1 && !macro) macro = ifd;
    }
    if (levelIfds.length === 0) throw new WsiError('CorruptFile', `${what}: NDPI file without a pyramid page`);
    const grouping = options.ndpiGrouping ?? {};
    // local files: small interval reads go through a synchronous descriptor (closed with the slide)
    const sync = probe.location === source.description ? SyncFile.tryOpen(probe.location, size) : undefined;
    let pages: NdpiPage[];
    try {
      pages = await Promise.all(
        levelIfds.map((ifd) => NdpiPage.open(source, ifd, `${what} directory ${ifd.index}`, size, grouping, sync)),
      );
    } catch (err) {
      sync?.close();
      throw err;
    }
    pages.sort((a, b) => b.width - a.width);
    const associated = new Map<string, NdpiPage>();
    if (macro) {
      try {
        associated.set('macro', await NdpiPage.open(source, macro, `${what} macro (directory ${macro.index})`, size));
      } catch (err) {
        sync?.close();
        throw err;
      }
    }
    const properties: Record<string, string> = {
      ...tiffProperties(ifd0),
      ...ndpiProperties(ifd0),
      [PROPERTY.vendor]: 'hamamatsu',
    };
    const base = levelIfds.find((ifd) => ifd.number(TAG.ImageWidth) === pages[0]?.width) ?? ifd0;
    const lens = base.number(NDPI_TAG.SourceLens);
    let objectivePower: number | undefined;
    if (lens !== undefined && lens > 0) {
      objectivePower = lens;
      properties[PROPERTY.objectivePower] = formatDouble(lens);
    }
    let mpp: { x: number; y: number } | undefined;
    const xr = base.number(TAG.XResolution);
    const yr = base.number(TAG.YResolution);
    if (base.number(TAG.ResolutionUnit, 2) === 3 && xr && yr && Number.isFinite(xr) && Number.isFinite(yr)) {
      mpp = { x: 10000 / xr, y: 10000 / yr };
      properties[PROPERTY.mppX] = formatDouble(mpp.x);
      properties[PROPERTY.mppY] = formatDouble(mpp.y);
    }
    return new NdpiSlide(
      {
        source,
        pages,
        associated,
        properties,
        ...(sync ? { sync } : {}),
        ...(mpp ? { mpp } : {}),
        ...(objectivePower !== undefined ? { objectivePower } : {}),
      },
      options,
    );
  },
};
