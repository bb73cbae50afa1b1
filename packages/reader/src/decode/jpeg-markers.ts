/**
 * JPEG stream surgery for TIFF tiles: merging JPEGTables into abbreviated tile streams and pinning the colour
 * space with an Adobe APP14 marker, so that any standards-following decoder decodes the right colours.
 */
import { WsiError } from '@wsi/core';

/**
 * What the markers before the first scan say about a JPEG stream.
 *
 * @example
 * ```ts
 * const { width, height, jfif, adobeTransform } = readJpegHeader(tile, jpegTables);
 * ```
 */
export interface JpegHeader {
  width: number;
  height: number;
  components: number;
  /** Sample precision (8 or 12). */
  precision: number;
  /** SOF marker (0xc0 baseline, 0xc1 extended, 0xc2 progressive, 0xc3 lossless…). */
  sof: number;
  /** The Adobe APP14 transform flag (0 none/RGB or CMYK, 1 YCbCr, 2 YCCK), when such a marker is present. */
  adobeTransform?: number;
  /** True when a JFIF APP0 marker is present. */
  jfif: boolean;
}

const corrupt = (msg: string): WsiError => new WsiError('CorruptFile', `JPEG tile: ${msg}`);

/**
 * Reads the markers up to the first SOS (never the entropy-coded data) of a tile stream and, when given, of its
 * JPEGTables, and returns the frame header. Throws `CorruptFile` when a stream does not start with SOI, a marker
 * runs past the end, or there is no frame header.
 *
 * @example
 * ```ts
 * const h = readJpegHeader(tileBytes, jpegTables);
 * if (h.width !== 256) throw new Error('unexpected tile size');
 * ```
 */
export function readJpegHeader(tile: Uint8Array, tables?: Uint8Array): JpegHeader {
  const acc: Scan = { jfif: false };
  if (tables && tables.length > 4) scanMarkers(tables, acc);
  scanMarkers(tile, acc);
  const frame = acc.frame;
  if (!frame) throw corrupt('no frame header (SOF) before the scan');
  if (frame.width === 0 || frame.height === 0 || frame.components === 0) throw corrupt('empty frame header');
  return {
    ...frame,
    jfif: acc.jfif,
    ...(acc.adobeTransform === undefined ? {} : { adobeTransform: acc.adobeTransform }),
  };
}

interface Scan {
  jfif: boolean;
  adobeTransform?: number;
  frame?: Omit<JpegHeader, 'jfif' | 'adobeTransform'>;
}

function scanMarkers(bytes: Uint8Array, acc: Scan): void {
  if (bytes.length < 4 || bytes[0] !== 0xff || bytes[1] !== 0xd8) throw corrupt('missing SOI marker');
  let p = 2;
  while (p + 4 <= bytes.length) {
    if (bytes[p] !== 0xff) throw corrupt(`expected a marker at byte ${p}`);
    const m = bytes[p + 1] as number;
    if (m === 0xff) {
      p++; // fill byte
      continue;
    }
    if (m === 0xd8 || (m >= 0xd0 && m <= 0xd7) || m === 0x01) {
      p += 2;
      continue;
    }
    if (m === 0xd9) break;
    const len = ((bytes[p + 2] as number) << 8) | (bytes[p + 3] as number);
    if (len < 2 || p + 2 + len > bytes.length) throw corrupt(`marker 0xff${m.toString(16)} runs past the end`);
    const s = p + 4;
    if (m === 0xda) break;
    if (m === 0xe0 && len >= 7 && ascii(bytes, s, 5) === 'JFIF\0') acc.jfif = true;
    if (m === 0xee && len >= 14 && ascii(bytes, s, 5) === 'Adobe') acc.adobeTransform = bytes[s + 11] as number;
    if (m >= 0xc0 && m <= 0xcf && m !== 0xc4 && m !== 0xc8 && m !== 0xcc) {
      if (len < 8) throw corrupt('short frame header');
      acc.frame = {
        sof: m,
        precision: bytes[s] as number,
        height: ((bytes[s + 1] as number) << 8) | (bytes[s + 2] as number),
        width: ((bytes[s + 3] as number) << 8) | (bytes[s + 4] as number),
        components: bytes[s + 5] as number,
      };
    }
    p += 2 + len;
  }
}

function ascii(b: Uint8Array, at: number, n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += String.fromCharCode(b[at + i] ?? 0);
  return s;
}

/**
 * Builds a complete JPEG stream from a TIFF tile: the JPEGTables' markers (when given) go after the tile's SOI, and
 * an Adobe APP14 marker is inserted when `adobeTransform` is given. Returns the input itself when nothing changes.
 *
 * @example
 * ```ts
 * const full = completeJpegStream(tileBytes, jpegTables, 0); // RGB: no YCbCr conversion
 * ```
 */
export function completeJpegStream(
  tile: Uint8Array,
  tables: Uint8Array | undefined,
  adobeTransform?: number,
): Uint8Array {
  if (tile.length < 2 || tile[0] !== 0xff || tile[1] !== 0xd8) throw corrupt('missing SOI marker');
  let tableBody: Uint8Array | undefined;
  if (tables && tables.length > 4) {
    if (tables[0] !== 0xff || tables[1] !== 0xd8) throw corrupt('JPEGTables do not start with SOI');
    const end =
      tables[tables.length - 2] === 0xff && tables[tables.length - 1] === 0xd9 ? tables.length - 2 : tables.length;
    tableBody = tables.subarray(2, end);
  }
  const app14 = adobeTransform === undefined ? undefined : adobeMarker(adobeTransform);
  if (!tableBody && !app14) return tile;
  const out = new Uint8Array(tile.length + (tableBody?.length ?? 0) + (app14?.length ?? 0));
  out[0] = 0xff;
  out[1] = 0xd8;
  let o = 2;
  if (app14) {
    out.set(app14, o);
    o += app14.length;
  }
  if (tableBody) {
    out.set(tableBody, o);
    o += tableBody.length;
  }
  out.set(tile.subarray(2), o);
  return out;
}

/**
 * An Adobe APP14 marker segment with the given colour transform (0: none — RGB stays RGB; 1: YCbCr).
 *
 * @example
 * ```ts
 * adobeMarker(0).length; // 16
 * ```
 */
export function adobeMarker(transform: number): Uint8Array {
  // FF EE, length 14, "Adobe", version 100, flags0 0, flags1 0, transform
  return Uint8Array.of(0xff, 0xee, 0, 14, 0x41, 0x64, 0x6f, 0x62, 0x65, 0, 100, 0, 0, 0, 0, transform);
}

/**
 * The colour rule for 3-component TIFF JPEG tiles: an Adobe APP14 transform flag decides first (nothing to add);
 * else a JFIF APP0 marker means YCbCr (nothing to add); else the Photometric tag decides — RGB (2) pins "no
 * transform", YCbCr (6) pins "YCbCr". Returns the APP14 transform to insert, or undefined to leave the stream as is.
 *
 * @example
 * ```ts
 * jpegTransformToInsert({ jfif: false, components: 3 }, 2); // 0: Aperio tiles are RGB
 * ```
 */
export function jpegTransformToInsert(
  header: Pick<JpegHeader, 'jfif' | 'adobeTransform' | 'components'>,
  photometric: number,
): number | undefined {
  if (header.components !== 3) return undefined;
  if (header.adobeTransform !== undefined || header.jfif) return undefined;
  if (photometric === 2) return 0;
  if (photometric === 6) return 1;
  return undefined;
}
