/**
 * `DIR/run.json`: what a `wsi run` did (docs/cli.md).
 */
import { join } from 'node:path';
import { WSI_VERSION } from '@wsi/core';
import type { RunParams } from './params.js';
import type { SlideRunResult } from './slide.js';
import { writeFileAtomic } from './state.js';

/**
 * Counts over a run's slides.
 *
 * @example
 * ```ts
 * const t: RunTotals = { slides: 3, done: 2, skipped: 0, failed: 1, patches: 420, seconds: 12.5 };
 * ```
 */
export interface RunTotals {
  slides: number;
  done: number;
  skipped: number;
  failed: number;
  /** Patches over the slides that did not fail. */
  patches: number;
  /** Wall-clock seconds of the run. */
  seconds: number;
}

/**
 * The document `wsi run` writes to `DIR/run.json`: `{version, params, slides, totals}`.
 *
 * @example
 * ```ts
 * const run: RunJson = JSON.parse(await readFile('out/run.json', 'utf8'));
 * run.slides.filter((s) => s.status === 'failed');
 * ```
 */
export interface RunJson {
  /** The `@wsi` version that wrote it. */
  version: string;
  params: RunParams;
  slides: SlideRunResult[];
  totals: RunTotals;
}

/**
 * Builds a {@link RunJson} from the slide results so far.
 *
 * @example
 * ```ts
 * const doc = runJson(params, results, 12.5);
 * ```
 */
export function runJson(params: RunParams, slides: SlideRunResult[], seconds: number): RunJson {
  const count = (s: SlideRunResult['status']) => slides.filter((r) => r.status === s).length;
  return {
    version: WSI_VERSION,
    params,
    slides,
    totals: {
      slides: slides.length,
      done: count('done'),
      skipped: count('skipped'),
      failed: count('failed'),
      patches: slides.filter((s) => s.status !== 'failed').reduce((a, s) => a + s.stages.patch.count, 0),
      seconds: Math.round(seconds * 1000) / 1000,
    },
  };
}

/**
 * Writes `DIR/run.json` atomically and returns its path.
 *
 * @example
 * ```ts
 * await writeRunJson('out', runJson(params, results, 12.5));
 * ```
 */
export async function writeRunJson(outDir: string, doc: RunJson): Promise<string> {
  const path = join(outDir, 'run.json');
  await writeFileAtomic(path, `${JSON.stringify(doc, null, 2)}\n`);
  return path;
}
