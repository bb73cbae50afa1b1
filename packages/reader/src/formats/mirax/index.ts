/**
 * 3DHISTECH MIRAX (`.mrxs` + companion folder), following OpenSlide 3.4.1: detected when the location ends in
 * `.mrxs` and the folder's Slidedat.ini has `[GENERAL] SLIDE_ID`; Index.dat's hierarchical records give every zoom
 * level's images, placed by the stitching position buffer (VIMSLIDE_POSITION_BUFFER, or a zlib
 * StitchingIntensityLayer) or the nominal grid; `label` / `macro` / `thumbnail` from the non-hierarchical records;
 * `mirax.<GROUP>.<KEY>` properties for every Slidedat.ini key.
 */
import { createHash } from 'node:crypto';
import { inflateSync } from 'node:zlib';
import { type ByteSource, type FormatModule, type FormatProbe, PROPERTY, type Slide, WsiError } from '@wsi/core';
import type { TiffSlideOptions } from '../../slide/tiff-slide.js';
import { formatDouble, levelProperties } from '../../tiff/properties.js';
import { type CompanionFile, openCompanionFile } from './data-file.js';
import { IndexDat } from './index-dat.js';
import { buildLevels, photoPositions } from './layout.js';
import { type DataFileSet, MiraxSlide } from './mirax-slide.js';
import { parseSlidedat, SLIDEDAT, type Slidedat } from './slidedat.js';

export { parseIni } from './ini.js';
export { MiraxSlide } from './mirax-slide.js';
export { parseSlidedat, type Slidedat } from './slidedat.js';

const SLIDEDAT_MAX = 1 << 20;
const INDEX_MAX = 256 << 20;
const POSITION_MAX = 64 << 20;

/** The companion folder's file `name` for a `.mrxs` location (path or URL). */
function companion(location: string, name: string): string {
  return `${location.slice(0, -'.mrxs'.length)}/${name}`;
}

function openCompanion(location: string, name: string): Promise<CompanionFile> {
  return openCompanionFile(companion(location, name));
}

async function readAll(src: CompanionFile, max: number, name: string): Promise<Uint8Array> {
  const size = await src.size();
  if (size > max) throw new WsiError('CorruptFile', `${name} is ${size} bytes, more than ${max}`);
  return src.read(0, size);
}

const parsed = new WeakMap<ByteSource, Promise<{ text: Uint8Array; slidedat: Slidedat }>>();

function slidedatOf(probe: FormatProbe): Promise<{ text: Uint8Array; slidedat: Slidedat }> {
  let p = parsed.get(probe.source);
  if (!p) {
    p = (async () => {
      const loc = probe.location as string;
      const src = await openCompanion(loc, SLIDEDAT);
      try {
        const text = await readAll(src, SLIDEDAT_MAX, SLIDEDAT);
        return { text, slidedat: parseSlidedat(new TextDecoder().decode(text)) };
      } finally {
        await src.close();
      }
    })();
    parsed.set(probe.source, p);
  }
  return p;
}

function isTiff(head: Uint8Array): boolean {
  return (head[0] === 0x49 && head[1] === 0x49) || (head[0] === 0x4d && head[1] === 0x4d);
}

/**
 * The MIRAX format module. `openSlide('slide.mrxs')` reaches it through the probe's `location`.
 *
 * @example
 * ```ts
 * import { openSlide } from '@wsi/reader';
 * const slide = await openSlide('/data/CMU-1.mrxs');
 * console.log(slide.format, slide.levels.length, slide.associatedImages); // 'mirax', 10, ['label', 'macro', 'thumbnail']
 * ```
 */
export const miraxFormat: FormatModule<Slide, TiffSlideOptions> = {
  id: 'mirax',
  priority: 30,
  async detect(probe) {
    if (!probe.location?.endsWith('.mrxs') || isTiff(probe.head)) return false;
    try {
      const { slidedat } = await slidedatOf(probe);
      return slidedat.slideId !== '';
    } catch {
      // a .mrxs whose companion is missing or broken: let open() report it by detecting from the ini's presence
      return hasGeneralSlideId(probe);
    }
  },
  async open(probe, options) {
    const loc = probe.location;
    if (!loc) throw new WsiError('InvalidArgument', 'a MIRAX slide is opened by its .mrxs path');
    const { text, slidedat: s } = await slidedatOf(probe);
    const owned: { close(): Promise<void> }[] = [probe.source];
    const dataSources = new Map<number, Promise<CompanionFile>>();
    const data: DataFileSet = {
      names: s.dataFiles,
      open(file) {
        let p = dataSources.get(file);
        if (!p) {
          p = openCompanion(loc, s.dataFiles[file] as string);
          p.then((src) => owned.push(src)).catch(() => {});
          dataSources.set(file, p);
        }
        return p;
      },
    };
    const closeAll = async () => {
      for (const p of dataSources.values()) await p.then((x) => x.close()).catch(() => {});
    };
    try {
      const indexSrc = await openCompanion(loc, s.indexFile);
      let indexBytes: Uint8Array;
      try {
        indexBytes = await readAll(indexSrc, INDEX_MAX, s.indexFile);
      } finally {
        await indexSrc.close();
      }
      const idx = new IndexDat(indexBytes, s.indexFile, s.slideId, s.dataFiles.length);
      const readRecord = async (
        rec: { file: number; offset: number; length: number },
        max: number,
      ): Promise<Uint8Array> => {
        const name = s.dataFiles[rec.file] as string;
        const src = await data.open(rec.file);
        if (rec.length > max || rec.offset + rec.length > (await src.size())) {
          throw new WsiError(
            'CorruptFile',
            `${name}: record at ${rec.offset}+${rec.length} runs past the end of the file`,
            { details: { file: name } },
          );
        }
        return src.read(rec.offset, rec.length);
      };
      let buffer: Uint8Array | undefined;
      let bufferFile = '';
      if (s.positionRecord >= 0) {
        const rec = idx.nonhierRecord(s.positionRecord);
        bufferFile = s.dataFiles[rec.file] as string;
        const raw = await readRecord(rec, POSITION_MAX);
        if (s.positionCompressed) {
          try {
            buffer = new Uint8Array(inflateSync(raw, { maxOutputLength: POSITION_MAX }));
          } catch (err) {
            throw new WsiError(
              'CorruptFile',
              `${bufferFile}: error decompressing position buffer: ${(err as Error).message}`,
              { cause: err },
            );
          }
        } else buffer = raw;
      }
      const positions = photoPositions(s, buffer, bufferFile);
      const levels = buildLevels(s, idx, positions, buffer !== undefined);
      const associated = new Map<string, { file: number; offset: number; length: number }>();
      for (const a of s.associated) associated.set(a.name, idx.nonhierRecord(a.record));
      // quickhash-1: Slidedat.ini, then the lowest level's images in Index.dat order
      const hash = createHash('sha256').update(text);
      for (const rec of idx.hierRecords(levels.length - 1, s.imagesX * s.imagesY))
        hash.update(await readRecord(rec, 64 << 20));
      const props: Record<string, string> = {};
      for (const [group, keys] of s.reader.ini) for (const [k, v] of keys) props[`mirax.${group}.${k}`] = v;
      const l0 = s.levels[0]!;
      const fill = l0.fillRgb;
      const hex = (v: number) => v.toString(16).toUpperCase().padStart(2, '0');
      props[PROPERTY.backgroundColor] = hex((fill >> 16) & 255) + hex((fill >> 8) & 255) + hex(fill & 255);
      props[PROPERTY.objectivePower] = String(s.objectiveMagnification);
      props[PROPERTY.mppX] = formatDouble(l0.mppX);
      props[PROPERTY.mppY] = formatDouble(l0.mppY);
      props[PROPERTY.quickhash1] = hash.digest('hex');
      const t0 = levels[0]!.tiles;
      if (t0.length > 0) {
        const left = Math.min(...t0.map((t) => t.x));
        const top = Math.min(...t0.map((t) => t.y));
        const right = Math.max(...t0.map((t) => t.x + t.w));
        const bottom = Math.max(...t0.map((t) => t.y + t.h));
        props[PROPERTY.boundsX] = String(Math.floor(left));
        props[PROPERTY.boundsY] = String(Math.floor(top));
        props[PROPERTY.boundsWidth] = String(Math.ceil(right - left));
        props[PROPERTY.boundsHeight] = String(Math.ceil(bottom - top));
      }
      const lp = levelProperties(
        levels.map((l) => ({
          width: l.width,
          height: l.height,
          downsample: l.downsample,
          tileWidth: l.tileW,
          tileHeight: l.tileH,
        })),
      );
      for (const [k, v] of Object.entries(lp)) if (levels[0]!.hint || !/tile-(width|height)$/.test(k)) props[k] = v;
      return new MiraxSlide(
        {
          description: loc,
          levels,
          properties: props,
          mpp: { x: l0.mppX, y: l0.mppY },
          objectivePower: s.objectiveMagnification,
          associated,
          data,
          owned,
        },
        options,
      );
    } catch (err) {
      await closeAll();
      throw err;
    }
  },
};

/** A .mrxs whose folder has a Slidedat.ini with [GENERAL] SLIDE_ID, even if the rest is broken. */
async function hasGeneralSlideId(probe: FormatProbe): Promise<boolean> {
  try {
    const src = await openCompanion(probe.location as string, SLIDEDAT);
    try {
      const text = new TextDecoder().decode(await readAll(src, SLIDEDAT_MAX, SLIDEDAT));
      return /^\s*\[GENERAL\][^[]*^\s*SLIDE_ID\s*=/m.test(text);
    } finally {
      await src.close();
    }
  } catch {
    return false;
  }
}
