/**
 * Dependencies only some slides need, loaded on first use instead of with the reader: sharp (≈ 120 ms to load,
 * for plain images, MIRAX PNG/BMP tiles and resizing), fast-xml-parser (≈ 40 ms, OME/Philips XML), dicom-parser and
 * fzstd. Loading them all at import made `import '@wsi/reader'` take ≈ 330 ms and left a major GC to land in the
 * first `openSlide`; an NDPI or SVS user pays for none of them.
 */
import { createRequire } from 'node:module';
import type * as DicomParser from 'dicom-parser';
import type * as FastXmlParser from 'fast-xml-parser';
import type * as Fzstd from 'fzstd';
import type SharpFn from 'sharp';

const require = createRequire(import.meta.url);
const cache = new Map<string, unknown>();
const load = <T>(id: string): T => {
  let m = cache.get(id);
  if (m === undefined) {
    m = require(id);
    cache.set(id, m);
  }
  return m as T;
};

/**
 * sharp (libvips), loaded on first call.
 *
 * @example
 * ```ts
 * const { data, info } = await sharp()(pngBytes).raw().toBuffer({ resolveWithObject: true });
 * ```
 */
export const sharp = (): typeof SharpFn => load<typeof SharpFn>('sharp');

/**
 * fast-xml-parser's `XMLParser`, loaded on first call.
 *
 * @example
 * ```ts
 * const doc = new (xmlParser())({ ignoreAttributes: false }).parse(xml);
 * ```
 */
export const xmlParser = (): typeof FastXmlParser.XMLParser => load<typeof FastXmlParser>('fast-xml-parser').XMLParser;

/**
 * dicom-parser, loaded on first call.
 *
 * @example
 * ```ts
 * const dataSet = dicomParser().parseDicom(bytes);
 * ```
 */
export const dicomParser = (): typeof DicomParser => load<typeof DicomParser>('dicom-parser');

/**
 * fzstd's `decompress`, loaded on first call.
 *
 * @example
 * ```ts
 * const raw = zstdDecompress()(compressed, new Uint8Array(expected));
 * ```
 */
export const zstdDecompress = (): typeof Fzstd.decompress => load<typeof Fzstd>('fzstd').decompress;
