/**
 * Shared helpers for TIFF-family format modules: one parse per source however many modules probe it, and
 * OpenSlide's property parsing rules.
 */
import type { ByteSource, FormatProbe } from '@wsi/core';
import { isTiffHeader, parseTiff, type TiffFile } from '../tiff/parser.js';
import { formatDouble } from '../tiff/properties.js';

const parsed = new WeakMap<ByteSource, Promise<TiffFile>>();

/** The parsed TIFF structure of a probe's source, parsed once and shared by all modules. */
export function tiffOf(probe: FormatProbe): Promise<TiffFile> {
  let p = parsed.get(probe.source);
  if (!p) {
    p = parseTiff(probe.source);
    parsed.set(probe.source, p);
  }
  return p;
}

/**
 * The parsed TIFF when the probe is a TIFF, else undefined. A TIFF header with a broken structure rejects with
 * `CorruptFile` (so the user learns the file is damaged rather than "unsupported").
 */
export async function probeTiff(probe: FormatProbe): Promise<TiffFile | undefined> {
  if (!isTiffHeader(probe.head)) return undefined;
  return tiffOf(probe);
}

/**
 * OpenSlide's `_openslide_duplicate_int_prop`: the whole string must be a base-10 integer.
 *
 * @example
 * ```ts
 * parseIntProp('20'); // 20
 * parseIntProp('20x'); // undefined
 * ```
 */
export function parseIntProp(v: string | undefined): number | undefined {
  if (v === undefined || !/^\s*[+-]?\d+$/.test(v)) return undefined;
  return Number.parseInt(v, 10);
}

/**
 * OpenSlide's `_openslide_parse_double`: the whole string must be a number (C locale); the value re-formatted with
 * {@link formatDouble}.
 *
 * @example
 * ```ts
 * parseDoubleProp('0.4990'); // 0.499
 * ```
 */
export function parseDoubleProp(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const t = v.trim();
  if (t === '' || !/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(t)) return undefined;
  const n = Number(t);
  return Number.isFinite(n) ? n : undefined;
}

export { formatDouble };
