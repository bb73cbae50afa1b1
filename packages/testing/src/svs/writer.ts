/**
 * Aperio SVS writer: the pyramid as tiled JPEG pages, a stripped JPEG thumbnail after level 0, an LZW label and a
 * JPEG macro, with Aperio's ImageDescription strings, so OpenSlide opens it with its `aperio` backend.
 */
import { basename } from 'node:path';
import type { BandSink } from '../tiff/band-sink.js';
import { MemorySink, PageSink } from '../tiff/band-sink.js';
import type { PageOptions, TiffPage } from '../tiff/page.js';
import { type LevelPlan, planLevels, streamPyramid } from '../tiff/pyramid.js';
import type { RgbSource } from '../tiff/source.js';
import { type TiffWriteResult, TiffWriter } from '../tiff/writer.js';
import { makeLabel, makeMacro } from './associated.js';
import {
  type AperioMetadata,
  aperioAssociatedDescription,
  aperioLevelDescription,
  aperioThumbnailDescription,
} from './description.js';

/**
 * Options of {@link writeSvs}.
 *
 * @example
 * ```ts
 * const o: SvsOptions = { source, tileSize: 256, quality: 90, mpp: 0.499, appMag: 20, levels: [1, 4, 16] };
 * ```
 */
export interface SvsOptions {
  source: RgbSource;
  /** Tile edge (default 256; Aperio also uses 240). */
  tileSize?: number;
  /** JPEG quality (default 90). */
  quality?: number;
  chromaSubsampling?: '4:2:0' | '4:4:4';
  /**
   * Photometric tag of the JPEG tiles: `ycbcr` (default, correct for sharp's YCbCr JPEGs), or `rgb` to reproduce the
   * mislabelled-tile quirk (YCbCr data tagged RGB, as in some OME-TIFF/DICOM exports): libtiff, hence OpenSlide,
   * then skips the colour transform and shows wrong colours, while a JFIF-style decoder of the raw tile is right.
   * (Real Aperio `JPEG/RGB` tiles hold RGB components with no transform; sharp cannot encode those.)
   */
  photometric?: 'ycbcr' | 'rgb';
  /** Downsample factors (default ×4 steps while the level's short side stays ≥ 256 px). */
  levels?: readonly number[];
  /** Microns per pixel of level 0 (default 0.499); `null` leaves MPP out, like the TCGA fixture. */
  mpp?: number | null;
  /** Objective power (default 20); `null` leaves AppMag out. */
  appMag?: number | null;
  /**
   * Where the stripped thumbnail page goes: `after-level0` (default, page 1, as Aperio does: OpenSlide calls it
   * `thumbnail`), `last` (after the last level, for reader robustness tests: OpenSlide then names it after the first
   * word of its description's second line, i.e. `WxH`) or `none`.
   */
  thumbnail?: 'after-level0' | 'last' | 'none';
  /** Longest side of the thumbnail (default 768). */
  thumbnailSize?: number;
  /** Add the label page (default true). */
  label?: boolean;
  /** Add the macro page (default true). */
  macro?: boolean;
  /** Further `key = value` pairs for the description. */
  metadata?: AperioMetadata;
  bigtiff?: boolean | 'auto';
  seed?: number;
}

/**
 * What {@link writeSvs} wrote.
 *
 * @example
 * ```ts
 * const { levels, associated } = await writeSvs('/tmp/a.svs', { source });
 * ```
 */
export interface SvsResult extends TiffWriteResult {
  levels: LevelPlan[];
  associated: Record<string, { width: number; height: number }>;
}

function defaultLevels(w: number, h: number): number[] {
  const out = [1];
  while (Math.min(w, h) / (out.at(-1) as number) / 4 >= 256) out.push((out.at(-1) as number) * 4);
  return out;
}

function fit(w: number, h: number, max: number): { width: number; height: number } {
  const s = Math.min(1, max / Math.max(w, h));
  return { width: Math.max(1, Math.round(w * s)), height: Math.max(1, Math.round(h * s)) };
}

/**
 * Writes an Aperio SVS (streaming, bounded memory).
 *
 * @example
 * ```ts
 * const src = syntheticTissue({ width: 2048, height: 1536, seed: 1 });
 * await writeSvs('/tmp/synthetic.svs', { source: src, mpp: 0.499, appMag: 20, levels: [1, 4] });
 * ```
 */
export async function writeSvs(path: string, options: SvsOptions): Promise<SvsResult> {
  const { source } = options;
  const tileSize = options.tileSize ?? 256;
  const quality = options.quality ?? 90;
  const plan = planLevels(
    source.width,
    source.height,
    options.levels ?? defaultLevels(source.width, source.height),
    'floor',
  );
  const mpp = options.mpp === undefined ? 0.499 : options.mpp;
  const appMag = options.appMag === undefined ? 20 : options.appMag;
  const meta: AperioMetadata = {
    AppMag: appMag ?? undefined,
    StripeWidth: 2040,
    'ScanScope ID': 'WSI-TESTING',
    Filename: basename(path).replace(/\.svs$/i, ''),
    Date: '01/02/25',
    Time: '10:00:00',
    MPP: mpp ?? undefined,
    ...options.metadata,
  };
  const jpeg: Pick<PageOptions, 'compression' | 'quality' | 'chromaSubsampling' | 'photometric'> = {
    compression: 'jpeg',
    quality,
    chromaSubsampling: options.chromaSubsampling ?? '4:2:0',
    photometric: options.photometric ?? 'ycbcr',
  };
  const thumbPlace = options.thumbnail ?? 'after-level0';
  const thumb = fit(source.width, source.height, options.thumbnailSize ?? 768);
  const labelSize = { width: 400, height: 400 };
  const overview = fit(source.width, source.height, 400);
  const macroSize = { width: 1280, height: 431 };
  const associated: Record<string, { width: number; height: number }> = {};

  const writer = await TiffWriter.create(path, { bigtiff: options.bigtiff ?? 'auto' });
  try {
    const levels: { page: TiffPage }[] = [];
    let thumbPage: TiffPage | undefined;
    const addThumb = (): void => {
      thumbPage = writer.addPage({
        ...jpeg,
        width: thumb.width,
        height: thumb.height,
        rowsPerStrip: 16,
        description: aperioThumbnailDescription(source.width, source.height, thumb.width, thumb.height, meta),
      });
      associated.thumbnail = thumb;
    };
    for (const [i, l] of plan.entries()) {
      const desc = aperioLevelDescription(
        i === 0
          ? { width: source.width, height: source.height, tileSize, quality }
          : {
              width: source.width,
              height: source.height,
              tileSize,
              quality,
              levelWidth: l.width,
              levelHeight: l.height,
            },
        meta,
      );
      const page = writer.addPage({
        ...jpeg,
        width: l.width,
        height: l.height,
        tileWidth: tileSize,
        tileHeight: tileSize,
        description: desc,
      });
      levels.push({ page });
      if (i === 0 && thumbPlace === 'after-level0') addThumb();
    }
    if (thumbPlace === 'last') addThumb();
    const extras: BandSink[] = [];
    if (thumbPage) extras.push(new PageSink(thumbPage));
    const over = options.macro === false ? undefined : new MemorySink(overview.width, overview.height);
    if (over) extras.push(over);
    await streamPyramid(source, levels, extras);

    const label = makeLabel(labelSize.width, labelSize.height, options.seed ?? 1);
    if (options.label !== false) {
      const page = writer.addPage({
        ...labelSize,
        compression: 'lzw',
        predictor: true,
        rowsPerStrip: 16,
        subfileType: 1,
        description: aperioAssociatedDescription('label', labelSize.width, labelSize.height),
      });
      await new PageSink(page).push(label, 0, labelSize.height);
      associated.label = labelSize;
    }
    if (over) {
      const macro = makeMacro(
        macroSize.width,
        macroSize.height,
        label,
        labelSize.width,
        labelSize.height,
        over.pixels,
        overview.width,
        overview.height,
      );
      const page = writer.addPage({
        ...jpeg,
        ...macroSize,
        rowsPerStrip: 16,
        subfileType: 9,
        description: aperioAssociatedDescription('macro', macroSize.width, macroSize.height),
      });
      await new PageSink(page).push(macro, 0, macroSize.height);
      associated.macro = macroSize;
    }
    return { ...(await writer.finish()), levels: plan, associated };
  } catch (err) {
    await writer.abort();
    throw err;
  }
}
