import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import type { AnnotationCollection } from '@wsi/core';
import { toWsiError, WsiError } from '@wsi/core';
import { formatAperioXml, parseAperioXml } from '../formats/aperio.js';
import { formatAsapXml, parseAsapXml } from '../formats/asap.js';
import { formatAnnotationCsv, parseAnnotationCsv } from '../formats/csv-points.js';
import { type AnnotationSet, formatGeoJson, normalizeGeoJson, parseGeoJson } from '../formats/geojson.js';
import { writeFileAtomic } from './atomic.js';

/**
 * Annotation file formats read and written.
 *
 * @example
 * ```ts
 * const to: AnnotationFormat = 'asap';
 * await convertAnnotations('a.geojson', { to, out: 'a.xml' });
 * ```
 */
export type AnnotationFormat = 'geojson' | 'asap' | 'aperio' | 'csv';

/**
 * The formats `convertAnnotations` can write (`--to`).
 *
 * @example
 * ```ts
 * ANNOTATION_FORMATS.includes('aperio'); // true
 * ```
 */
export const ANNOTATION_FORMATS: readonly AnnotationFormat[] = ['geojson', 'asap', 'aperio', 'csv'];

/**
 * Guesses the format from the file name and the first bytes: JSON (`{`/`[`) → geojson, `.csv` → csv,
 * XML with an `<ASAP_Annotations` root → asap, with an `<Annotations` root → aperio.
 *
 * @example
 * ```ts
 * detectAnnotationFormat('a.xml', '<ASAP_Annotations>…'); // 'asap'
 * ```
 */
export function detectAnnotationFormat(path: string, text: string): AnnotationFormat {
  const head = text.replace(/^\uFEFF/, '').trimStart();
  if (head.startsWith('{') || head.startsWith('[')) return 'geojson';
  const ext = extname(path).toLowerCase();
  if (head.startsWith('<')) {
    const body = head
      .replace(/<\?[\s\S]*?\?>/g, '')
      .replace(/<!--[\s\S]*?-->/g, '')
      .trimStart();
    if (body.startsWith('<ASAP_Annotations')) return 'asap';
    if (body.startsWith('<Annotations')) return 'aperio';
    throw new WsiError('UnsupportedFormat', `${path}: XML root is neither <ASAP_Annotations> nor <Annotations>`);
  }
  if (ext === '.csv') return 'csv';
  if (ext === '.json' || ext === '.geojson') return 'geojson';
  throw new WsiError('UnsupportedFormat', `${path}: not GeoJSON, ASAP XML, Aperio XML or CSV`);
}

/**
 * Parses annotation text of a given (or detected) format.
 *
 * @example
 * ```ts
 * const { collection } = parseAnnotations(text, { source: 'a.xml' });
 * ```
 */
export function parseAnnotations(
  text: string,
  options: { format?: AnnotationFormat; source?: string } = {},
): AnnotationSet {
  const source = options.source ?? 'annotations';
  const format = options.format ?? detectAnnotationFormat(source, text);
  switch (format) {
    case 'geojson':
      return parseGeoJson(text, source);
    case 'asap':
      return parseAsapXml(text, source);
    case 'aperio':
      return parseAperioXml(text, source);
    case 'csv':
      return parseAnnotationCsv(text, source);
    default:
      throw new WsiError('InvalidArgument', `unknown annotation format '${String(format)}'`);
  }
}

/**
 * Reads an annotation file (GeoJSON, ASAP XML, Aperio XML or CSV, detected from its content).
 *
 * @example
 * ```ts
 * const { collection, warnings } = await readAnnotations('slide.geojson');
 * ```
 */
export async function readAnnotations(
  path: string,
  options: { format?: AnnotationFormat } = {},
): Promise<AnnotationSet> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw toWsiError(err, `cannot read annotations ${path}`);
  }
  return parseAnnotations(text, { ...options, source: path });
}

/**
 * Accepts a path, a parsed collection or an already-read set.
 *
 * @example
 * ```ts
 * const { collection, warnings } = await loadAnnotations('tumor.geojson');
 * ```
 */
export async function loadAnnotations(input: string | AnnotationCollection | AnnotationSet): Promise<AnnotationSet> {
  if (typeof input === 'string') return readAnnotations(input);
  const set = input as AnnotationSet;
  if (set.collection !== undefined && Array.isArray(set.warnings)) return set;
  return normalizeGeoJson(input, 'annotations');
}

/**
 * Serialises annotations to a format, returning the text and what the format could not hold.
 *
 * @example
 * ```ts
 * const { text, warnings } = formatAnnotations(collection, 'asap');
 * ```
 */
export function formatAnnotations(
  collection: AnnotationCollection,
  to: AnnotationFormat,
): { text: string; warnings: string[] } {
  switch (to) {
    case 'geojson':
      return { text: formatGeoJson(collection), warnings: [] };
    case 'asap':
      return formatAsapXml(collection);
    case 'aperio':
      return formatAperioXml(collection);
    case 'csv':
      return formatAnnotationCsv(collection);
    default:
      throw new WsiError(
        'InvalidArgument',
        `--to must be one of ${ANNOTATION_FORMATS.join(', ')}, got '${String(to)}'`,
      );
  }
}

/**
 * Result of {@link convertAnnotations}.
 *
 * @example
 * ```ts
 * const r: ConvertResult = await convertAnnotations('a.xml', { to: 'geojson', out: 'a.geojson' });
 * console.log(r.from, r.features, r.warnings);
 * ```
 */
export interface ConvertResult {
  out: string;
  from: AnnotationFormat;
  to: AnnotationFormat;
  features: number;
  /** Repairs made while reading and everything the target format cannot hold. */
  warnings: string[];
}

/**
 * Converts an annotation file to another format (`wsi annotate convert IN --to F --out FILE`), writing
 * atomically. Warnings list repairs and everything the target cannot hold.
 *
 * @example
 * ```ts
 * const r = await convertAnnotations('a.geojson', { to: 'asap', out: 'a.xml' });
 * r.warnings.forEach((w) => console.warn(w));
 * ```
 */
export async function convertAnnotations(
  inPath: string,
  options: { to: AnnotationFormat; out: string },
): Promise<ConvertResult> {
  if (!ANNOTATION_FORMATS.includes(options.to)) {
    throw new WsiError(
      'InvalidArgument',
      `--to must be one of ${ANNOTATION_FORMATS.join(', ')}, got '${String(options.to)}'`,
    );
  }
  const text = await readFile(inPath, 'utf8').catch((err: unknown) => {
    throw toWsiError(err, `cannot read annotations ${inPath}`);
  });
  const from = detectAnnotationFormat(inPath, text);
  const read = parseAnnotations(text, { format: from, source: inPath });
  const written = formatAnnotations(read.collection, options.to);
  await writeFileAtomic(options.out, written.text);
  return {
    out: options.out,
    from,
    to: options.to,
    features: read.collection.features.length,
    warnings: [...read.warnings, ...written.warnings],
  };
}
