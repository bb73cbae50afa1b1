/**
 * `runCohort`: `runSlide` over a list of slides or a manifest, one after the other, with `run.json` kept current.
 */
import { readFile, stat } from 'node:fs/promises';
import { parseManifest, slideName, toWsiError, WsiError } from '@wsi/core';
import { removeStaleTempFiles } from './cleanup.js';
import type { StageProgress } from './context.js';
import { normalizeRunParams, type RunParams } from './params.js';
import { createRunResources } from './resources.js';
import { type RunJson, runJson, writeRunJson } from './run-json.js';
import { runSlide, type SlideRunResult } from './slide.js';

/**
 * A slide of a cohort: a path or URL, with an optional level-0 mpp override (a manifest's `mpp`).
 *
 * @example
 * ```ts
 * const s: CohortSlide = { slide: 'slides/a.svs', mpp: 0.25 };
 * ```
 */
export interface CohortSlide {
  slide: string;
  mpp?: number;
}

/**
 * Progress of a cohort: a slide starts or ends, or one of its stages moves.
 *
 * @example
 * ```ts
 * const onProgress = (e: CohortProgress) => e.type === 'slide-end' && console.error(e.name, e.result.status);
 * ```
 */
export type CohortProgress =
  | { type: 'slide-start'; index: number; total: number; name: string }
  | { type: 'stage'; index: number; total: number; progress: StageProgress }
  | { type: 'slide-end'; index: number; total: number; name: string; result: SlideRunResult };

/**
 * Options of {@link runCohort}: `slides` or `manifest`.
 *
 * @example
 * ```ts
 * const o: RunCohortOptions = { manifest: 'cohort.csv', outDir: 'out', params: { model: 'default' } };
 * ```
 */
export interface RunCohortOptions {
  slides?: readonly (string | CohortSlide)[];
  /** Manifest CSV (docs/formats.md): its `slide` and `mpp` columns are used. */
  manifest?: string;
  outDir: string;
  params: Partial<RunParams>;
  signal?: AbortSignal;
  onProgress?: (e: CohortProgress) => void;
}

/**
 * The slides of a cohort, checked: at least one, and no two with the same `<name>`.
 *
 * @throws WsiError `InvalidArgument` (no slides, both or neither of slides/manifest, shared names), `NotFound`
 *   (manifest missing).
 * @example
 * ```ts
 * const slides = await cohortSlides({ manifest: 'cohort.csv' });
 * ```
 */
export async function cohortSlides(o: Pick<RunCohortOptions, 'slides' | 'manifest'>): Promise<CohortSlide[]> {
  if ((o.slides?.length ? 1 : 0) + (o.manifest ? 1 : 0) !== 1)
    throw new WsiError('InvalidArgument', 'give slides or a manifest (one of the two)');
  let list: CohortSlide[];
  if (o.manifest) {
    let text: string;
    try {
      text = await readFile(o.manifest, 'utf8');
    } catch (cause) {
      throw new WsiError('NotFound', `manifest ${o.manifest} cannot be read`, { cause });
    }
    list = parseManifest(text, o.manifest).rows.map((r) => ({
      slide: r.slide,
      ...(r.mpp === undefined ? {} : { mpp: r.mpp }),
    }));
  } else list = (o.slides ?? []).map((s) => (typeof s === 'string' ? { slide: s } : s));
  if (!list.length) throw new WsiError('InvalidArgument', 'no slides to run');
  const seen = new Map<string, string>();
  for (const s of list) {
    const n = slideName(s.slide);
    const prev = seen.get(n);
    if (prev !== undefined && prev !== s.slide)
      throw new WsiError('InvalidArgument', `slides ${prev} and ${s.slide} share the name '${n}'`);
    seen.set(n, s.slide);
  }
  return list.filter((s, i) => list.findIndex((t) => t.slide === s.slide) === i);
}

/** Fails before any work when the encoder or MIL model is missing. */
async function checkModels(params: RunParams): Promise<void> {
  if (params.model !== 'default' && !(await stat(params.model).catch(() => undefined)))
    throw new WsiError('NotFound', `encoder model ${params.model} does not exist`);
  if (params.milModel !== undefined) await (await import('@wsi/mil')).resolveModelPaths(params.milModel);
}

/**
 * Runs {@link runSlide} on every slide of a cohort in turn (the encoder and MIL models are loaded once), keeping
 * `DIR/run.json` up to date after each slide. Temporary files of killed runs (dead pids) are removed first. A failed slide is recorded and the run goes on; slides finished by
 * an earlier run are `skipped`. Resolves to the final `run.json` document.
 *
 * @throws WsiError `InvalidArgument`/`NotFound` for a bad slide list or manifest (before any work), `Aborted`.
 * @example
 * ```ts
 * import { runCohort } from '@wsi/cli';
 * const run = await runCohort({ slides: ['a.svs', 'b.mrxs'], outDir: 'out', params: { magnification: 20 } });
 * console.log(run.totals);
 * ```
 */
export async function runCohort(o: RunCohortOptions): Promise<RunJson> {
  const t0 = performance.now();
  const params = normalizeRunParams(o.params);
  const slides = await cohortSlides(o);
  await checkModels(params);
  await removeStaleTempFiles(o.outDir);
  const resources = createRunResources(params);
  const results: SlideRunResult[] = [];
  const total = slides.length;
  try {
    for (const [index, s] of slides.entries()) {
      const name = slideName(s.slide);
      o.onProgress?.({ type: 'slide-start', index, total, name });
      const slideParams = s.mpp === undefined ? params : { ...params, slideMpp: s.mpp };
      const r = await runSlide({
        slide: s.slide,
        outDir: o.outDir,
        params: slideParams,
        resources,
        ...(o.signal ? { signal: o.signal } : {}),
        onProgress: (progress) => o.onProgress?.({ type: 'stage', index, total, progress }),
      });
      results.push(r);
      o.onProgress?.({ type: 'slide-end', index, total, name, result: r });
      await writeRunJson(o.outDir, runJson(params, results, (performance.now() - t0) / 1000));
    }
  } catch (err) {
    throw toWsiError(err, 'wsi run');
  } finally {
    await resources.close();
  }
  const doc = runJson(params, results, (performance.now() - t0) / 1000);
  await writeRunJson(o.outDir, doc);
  return doc;
}
