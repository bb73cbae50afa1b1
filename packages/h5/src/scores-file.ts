/**
 * Score files: `scores` (N×K float32, column names in the `columns` attribute) aligned with `coords`.
 */
import type { PatchScores } from '@wsi/core';
import { WsiError } from '@wsi/core';
import { AppendableDataset } from './appendable.js';
import { readAttr, writeAttrs } from './attrs.js';
import { H5Writer, withH5Read } from './file.js';
import type { Provenance } from './provenance.js';
import { getDataset, readRows, toInt32 } from './read.js';

/**
 * Options of {@link writeScoresFile}.
 *
 * @example
 * ```ts
 * const o: ScoresWriteOptions = { provenance: { params: { model: 'abmil' } } };
 * ```
 */
export interface ScoresWriteOptions {
  provenance?: Provenance;
  /** Largest single write in bytes (default 256 MiB). */
  byteBudget?: number;
}

/**
 * Writes `coords` (N×2 int64) and `scores` (N×K float32 with `columns`, and `patch_size_level0` when known)
 * atomically.
 *
 * @throws WsiError `InvalidArgument` when sizes disagree or a column name is empty.
 * @example
 * ```ts
 * await writeScoresFile('heat/slide.scores.h5', { columns: ['attention'], coords, scores });
 * ```
 */
export async function writeScoresFile(path: string, set: PatchScores, options: ScoresWriteOptions = {}): Promise<void> {
  const k = set.columns.length;
  const n = set.coords.length / 2;
  if (k === 0 || set.columns.some((c) => c === '')) {
    throw new WsiError('InvalidArgument', 'scores need at least one named column');
  }
  if (!Number.isInteger(n) || set.scores.length !== n * k) {
    throw new WsiError('InvalidArgument', `${set.scores.length} scores do not fill ${n} rows × ${k} columns`);
  }
  const writer = await H5Writer.create(
    path,
    options.provenance === undefined ? {} : { provenance: options.provenance },
  );
  try {
    const budget = options.byteBudget === undefined ? {} : { byteBudget: options.byteBudget };
    const coords = AppendableDataset.create(writer.file, 'coords', { dtype: 'int64', rowShape: [2], ...budget });
    const scores = AppendableDataset.create(writer.file, 'scores', { dtype: 'float32', rowShape: [k], ...budget });
    writeAttrs(scores.dataset, { columns: set.columns, patch_size_level0: set.patchSizeLevel0 });
    if (set.patchSizeLevel0 !== undefined) writeAttrs(coords.dataset, { patch_size_level0: set.patchSizeLevel0 });
    coords.append(set.coords);
    scores.append(set.scores);
    await writer.finish();
  } catch (err) {
    await writer.abort();
    throw err;
  }
}

/**
 * Reads a score file written by {@link writeScoresFile} (or any file with aligned `scores` and `coords`).
 * Columns default to `score_0…` when the attribute is missing.
 *
 * @throws WsiError `NotFound`, `CorruptFile` (shape or column count mismatch).
 * @example
 * ```ts
 * const { columns, scores } = await readScoresFile('heat/slide.scores.h5');
 * ```
 */
export async function readScoresFile(path: string): Promise<PatchScores> {
  return withH5Read(path, (file, fileSize) => {
    const s = getDataset(file, path, 'scores', { ranks: [1, 2], dtypes: ['float32', 'float64'], fileSize });
    const c = getDataset(file, path, 'coords', { ranks: [2], dtypes: ['int64', 'int32'], dims: { 1: 2 }, fileSize });
    const n = s.shape[0] ?? 0;
    const k = s.shape.length === 2 ? (s.shape[1] ?? 0) : 1;
    if (c.shape[0] !== n)
      throw new WsiError('CorruptFile', `${path}: "coords" has ${c.shape[0]} rows but "scores" has ${n}`);
    const attr = readAttr(s.dataset, 'columns');
    const columns =
      Array.isArray(attr) && attr.every((x) => typeof x === 'string')
        ? (attr as string[])
        : typeof attr === 'string'
          ? [attr]
          : undefined;
    if (columns !== undefined && columns.length !== k) {
      throw new WsiError('CorruptFile', `${path}: "columns" names ${columns.length} columns but "scores" has ${k}`);
    }
    const raw = readRows(s);
    const size = readAttr(s.dataset, 'patch_size_level0');
    return {
      columns: columns ?? Array.from({ length: k }, (_, i) => `score_${i}`),
      coords: toInt32(readRows(c), c),
      scores: raw instanceof Float32Array ? raw : Float32Array.from(raw as Float64Array),
      ...(typeof size === 'number' ? { patchSizeLevel0: size } : {}),
    };
  });
}
