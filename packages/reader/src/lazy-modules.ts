/**
 * Dependencies only some slides need, loaded on first use instead of with the reader: sharp (≈ 120 ms to load,
 * for plain images, MIRAX PNG/BMP tiles and resizing), fast-xml-parser (≈ 40 ms, OME/Philips XML), dicom-parser and
 * fzstd. Loading them all at import made `import '@wsi/reader'` take ≈ 330 ms and left a major GC to land in the
 * first `openSlide`; an NDPI or SVS user pays for none of them.
 */
import { createRequire } from 'node:module';
import { WsiError } from '@wsi/core';
import type * as DicomParser from 'dicom-parser';
import type * as FastXmlParser from 'fast-xml-parser';
import type * as Fzstd from 'fzstd';
import type SharpFn from 'sharp';

const require = createRequire(import.meta.url);
const cache = new Map<string, unknown>();

/**
 * Loads dependency `id` once, on first call; a module that cannot load here (a native build missing for this
 * platform, a broken install) is `UnsupportedFormat` naming what needs it — the rest of the reader keeps working.
 *
 * @example
 * ```ts
 * const zlib = optionalModule<typeof import('node:zlib')>('node:zlib', 'deflate tiles');
 * ```
 */
export function optionalModule<T>(id: string, neededFor: string): T {
  let m = cache.get(id);
  if (m === undefined) {
    try {
      m = require(id);
    } catch (err) {
      throw new WsiError(
        'UnsupportedFormat',
        `${id} cannot be loaded (needed for ${neededFor}): ${(err as Error).message}`,
        {
          cause: err,
          details: { module: id },
        },
      );
    }
    cache.set(id, m);
  }
  return m as T;
}

/**
 * sharp (libvips), loaded on first call.
 *
 * @example
 * ```ts
 * const { data, info } = await sharp()(pngBytes).raw().toBuffer({ resolveWithObject: true });
 * ```
 */
export const sharp = (): typeof SharpFn =>
  optionalModule<typeof SharpFn>('sharp', 'plain images, MIRAX PNG tiles and resizing');

/**
 * fast-xml-parser's `XMLParser`, loaded on first call.
 *
 * @example
 * ```ts
 * const doc = new (xmlParser())({ ignoreAttributes: false }).parse(xml);
 * ```
 */
export const xmlParser = (): typeof FastXmlParser.XMLParser =>
  optionalModule<typeof FastXmlParser>('fast-xml-parser', 'OME-XML and Philips XML').XMLParser;

/**
 * dicom-parser, loaded on first call.
 *
 * @example
 * ```ts
 * const dataSet = dicomParser().parseDicom(bytes);
 * ```
 */
export const dicomParser = (): typeof DicomParser => optionalModule<typeof DicomParser>('dicom-parser', 'DICOM files');

/**
 * fzstd's `decompress`, loaded on first call.
 *
 * @example
 * ```ts
 * const raw = zstdDecompress()(compressed, new Uint8Array(expected));
 * ```
 */
export const zstdDecompress = (): typeof Fzstd.decompress =>
  optionalModule<typeof Fzstd>('fzstd', 'ZSTD tiles').decompress;
