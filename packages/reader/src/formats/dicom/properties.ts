/**
 * DICOM properties as OpenSlide 4 names them: every known attribute of level 0's File Meta and data set as
 * `dicom.<Keyword>`, multi-valued ones as `dicom.<Keyword>[i]`, sequence items as `dicom.<Sequence>[i].<Keyword>`;
 * mpp from Pixel Spacing (shared functional groups, mm → µm), else ImagedVolume ÷ TotalPixelMatrix; objective
 * power from the first optical path.
 */
import { PROPERTY } from '@wsi/core';
import { formatDouble } from '../../tiff/properties.js';
import { DICOM_DICTIONARY, TAG } from './dictionary.js';
import { type DicomJson, dicomBinary, dicomNumber, dicomSequence } from './json.js';

/** Sequences not listed as properties: one item per frame would make the list as long as the slide is big. */
const SKIPPED = new Set([
  TAG.PerFrameFunctionalGroupsSequence,
  TAG.ExtendedOffsetTable,
  TAG.ExtendedOffsetTableLengths,
  TAG.ICCProfile,
]);

function valueText(v: unknown, vr: string): string | undefined {
  if (v === null || v === undefined) return undefined;
  if (typeof v === 'number') return vr === 'DS' || vr === 'FL' || vr === 'FD' ? formatDouble(v) : String(v);
  if (typeof v === 'object') {
    const a = (v as { Alphabetic?: unknown }).Alphabetic;
    return typeof a === 'string' ? a : undefined;
  }
  return String(v);
}

/**
 * Adds `dicom.*` properties for a data set under `prefix`.
 *
 * @example
 * ```ts
 * const props: Record<string, string> = {};
 * addDicomProperties(props, 'dicom', level0.meta); // props['dicom.Modality'] === 'SM'
 * ```
 */
export function addDicomProperties(out: Record<string, string>, prefix: string, ds: DicomJson): void {
  const tags = Object.keys(ds).sort();
  for (const tag of tags) {
    const entry = DICOM_DICTIONARY.get(tag);
    const attr = ds[tag];
    if (!entry || !attr || SKIPPED.has(tag)) continue;
    const key = `${prefix}.${entry.keyword}`;
    if (attr.vr === 'SQ') {
      for (const [i, item] of dicomSequence(ds, tag).entries()) addDicomProperties(out, `${key}[${i}]`, item);
      continue;
    }
    const values = attr.Value ?? [];
    if (values.length === 1) {
      const s = valueText(values[0], attr.vr);
      if (s !== undefined) out[key] = s;
    } else {
      values.forEach((v, i) => {
        const s = valueText(v, attr.vr);
        if (s !== undefined) out[`${key}[${i}]`] = s;
      });
    }
  }
}

/**
 * Pixel size in µm: Pixel Spacing of the shared functional groups (row spacing, column spacing in mm), else the
 * imaged volume (mm) over the total pixel matrix.
 *
 * @example
 * ```ts
 * dicomMpp(level0.meta); // { x: 0.499, y: 0.499 }
 * ```
 */
export function dicomMpp(ds: DicomJson): { x: number; y: number } | undefined {
  const shared = dicomSequence(ds, TAG.SharedFunctionalGroupsSequence)[0];
  const measures = dicomSequence(shared, TAG.PixelMeasuresSequence)[0];
  const rowSpacing = dicomNumber(measures, TAG.PixelSpacing, 0);
  const colSpacing = dicomNumber(measures, TAG.PixelSpacing, 1);
  if (rowSpacing && colSpacing && rowSpacing > 0 && colSpacing > 0)
    return { x: colSpacing * 1000, y: rowSpacing * 1000 };
  const vw = dicomNumber(ds, TAG.ImagedVolumeWidth);
  const vh = dicomNumber(ds, TAG.ImagedVolumeHeight);
  const cols = dicomNumber(ds, TAG.TotalPixelMatrixColumns);
  const rows = dicomNumber(ds, TAG.TotalPixelMatrixRows);
  if (vw && vh && cols && rows && vw > 0 && vh > 0) return { x: (vw / cols) * 1000, y: (vh / rows) * 1000 };
  return undefined;
}

/**
 * Every property of a DICOM slide from its level-0 instance: the `dicom.*` dump, mpp, objective power and the
 * optical paths (brightfield first; the first is the one read).
 *
 * @example
 * ```ts
 * const props = dicomSlideProperties(inst.fileMeta, inst.meta, ['1']);
 * ```
 */
export function dicomSlideProperties(
  fileMeta: DicomJson,
  meta: DicomJson,
  paths: readonly string[],
): {
  properties: Record<string, string>;
  mpp?: { x: number; y: number };
  objectivePower?: number;
} {
  const properties: Record<string, string> = {};
  addDicomProperties(properties, 'dicom', fileMeta);
  addDicomProperties(properties, 'dicom', meta);
  const mpp = dicomMpp(meta);
  if (mpp) {
    properties[PROPERTY.mppX] = formatDouble(mpp.x);
    properties[PROPERTY.mppY] = formatDouble(mpp.y);
  }
  const icc = dicomBinary(dicomSequence(meta, TAG.OpticalPathSequence)[0], TAG.ICCProfile);
  if (icc) properties[PROPERTY.iccSize] = String(icc.length);
  const power = dicomNumber(dicomSequence(meta, TAG.OpticalPathSequence)[0], TAG.ObjectiveLensPower);
  if (power !== undefined && power > 0) properties[PROPERTY.objectivePower] = formatDouble(power);
  if (paths.length > 0) {
    properties['dicom.optical-paths'] = paths.join(',');
    properties['dicom.optical-path'] = paths[0] as string;
  }
  return {
    properties,
    ...(mpp ? { mpp } : {}),
    ...(power !== undefined && power > 0 ? { objectivePower: power } : {}),
  };
}
