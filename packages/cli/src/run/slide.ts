/**
 * `runSlide`: the whole pipeline for one slide, idempotent and resumable (the unit of `wsi run` and of the queue
 * workers).
 */
import { slideName, throwIfAborted, toWsiError } from '@wsi/core';
import type { StageContext, StageOutput, StageProgress, StageResult } from './context.js';
import { fileFingerprint, slideFingerprint } from './fingerprint.js';
import { normalizeRunParams, type RunParams, type RunStage } from './params.js';
import { createRunResources, type RunResources } from './resources.js';
import { embedStage, encoderKey } from './stage-embed.js';
import { patchStages } from './stage-patch.js';
import { milModelKey, predictStage } from './stage-predict.js';
import { StageState } from './state.js';

/**
 * One slide's entry in `run.json` (`slides[]`).
 *
 * @example
 * ```ts
 * const r: SlideRunResult = await runSlide({ slide: 'a.svs', outDir: 'out', params });
 * if (r.status === 'failed') console.error(r.error?.message);
 * ```
 */
export interface SlideRunResult {
  /** The slide's `<name>` (docs/formats.md). */
  name: string;
  /** The slide path or URL as given. */
  slide: string;
  /** `done` (something was computed), `skipped` (every stage was already finished), `failed`. */
  status: 'done' | 'failed' | 'skipped';
  /** Why it failed: the `WsiError` code and message. */
  error?: { code: string; message: string };
  stages: Record<RunStage, StageResult>;
}

/**
 * Options of {@link runSlide}.
 *
 * @example
 * ```ts
 * const o: RunSlideOptions = { slide: 'a.svs', outDir: 'out', params: { magnification: 20 } };
 * ```
 */
export interface RunSlideOptions {
  /** Slide path or URL. */
  slide: string;
  /** Output folder (one layout for `wsi run` and the workers: docs/formats.md). */
  outDir: string;
  /** Run parameters; missing ones take their defaults ({@link normalizeRunParams}). */
  params: Partial<RunParams>;
  /** Output `<name>` (default `slideName(slide)`). */
  name?: string;
  /** Aborting rejects with a `WsiError('Aborted')`; finished stages stay finished. */
  signal?: AbortSignal;
  onProgress?: (p: StageProgress) => void;
  /** Shared encoder and MIL models (default: loaded for this call and closed after). */
  resources?: RunResources;
}

const zero = (): StageResult => ({ seconds: 0, count: 0 });
const round = (s: number): number => Math.round(s * 1000) / 1000;

/**
 * Runs segmentation, patching, embedding and (with `params.milModel`) prediction + heatmap for one slide. Each
 * stage is skipped when its key — the slide fingerprint plus the parameters of this and every earlier stage —
 * matches the one recorded in `DIR/.wsi-state/<name>.json` and its outputs exist; otherwise it is redone. Every
 * output is written atomically, so a process killed at any moment leaves only whole files, and running again
 * gives the same datasets and attributes as an uninterrupted run. A bad slide gives `status: 'failed'` with the
 * error; it never throws except when `signal` is aborted.
 *
 * @throws WsiError `Aborted` when `signal` aborts.
 * @example
 * ```ts
 * import { runSlide } from '@wsi/cli';
 * const r = await runSlide({ slide: 'slides/a.svs', outDir: 'out', params: { patchSize: 256, magnification: 20 } });
 * console.log(r.status, r.stages.embed.count);
 * ```
 */
export async function runSlide(options: RunSlideOptions): Promise<SlideRunResult> {
  const params = normalizeRunParams(options.params);
  const name = options.name ?? slideName(options.slide);
  const result: SlideRunResult = {
    name,
    slide: options.slide,
    status: 'done',
    stages: { segment: zero(), patch: zero(), embed: zero(), predict: zero() },
  };
  const resources = options.resources ?? createRunResources(params);
  const signal = options.signal;
  try {
    throwIfAborted(signal);
    const [fingerprint, fileFp] = await Promise.all([slideFingerprint(options.slide), fileFingerprint(options.slide)]);
    const state = await StageState.load(options.outDir, name, fingerprint, options.slide);
    const onProgress = options.onProgress;
    const ctx: StageContext = {
      location: options.slide,
      name,
      outDir: options.outDir,
      params,
      fingerprint,
      fileFingerprint: fileFp,
      state,
      resources,
      ...(signal ? { signal } : {}),
      progress: (stage, done, total, skipped) =>
        onProgress?.({ slide: name, stage, done, total, ...(skipped ? { skipped } : {}) }),
    };
    const outputs: StageOutput[] = [];
    const record = (stage: RunStage, o: StageOutput) => {
      result.stages[stage] = { seconds: round(o.seconds), count: o.count };
      outputs.push(o);
    };
    const { segment, patch } = await patchStages(ctx);
    record('segment', segment);
    record('patch', patch);
    throwIfAborted(signal);
    const embed = await embedStage(ctx, patch, await encoderKey(params));
    record('embed', embed);
    if (params.milModel !== undefined) {
      throwIfAborted(signal);
      record('predict', await predictStage(ctx, embed, patch.path, await milModelKey(params.milModel)));
    }
    if (outputs.every((o) => o.skipped)) result.status = 'skipped';
  } catch (err) {
    if (signal?.aborted) throw toWsiError(signal.reason ?? err, `${name}`);
    const e = toWsiError(err, name);
    result.status = 'failed';
    result.error = { code: e.code, message: e.message };
  } finally {
    if (!options.resources) await resources.close();
  }
  return result;
}
