/**
 * Philips TIFF writer: tiled JPEG pages, every level padded to whole tiles (as Philips' exporter does), page 0 with the
 * `DPUfsImport` XML description, Software `Philips DP v1.0`, so OpenSlide opens it with its `philips` backend.
 * Label and macro go either as stripped JPEG pages described `Label` / `Macro`, or base64 in the XML.
 */

import { WsiError } from '@wsi/core';
import sharp from 'sharp';
import { makeLabel, makeMacro } from '../svs/associated.js';
import { MemorySink, PageSink } from '../tiff/band-sink.js';
import type { TiffPage } from '../tiff/page.js';
import { streamPyramid } from '../tiff/pyramid.js';
import type { RgbSource } from '../tiff/source.js';
import { type TiffWriteResult, TiffWriter } from '../tiff/writer.js';
import { type PhilipsLevelInfo, philipsDescription } from './description.js';

/**
 * Options of {@link writePhilipsTiff}.
 *
 * @example
 * ```ts
 * const o: PhilipsOptions = { source, levels: 3, tileSize: 256, mpp: 0.25, associated: 'pages' };
 * ```
 */
export interface PhilipsOptions {
  /** Level 0 pixels (the scanned area; the stored pages are padded with white beyond it). */
  source: RgbSource;
  /** Number of ×2 levels (default 3). */
  levels?: number;
  /** Tile edge, multiple of 16 (default 256; Philips uses 512). */
  tileSize?: number;
  quality?: number;
  /** µm per pixel of level 0 (default 0.25); `null` leaves DICOM_PIXEL_SPACING out. `[x, y]` for anisotropic. */
  mpp?: number | readonly [number, number] | null;
  /** `pages` (default): stripped JPEG pages `Label` / `Macro`; `xml`: base64 JPEG in the description; `none`. */
  associated?: 'pages' | 'xml' | 'none';
  bigtiff?: boolean | 'auto';
  barcode?: string;
}

/**
 * What {@link writePhilipsTiff} wrote: the stored (padded) level sizes and the scanned size.
 *
 * @example
 * ```ts
 * const { levels, imageWidth } = await writePhilipsTiff('/tmp/p.tiff', { source });
 * ```
 */
export interface PhilipsResult extends TiffWriteResult {
  levels: PhilipsLevelInfo[];
  imageWidth: number;
  imageHeight: number;
  associated: Record<string, { width: number; height: number }>;
}

/** The source padded with white to `width × height`. */
function padded(source: RgbSource, width: number, height: number): RgbSource {
  return {
    width,
    height,
    async read(x, y, w, h) {
      const out = new Uint8Array(w * h * 3).fill(255);
      const iw = Math.max(0, Math.min(w, source.width - x));
      const ih = Math.max(0, Math.min(h, source.height - y));
      if (iw > 0 && ih > 0) {
        const inner = await source.read(x, y, iw, ih);
        for (let r = 0; r < ih; r++) out.set(inner.subarray(r * iw * 3, (r + 1) * iw * 3), r * w * 3);
      }
      return out;
    },
  };
}

/** A nearest-neighbour overview, one source row read per overview row. */
async function sampleOverview(source: RgbSource, width: number, height: number): Promise<Uint8Array> {
  const out = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    const row = await source.read(
      0,
      Math.min(source.height - 1, Math.floor(((y + 0.5) * source.height) / height)),
      source.width,
      1,
    );
    for (let x = 0; x < width; x++) {
      const sx = Math.min(source.width - 1, Math.floor(((x + 0.5) * source.width) / width)) * 3;
      out.set(row.subarray(sx, sx + 3), (y * width + x) * 3);
    }
  }
  return out;
}

async function jpeg(rgb: Uint8Array, width: number, height: number, quality: number): Promise<Uint8Array> {
  return new Uint8Array(
    await sharp(rgb, { raw: { width, height, channels: 3 } })
      .jpeg({ quality })
      .toBuffer(),
  );
}

/**
 * Writes a Philips TIFF (streaming, bounded memory). Level 0 is padded to a multiple of `tileSize × 2^(levels−1)` so
 * that every ×2 level is whole tiles, as in Philips' exports; PIM_DP_IMAGE_COLUMNS/ROWS keep the scanned size.
 *
 * @example
 * ```ts
 * const src = syntheticTissue({ width: 1900, height: 1500, seed: 1 });
 * await writePhilipsTiff('/tmp/synthetic-philips.tiff', { source: src, levels: 3, mpp: 0.25 });
 * ```
 */
export async function writePhilipsTiff(path: string, options: PhilipsOptions): Promise<PhilipsResult> {
  const { source } = options;
  const tileSize = options.tileSize ?? 256;
  const count = options.levels ?? 3;
  const quality = options.quality ?? 80;
  if (!Number.isInteger(count) || count < 1 || count > 20)
    throw new WsiError('InvalidArgument', `levels must be 1..20, got ${count}`);
  const unit = tileSize * 2 ** (count - 1);
  const pw = Math.ceil(source.width / unit) * unit;
  const ph = Math.ceil(source.height / unit) * unit;
  const mpp = options.mpp === undefined ? 0.25 : options.mpp;
  const [mx, my] = mpp === null ? [0.25, 0.25] : typeof mpp === 'number' ? [mpp, mpp] : mpp;
  const levels: PhilipsLevelInfo[] = Array.from({ length: count }, (_, i) => ({
    width: pw / 2 ** i,
    height: ph / 2 ** i,
    // DICOM order: row spacing (y), column spacing (x), in mm
    spacingMm: [(my * 2 ** i) / 1000, (mx * 2 ** i) / 1000] as const,
  }));
  const mode = options.associated ?? 'pages';
  const labelSize = { width: 400, height: 400 };
  const macroSize = { width: 1280, height: 431 };
  const overview = { width: 400, height: Math.max(1, Math.round((400 * ph) / pw)) };
  const associated: Record<string, { width: number; height: number }> = {};

  // the macro needs an overview of the slide: render it first when the XML must carry it
  const label = makeLabel(labelSize.width, labelSize.height, 7);
  const writer = await TiffWriter.create(path, { bigtiff: options.bigtiff ?? 'auto' });
  try {
    let embedded: { label?: Uint8Array; macro?: Uint8Array } | undefined;
    if (mode === 'xml') {
      const thumb = await sampleOverview(padded(source, pw, ph), overview.width, overview.height);
      embedded = {
        label: await jpeg(label, labelSize.width, labelSize.height, 90),
        macro: await jpeg(
          makeMacro(
            macroSize.width,
            macroSize.height,
            label,
            labelSize.width,
            labelSize.height,
            thumb,
            overview.width,
            overview.height,
          ),
          macroSize.width,
          macroSize.height,
          90,
        ),
      };
    }
    const spacing = mpp === null ? null : ([my / 1000, mx / 1000] as const);
    const pages: { page: TiffPage }[] = levels.map((l, i) => ({
      page: writer.addPage({
        width: l.width,
        height: l.height,
        tileWidth: tileSize,
        tileHeight: tileSize,
        compression: 'jpeg',
        quality,
        subfileType: i === 0 ? 0 : 1,
        software: 'Philips DP v1.0',
        resolution: { x: 1, y: 1, unit: 'inch' },
        description:
          i === 0
            ? philipsDescription({
                imageWidth: source.width,
                imageHeight: source.height,
                spacingMm: spacing,
                levels,
                ...(embedded ? { embedded } : {}),
                ...(options.barcode !== undefined ? { barcode: options.barcode } : {}),
              })
            : `level=${i} mag=${Math.round(40 / 2 ** i)} quality=${quality}`,
      }),
    }));
    const over = mode === 'pages' ? new MemorySink(overview.width, overview.height) : undefined;
    await streamPyramid(padded(source, pw, ph), pages, over ? [over] : []);
    if (mode === 'xml') {
      associated.label = labelSize;
      associated.macro = macroSize;
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
      for (const [name, rgb, size] of [
        ['Label', label, labelSize],
        ['Macro', macro, macroSize],
      ] as const) {
        const page = writer.addPage({
          ...size,
          compression: 'jpeg',
          quality: 90,
          rowsPerStrip: 16,
          subfileType: 1,
          software: 'Philips DP v1.0',
          description: name,
        });
        await new PageSink(page).push(rgb, 0, size.height);
        associated[name.toLowerCase()] = size;
      }
    }
    return { ...(await writer.finish()), levels, imageWidth: source.width, imageHeight: source.height, associated };
  } catch (err) {
    await writer.abort();
    throw err;
  }
}
