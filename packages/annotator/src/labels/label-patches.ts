import type { AnnotationCollection, PatchCoords } from '@wsi/core';
import { csvField, WsiError } from '@wsi/core';
import type { AnnotationSet } from '../formats/geojson.js';
import { loadAnnotations } from '../io/annotations.js';
import { writeFileAtomic } from '../io/atomic.js';
import { computePatchLabels, type LabelRule, type PatchLabels } from './label.js';
import { readCoordsH5, writeLabelsH5 } from './labels-h5.js';

/**
 * Formats patch labels as CSV: `x,y,label,label_name,frac_<class>…` (one row per patch, fractions to 6
 * decimals).
 *
 * @example
 * ```ts
 * await writeFileAtomic('labels.csv', formatLabelsCsv(coords, result));
 * ```
 */
export function formatLabelsCsv(coords: Int32Array, r: PatchLabels): string {
  const C = r.classes.length;
  const parts: string[] = [['x', 'y', 'label', 'label_name', ...r.classes.map((c) => csvField(`frac_${c}`))].join(',')];
  const names = r.labelNames.map((n) => csvField(n));
  for (let p = 0; p < r.labels.length; p++) {
    let line = `${coords[2 * p]},${coords[2 * p + 1]},${r.labels[p]},${names[r.labels[p] as number]}`;
    for (let c = 0; c < C; c++) line += `,${Number((r.fractions[p * C + c] as number).toFixed(6))}`;
    parts.push(line);
  }
  return `${parts.join('\n')}\n`;
}

/**
 * Options of {@link labelPatches} (`wsi annotate label-patches`).
 *
 * @example
 * ```ts
 * const o: LabelPatchesOptions = { rule: 'threshold:0.5', classes: ['Tumor', 'Stroma'], out: 'labels.csv' };
 * ```
 */
export interface LabelPatchesOptions {
  /** `majority` (default), `any` or `threshold:X`. */
  rule?: string | LabelRule;
  /** Fixed class order; default: order of first appearance in the annotations. */
  classes?: string[];
  /** Write labels here (atomically): `.csv` (see {@link formatLabelsCsv}) or `.h5` (see `writeLabelsH5`). */
  out?: string;
  /** Patch side in level-0 pixels; default `coords.meta.patchSizeLevel0`. */
  patchSize?: number;
}

/**
 * Result of {@link labelPatches}.
 *
 * @example
 * ```ts
 * const r: LabelPatchesResult = await labelPatches('a.geojson', 'patches/slide.h5', { rule: 'any' });
 * console.log(r.labelNames, r.counts);
 * ```
 */
export interface LabelPatchesResult extends PatchLabels {
  coords: Int32Array;
  /** Patches per label value. */
  counts: number[];
  warnings: string[];
  out?: string;
}

/**
 * Labels a patch grid from annotations and optionally writes a CSV or h5 (see {@link computePatchLabels}).
 * `coords` is a patch grid or the path of a coords h5 file (the patcher's, CLAM's or Trident's).
 *
 * @example
 * ```ts
 * const r = await labelPatches('tumor.geojson', coords, { rule: 'threshold:0.5', out: 'labels.csv' });
 * console.log(r.labelNames, r.counts);
 * ```
 */
export async function labelPatches(
  annotations: string | AnnotationCollection | AnnotationSet,
  grid: PatchCoords | { coords: Int32Array; patchSizeLevel0: number } | string,
  options: LabelPatchesOptions = {},
): Promise<LabelPatchesResult> {
  const set = await loadAnnotations(annotations);
  const coords = typeof grid === 'string' ? await readCoordsH5(grid) : grid;
  const patchSize = options.patchSize ?? ('meta' in coords ? coords.meta.patchSizeLevel0 : coords.patchSizeLevel0);
  const r = computePatchLabels(set.collection, coords.coords, patchSize, {
    ...(options.rule !== undefined ? { rule: options.rule } : {}),
    ...(options.classes ? { classes: options.classes } : {}),
  });
  const counts = new Array<number>(r.labelNames.length).fill(0);
  for (const l of r.labels) counts[l] = (counts[l] as number) + 1;
  if (options.out !== undefined) {
    if (/\.csv$/i.test(options.out)) await writeFileAtomic(options.out, formatLabelsCsv(coords.coords, r));
    else if (/\.h5$/i.test(options.out)) await writeLabelsH5(options.out, coords.coords, r);
    else throw new WsiError('InvalidArgument', `label output '${options.out}' must end in .csv or .h5`);
  }
  return {
    ...r,
    coords: coords.coords,
    counts,
    warnings: set.warnings,
    ...(options.out !== undefined ? { out: options.out } : {}),
  };
}
