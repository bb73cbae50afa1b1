import type { PatchCoords, PatchScores } from '@wsi/core';
import { AppendableDataset, H5Writer, readCoordsFile, readScoresFile, writeAttrs } from '@wsi/h5';
import type { PatchLabels } from './label.js';

/**
 * Writes patch labels to a new h5 file atomically: `coords` (int64 N×2, `patch_size_level0`), `labels`
 * (uint8 N, attributes `label_names` and `rule`) and `fractions` (float32 N×C, attribute `columns` = class
 * names).
 *
 * @example
 * ```ts
 * await writeLabelsH5('slide.labels.h5', coords, computePatchLabels(coll, coords, 512));
 * ```
 */
export async function writeLabelsH5(path: string, coords: Int32Array, r: PatchLabels): Promise<void> {
  const writer = await H5Writer.create(path);
  try {
    const c = AppendableDataset.create(writer.file, 'coords', { dtype: 'int64', rowShape: [2] });
    writeAttrs(c.dataset, { patch_size_level0: r.patchSize });
    c.append(coords);
    const l = AppendableDataset.create(writer.file, 'labels', { dtype: 'uint8', rowShape: [] });
    const rule = r.rule.kind === 'threshold' ? `threshold:${r.rule.threshold}` : r.rule.kind;
    writeAttrs(l.dataset, { label_names: r.labelNames, rule });
    l.append(r.labels);
    if (r.classes.length > 0) {
      const f = AppendableDataset.create(writer.file, 'fractions', { dtype: 'float32', rowShape: [r.classes.length] });
      writeAttrs(f.dataset, { columns: r.classes });
      f.append(r.fractions);
    }
    await writer.finish();
  } catch (err) {
    await writer.abort();
    throw err;
  }
}

/**
 * Reads a patch grid from a coords h5 file (the patcher's, CLAM's or Trident's) with `@wsi/h5`.
 *
 * @example
 * ```ts
 * const grid = await readCoordsH5('out/patches/slide.h5');
 * ```
 */
export async function readCoordsH5(path: string): Promise<PatchCoords> {
  const { coords, meta } = await readCoordsFile(path);
  return { coords, meta };
}

/**
 * Reads scores from an h5 file (`coords` + `scores`) with `@wsi/h5`.
 *
 * @example
 * ```ts
 * const s = await readScoresH5('slide.scores.h5');
 * ```
 */
export function readScoresH5(path: string): Promise<PatchScores> {
  return readScoresFile(path);
}
