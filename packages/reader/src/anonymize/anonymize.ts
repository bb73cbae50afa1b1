/**
 * `anonymizeSlide`: a de-identified copy of a TIFF-family slide — pyramid levels (and the thumbnail) kept byte for
 * byte, label and macro directories removed, identifying description fields and TIFF tags scrubbed — written
 * atomically and verified by reopening it.
 */
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { throwIfAborted, WsiError } from '@wsi/core';
import { tiffOf } from '../formats/probe.js';
import { openSlide } from '../open.js';
import { TiffSlide } from '../slide/tiff-slide.js';
import { TAG } from '../tiff/tags.js';
import { DROPPED_TAGS, scrubDescription } from './scrub.js';
import { type CopyPage, copyTiffPages } from './tiff-copy.js';

/**
 * Options of {@link anonymizeSlide}.
 *
 * @example
 * ```ts
 * const o: AnonymizeOptions = { keepThumbnail: false, overwrite: true };
 * ```
 */
export interface AnonymizeOptions {
  /** Keep the `thumbnail` associated image (default true: it shows tissue only). */
  keepThumbnail?: boolean;
  /** Overwrite `out` when it exists (default false). */
  overwrite?: boolean;
  signal?: AbortSignal;
}

/**
 * What {@link anonymizeSlide} did.
 *
 * @example
 * ```ts
 * const { removedImages, removedFields, bytes } = await anonymizeSlide('a.svs', 'b.svs');
 * ```
 */
export interface AnonymizeReport {
  input: string;
  output: string;
  format: string;
  bytes: number;
  /** Associated images removed (label, macro…). */
  removedImages: string[];
  /** Description fields removed (Filename, Date… / Philips attribute names). */
  removedFields: string[];
  /** TIFF tags removed (numbers). */
  removedTags: number[];
  levels: number;
  associatedImages: string[];
}

/**
 * Writes a de-identified copy of `input` to `out` (atomically: temp file + rename) and verifies it by reopening it:
 * same levels, no label/macro, no scrubbed field left. Non-TIFF formats → `UnsupportedFormat`; `out` existing
 * without `overwrite`, or equal to `input` → `InvalidArgument`.
 *
 * @example
 * ```ts
 * const report = await anonymizeSlide('case-17.svs', 'anon/slide-0001.svs');
 * console.log(report.removedImages, report.removedFields); // ['label', 'macro'] ['Filename', 'Date', …]
 * ```
 */
export async function anonymizeSlide(
  input: string,
  out: string,
  options: AnonymizeOptions = {},
): Promise<AnonymizeReport> {
  if (resolve(input) === resolve(out))
    throw new WsiError('InvalidArgument', 'the anonymized copy must go to a different file than the input');
  if (
    !options.overwrite &&
    (await stat(out).then(
      () => true,
      () => false,
    ))
  ) {
    throw new WsiError(
      'InvalidArgument',
      `${out} exists (pass overwrite: true, or --overwrite on the command line, to replace it)`,
    );
  }
  const slide = await openSlide(input);
  const removedFields = new Set<string>();
  const removedTags = new Set<number>();
  const removedImages: string[] = [];
  let bytes: number;
  try {
    if (!(slide instanceof TiffSlide) || slide.levels.some((_, i) => !slide.levelImage(i))) {
      throw new WsiError('UnsupportedFormat', `${input}: anonymization supports TIFF-family slides only`);
    }
    const tiff = await tiffOf({ head: new Uint8Array(0), source: slide.source });
    const keep = new Set<number>();
    for (let i = 0; i < slide.levels.length; i++) keep.add(slide.levelImage(i).ifd.offset);
    for (const name of slide.associatedImages) {
      const img = slide.associatedImage(name);
      if (name === 'thumbnail' && options.keepThumbnail !== false && img) keep.add(img.ifd.offset);
      else removedImages.push(name);
    }
    if (tiff.ifds.some((ifd) => ifd.subIfds.length > 0)) {
      throw new WsiError('UnsupportedFormat', `${input}: slides with SubIFD pyramids cannot be anonymized yet`);
    }
    const pages: CopyPage[] = [];
    for (const ifd of tiff.ifds) {
      if (!keep.has(ifd.offset)) continue;
      for (const t of DROPPED_TAGS) if (ifd.has(t)) removedTags.add(t);
      const desc = ifd.string(TAG.ImageDescription);
      if (desc === undefined) pages.push({ ifd });
      else {
        const { text, removed } = scrubDescription(desc);
        for (const r of removed) removedFields.add(r);
        pages.push(text === desc ? { ifd } : { ifd, description: text });
      }
    }
    throwIfAborted(options.signal);
    bytes = await copyTiffPages(tiff, pages, out, DROPPED_TAGS, options.signal);
  } finally {
    await slide.close();
  }
  const report: AnonymizeReport = {
    input,
    output: out,
    format: String(slide.format),
    bytes,
    removedImages,
    removedFields: [...removedFields],
    removedTags: [...removedTags].sort((a, b) => a - b),
    levels: slide.levels.length,
    associatedImages: [],
  };
  await verify(slide, out, report);
  return report;
}

/** Reopens the copy: same levels, no removed image, no scrubbed field left in the properties. */
async function verify(original: TiffSlide, out: string, report: AnonymizeReport): Promise<void> {
  const copy = await openSlide(out);
  try {
    const same =
      copy.levels.length === original.levels.length &&
      copy.levels.every((l, i) => l.width === original.levels[i]!.width && l.height === original.levels[i]!.height);
    const leftImages = report.removedImages.filter((n) => copy.associatedImages.includes(n));
    const keys = Object.keys(copy.properties);
    const leftFields = report.removedFields.filter((f) =>
      keys.some((k) => k.toLowerCase().endsWith(`.${f.toLowerCase()}`)),
    );
    if (!same || leftImages.length > 0 || leftFields.length > 0) {
      throw new WsiError(
        'CorruptFile',
        `${out}: verification failed (levels ${same ? 'ok' : 'differ'}, images left ${leftImages.join(',') || 'none'}, fields left ${leftFields.join(',') || 'none'})`,
      );
    }
    // one tile of the smallest level decodes
    await copy.readRegion({ x: 0, y: 0, level: copy.levels.length - 1, width: 1, height: 1 });
    report.associatedImages = [...copy.associatedImages];
  } finally {
    await copy.close();
  }
}
