/**
 * DICOM attributes in the DICOM JSON model (PS3.18 F.2) — the form DICOMweb serves `/metadata` in — with typed
 * accessors, and conversion of a `dicom-parser` data set into it so files and DICOMweb share one code path.
 */
import type { DataSet, Element } from 'dicom-parser';
import { DICOM_DICTIONARY } from './dictionary.js';

/**
 * One attribute in the DICOM JSON model.
 *
 * @example
 * ```ts
 * const a: DicomJsonAttribute = { vr: 'CS', Value: ['TILED_FULL'] };
 * ```
 */
export interface DicomJsonAttribute {
  vr: string;
  Value?: unknown[];
  InlineBinary?: string;
  BulkDataURI?: string;
}

/**
 * A data set in the DICOM JSON model: tag (`GGGGEEEE`) → attribute.
 *
 * @example
 * ```ts
 * const ds: DicomJson = { '00280010': { vr: 'US', Value: [500] } };
 * dicomNumber(ds, '00280010'); // 500
 * ```
 */
export type DicomJson = Record<string, DicomJsonAttribute>;

/**
 * The `index`-th value of an attribute as a string (person names: their alphabetic form), or undefined.
 *
 * @example
 * ```ts
 * dicomString(ds, TAG.SeriesInstanceUID);
 * ```
 */
export function dicomString(ds: DicomJson | undefined, tag: string, index = 0): string | undefined {
  const v = ds?.[tag]?.Value?.[index];
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'object') {
    const a = (v as { Alphabetic?: unknown }).Alphabetic;
    return typeof a === 'string' ? a : undefined;
  }
  return String(v);
}

/**
 * Every value of an attribute as strings (empty when absent).
 *
 * @example
 * ```ts
 * dicomStrings(ds, TAG.ImageType); // ['DERIVED', 'PRIMARY', 'VOLUME', 'NONE']
 * ```
 */
export function dicomStrings(ds: DicomJson | undefined, tag: string): string[] {
  const n = ds?.[tag]?.Value?.length ?? 0;
  const out: string[] = [];
  for (let i = 0; i < n; i++) out.push(dicomString(ds, tag, i) ?? '');
  return out;
}

/**
 * The `index`-th value of an attribute as a finite number, or undefined (absent, empty or not numeric).
 *
 * @example
 * ```ts
 * dicomNumber(ds, TAG.TotalPixelMatrixColumns); // 2220
 * ```
 */
export function dicomNumber(ds: DicomJson | undefined, tag: string, index = 0): number | undefined {
  const v = ds?.[tag]?.Value?.[index];
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : Number.NaN;
  return Number.isFinite(n) ? n : undefined;
}

/**
 * The items of a sequence attribute (empty when absent).
 *
 * @example
 * ```ts
 * const shared = dicomSequence(ds, TAG.SharedFunctionalGroupsSequence)[0];
 * ```
 */
export function dicomSequence(ds: DicomJson | undefined, tag: string): DicomJson[] {
  const v = ds?.[tag]?.Value;
  if (!Array.isArray(v)) return [];
  return v.filter((x): x is DicomJson => typeof x === 'object' && x !== null);
}

const STRING_VRS = new Set(['AE', 'AS', 'CS', 'DA', 'DT', 'LO', 'LT', 'SH', 'ST', 'TM', 'UC', 'UI', 'UR', 'UT']);
const NUMBER_STRING_VRS = new Set(['DS', 'IS']);
const BINARY_NUMBERS: Record<string, [number, (v: DataView, o: number) => number | bigint]> = {
  US: [2, (v, o) => v.getUint16(o, true)],
  SS: [2, (v, o) => v.getInt16(o, true)],
  UL: [4, (v, o) => v.getUint32(o, true)],
  SL: [4, (v, o) => v.getInt32(o, true)],
  FL: [4, (v, o) => v.getFloat32(o, true)],
  FD: [8, (v, o) => v.getFloat64(o, true)],
  UV: [8, (v, o) => v.getBigUint64(o, true)],
  SV: [8, (v, o) => v.getBigInt64(o, true)],
  OV: [8, (v, o) => v.getBigUint64(o, true)],
};
/** Binary attributes whose values we keep (the offset tables a frame index needs, the ICC profile). */
const KEEP_BINARY = new Set(['7FE00001', '7FE00002', '00282000']);

/**
 * The bytes of a binary attribute given inline (InlineBinary, base64), or undefined.
 *
 * @example
 * ```ts
 * dicomBinary(opticalPath, TAG.ICCProfile)?.length; // ICC profile size
 * ```
 */
export function dicomBinary(ds: DicomJson | undefined, tag: string): Uint8Array | undefined {
  const b64 = ds?.[tag]?.InlineBinary;
  return typeof b64 === 'string' ? new Uint8Array(Buffer.from(b64, 'base64')) : undefined;
}

/**
 * Converts a little-endian `dicom-parser` data set into the DICOM JSON model. Only attributes in
 * {@link DICOM_DICTIONARY} are kept (plus nothing private); binary values are dropped except the Extended Offset
 * Table. Sequences recurse.
 *
 * @example
 * ```ts
 * const json = dataSetToJson(dicomParser.parseDicom(bytes, { untilTag: 'x7fe00010' }));
 * ```
 */
export function dataSetToJson(ds: DataSet): DicomJson {
  const out: DicomJson = {};
  const bytes = ds.byteArray;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (const el of Object.values(ds.elements)) {
    const tag = el.tag.slice(1).toUpperCase();
    const entry = DICOM_DICTIONARY.get(tag);
    if (!entry || tag === '7FE00010') continue;
    const vr = el.vr ?? entry.vr;
    const attr = convertElement(ds, el, vr, view, KEEP_BINARY.has(tag));
    if (attr) out[tag] = attr;
  }
  return out;
}

function convertElement(
  ds: DataSet,
  el: Element,
  vr: string,
  view: DataView,
  keepBinary: boolean,
): DicomJsonAttribute | undefined {
  if (vr === 'SQ' || el.items) {
    return { vr: 'SQ', Value: (el.items ?? []).map((item) => (item.dataSet ? dataSetToJson(item.dataSet) : {})) };
  }
  if (el.length === 0) return { vr };
  if (el.dataOffset + el.length > ds.byteArray.length) return undefined;
  if (STRING_VRS.has(vr) || NUMBER_STRING_VRS.has(vr) || vr === 'PN') {
    const text = new TextDecoder('latin1').decode(ds.byteArray.subarray(el.dataOffset, el.dataOffset + el.length));
    const parts = text
      .replace(/\0+$/, '')
      .split('\\')
      .map((s) => (vr === 'LT' || vr === 'ST' || vr === 'UT' ? s.trimEnd() : s.trim()));
    if (NUMBER_STRING_VRS.has(vr)) return { vr, Value: parts.map((s) => (s === '' ? null : Number(s))) };
    if (vr === 'PN') return { vr, Value: parts.map((s) => ({ Alphabetic: s })) };
    return { vr, Value: parts };
  }
  if (vr === 'AT') {
    const values: string[] = [];
    for (let o = 0; o + 4 <= el.length; o += 4) {
      const g = view.getUint16(el.dataOffset + o, true);
      const e = view.getUint16(el.dataOffset + o + 2, true);
      values.push(((g << 16) | e).toString(16).padStart(8, '0').toUpperCase());
    }
    return { vr, Value: values };
  }
  if (keepBinary && (vr === 'OB' || vr === 'UN')) {
    return {
      vr: 'OB',
      InlineBinary: Buffer.from(ds.byteArray.subarray(el.dataOffset, el.dataOffset + el.length)).toString('base64'),
    };
  }
  const numeric = BINARY_NUMBERS[vr];
  if (numeric && (vr !== 'OV' || keepBinary)) {
    const [size, get] = numeric;
    const values: number[] = [];
    for (let o = 0; o + size <= el.length; o += size) values.push(Number(get(view, el.dataOffset + o)));
    return { vr, Value: values };
  }
  return undefined;
}
