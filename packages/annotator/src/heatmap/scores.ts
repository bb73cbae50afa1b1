import { readFile } from 'node:fs/promises';
import type { AnnotationCollection, PatchScores } from '@wsi/core';
import { parseCsv, toWsiError, WsiError } from '@wsi/core';

/**
 * Parses a score file (`<name>.scores.csv`, header `x,y,score[,…]`, level-0 top-left corners). Empty cells
 * and `nan` become NaN (drawn as no data); other bad numbers → `WsiError('InvalidArgument')` naming the line.
 *
 * @example
 * ```ts
 * parseScoresCsv('x,y,score\n0,0,0.9\n').scores[0]; // 0.9 (float32)
 * ```
 */
export function parseScoresCsv(text: string, source = 'scores'): PatchScores {
  const table = parseCsv(text, source);
  const header = (table[0] ?? []).map((h) => h.trim());
  if (header[0] !== 'x' || header[1] !== 'y' || header.length < 3) {
    throw new WsiError(
      'InvalidArgument',
      `${source}: header must start with x,y and name at least one score column, got '${header.join(',')}'`,
    );
  }
  const columns = header.slice(2);
  const n = table.length - 1;
  const coords = new Int32Array(2 * n);
  const scores = new Float32Array(n * columns.length);
  for (let r = 1; r <= n; r++) {
    const cells = table[r] as string[];
    if (cells.length !== header.length) {
      throw new WsiError(
        'InvalidArgument',
        `${source}: line ${r + 1}: ${cells.length} fields, the header has ${header.length}`,
      );
    }
    for (let k = 0; k < 2; k++) {
      const v = Number(cells[k]);
      if (!Number.isInteger(v) || Math.abs(v) > 2 ** 31 - 1) {
        throw new WsiError(
          'InvalidArgument',
          `${source}: line ${r + 1}: ${header[k]} '${cells[k]}' is not an integer pixel coordinate`,
        );
      }
      coords[2 * (r - 1) + k] = v;
    }
    for (let c = 0; c < columns.length; c++) {
      const s = (cells[c + 2] as string).trim();
      const v = s === '' || s.toLowerCase() === 'nan' ? Number.NaN : Number(s);
      if (Number.isNaN(v) && s !== '' && s.toLowerCase() !== 'nan') {
        throw new WsiError('InvalidArgument', `${source}: line ${r + 1}: ${columns[c]} '${s}' is not a number`);
      }
      scores[(r - 1) * columns.length + c] = v;
    }
  }
  return { columns, coords, scores };
}

/**
 * Reads a score CSV file.
 *
 * @example
 * ```ts
 * const s = await readScoresCsv('slide.scores.csv');
 * ```
 */
export async function readScoresCsv(path: string): Promise<PatchScores> {
  const text = await readFile(path, 'utf8').catch((err: unknown) => {
    throw toWsiError(err, `cannot read scores ${path}`);
  });
  return parseScoresCsv(text, path);
}

/**
 * Turns patch scores into QuPath tiles: one square Polygon per patch with `objectType: 'tile'` and every
 * score column in `measurements` (NaN scores omitted), so the result opens in QuPath.
 *
 * @example
 * ```ts
 * const fc = scoresToGeoJsonTiles(scores, 512);
 * ```
 */
export function scoresToGeoJsonTiles(scores: PatchScores, patchSize: number): AnnotationCollection {
  if (!(patchSize > 0)) throw new WsiError('InvalidArgument', `patch size must be positive, got ${patchSize}`);
  const C = scores.columns.length;
  const n = scores.coords.length / 2;
  const features: AnnotationCollection['features'] = [];
  for (let p = 0; p < n; p++) {
    const x = scores.coords[2 * p] as number;
    const y = scores.coords[2 * p + 1] as number;
    const measurements: Record<string, number> = {};
    for (let c = 0; c < C; c++) {
      const v = scores.scores[p * C + c] as number;
      if (!Number.isNaN(v)) measurements[scores.columns[c] as string] = v;
    }
    features.push({
      type: 'Feature',
      geometry: {
        type: 'Polygon',
        coordinates: [
          [
            [x, y],
            [x + patchSize, y],
            [x + patchSize, y + patchSize],
            [x, y + patchSize],
            [x, y],
          ],
        ],
      },
      properties: { objectType: 'tile', measurements },
    });
  }
  return { type: 'FeatureCollection', features };
}
