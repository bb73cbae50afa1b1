/**
 * Any per-patch ONNX model (a classifier, a segmenter reduced to numbers) through the embedding pipeline → a
 * score file for heatmaps: `<name>.scores.csv` with `x,y,score[,score_1…]` (docs/formats.md).
 */
import { randomBytes } from 'node:crypto';
import { mkdir, open, rename, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fingerprintSource, openByteSource, WsiError } from '@wsi/core';
import { readCoordsFile } from '@wsi/h5';
import { openSlide } from '@wsi/reader';
import { type BatchRunOptions, runBatches } from './batches.js';
import type { Encoder } from './encoder.js';
import { checkCoordsMatchSlide } from './pipeline.js';

/**
 * Options of {@link scoreSlide}.
 *
 * @example
 * ```ts
 * const o: ScoreOptions = { coords: 'out/patches/s1.h5', outDir: 'out', model: enc };
 * ```
 */
export interface ScoreOptions extends BatchRunOptions {
  coords: string;
  /** Output folder: the file is `DIR/scores/<name>.scores.csv`. */
  outDir: string;
  /** The per-patch model, loaded with {@link loadEncoder} (its outputs per patch become the score columns). */
  model: Encoder;
  /** Column names (default `score`, `score_1`, …). */
  columns?: string[];
}

/**
 * Runs a per-patch model over a coords file and writes `DIR/scores/<name>.scores.csv` atomically.
 *
 * @throws WsiError `InvalidArgument` when `columns` does not match the model's outputs or the coords are of another slide.
 * @example
 * ```ts
 * const clf = await loadEncoder({ model: 'tumour-classifier.onnx' });
 * const { path } = await scoreSlide('s1.svs', { coords: 'out/patches/s1.h5', outDir: 'out', model: clf });
 * ```
 */
export async function scoreSlide(
  slidePath: string,
  options: ScoreOptions,
): Promise<{ path: string; count: number; columns: string[] }> {
  const k = options.model.dim;
  const columns = options.columns ?? Array.from({ length: k }, (_, i) => (i === 0 ? 'score' : `score_${i}`));
  if (columns.length !== k)
    throw new WsiError('InvalidArgument', `${columns.length} column names for ${k} model outputs`);
  const coords = await readCoordsFile(options.coords);
  const src = await openByteSource(slidePath);
  let fp: string;
  try {
    fp = await fingerprintSource(src);
  } finally {
    await src.close();
  }
  const slide = await openSlide(slidePath);
  const path = join(options.outDir, 'scores', `${coords.meta.name}.scores.csv`);
  try {
    checkCoordsMatchSlide(coords, slide, fp);
    await mkdir(dirname(path), { recursive: true });
    const tmp = `${path}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
    const fh = await open(tmp, 'w');
    try {
      await fh.write(`x,y,${columns.join(',')}\n`);
      await runBatches(
        slide,
        coords.coords,
        coords.meta,
        options.model,
        async (out, xy, n) => {
          const lines: string[] = [];
          for (let i = 0; i < n; i++) {
            const row = Array.from(out.subarray(i * k, (i + 1) * k), (v) => String(v));
            lines.push(`${xy[i * 2]},${xy[i * 2 + 1]},${row.join(',')}`);
          }
          await fh.write(`${lines.join('\n')}\n`);
        },
        options,
      );
      await fh.close();
      await rename(tmp, path);
    } catch (err) {
      await fh.close().catch(() => {});
      await unlink(tmp).catch(() => {});
      throw err;
    }
    return { path, count: coords.coords.length / 2, columns };
  } finally {
    await slide.close();
  }
}
