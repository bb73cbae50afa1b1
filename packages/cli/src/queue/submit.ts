/**
 * `submitCohort`: one BullMQ job per slide of a cohort (`wsi queue submit`).
 */
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { slideName, WsiError } from '@wsi/core';
import { type CohortSlide, cohortSlides, type RunParams } from '../run/index.js';
import { DEFAULT_QUEUE_NAME, displayUrl, parseQueueUrl } from './connection.js';
import { absoluteLocation, jobParams, SLIDE_JOB, type SlideJobData, slideJobId } from './job.js';
import { withQueue } from './open.js';

/**
 * Options of {@link submitCohort}: `slides` or `manifest`, like `runCohort`.
 *
 * @example
 * ```ts
 * const o: SubmitOptions = { queue: 'redis://127.0.0.1:6379', manifest: 'cohort.csv', outDir: '/shared/out', params: {} };
 * ```
 */
export interface SubmitOptions {
  /** `redis://HOST:PORT[/DB]`. */
  queue: string;
  /** Queue name (default `wsi`). */
  name?: string;
  slides?: readonly (string | CohortSlide)[];
  /** Manifest CSV (its `slide` and `mpp` columns). */
  manifest?: string;
  /** Output folder on the file system the workers share. */
  outDir: string;
  params: Partial<RunParams>;
  /** Attempts per slide for transient errors (default 3). */
  attempts?: number;
  /** First retry delay in ms, doubled at each retry (default 10,000). */
  backoffMs?: number;
}

/**
 * What {@link submitCohort} did.
 *
 * @example
 * ```ts
 * const r: SubmitResult = { queue: 'redis://127.0.0.1:6379/0', name: 'wsi', slides: 3, added: 1, existing: 2 };
 * ```
 */
export interface SubmitResult {
  /** The queue URL without password. */
  queue: string;
  name: string;
  slides: number;
  /** Jobs created now. */
  added: number;
  /** Slides whose job was already in the queue (waiting, active, done or failed): left alone. */
  existing: number;
}

const CHUNK = 500;

async function checkModels(params: RunParams): Promise<void> {
  for (const [what, p] of [
    ['encoder model', params.model === 'default' ? undefined : params.model],
    ['MIL model', params.milModel],
  ] as const) {
    if (p !== undefined && !(await stat(p).catch(() => undefined)))
      throw new WsiError('NotFound', `${what} ${p} does not exist`);
  }
}

/**
 * Queues one job per slide (payload {@link SlideJobData}, id {@link slideJobId}). Paths are made absolute against
 * the current folder, so give them as the workers will see them (a shared file system) or use URLs. A slide whose
 * job already exists — whatever its state — is not queued again; use `retryFailed` for failed ones.
 *
 * @throws WsiError `InvalidArgument`/`NotFound` for a bad cohort, queue URL or missing model; `Io` when Redis
 *   cannot be reached.
 * @example
 * ```ts
 * const r = await submitCohort({ queue: 'redis://127.0.0.1:6379', manifest: 'cohort.csv', outDir: '/shared/out',
 *   params: { patchSize: 256, magnification: 20 } });
 * console.log(`${r.added} queued, ${r.existing} already there`);
 * ```
 */
export async function submitCohort(o: SubmitOptions): Promise<SubmitResult> {
  const target = parseQueueUrl(o.queue);
  const name = o.name ?? DEFAULT_QUEUE_NAME;
  const attempts = o.attempts ?? 3;
  const backoffMs = o.backoffMs ?? 10_000;
  if (!(Number.isInteger(attempts) && attempts >= 1))
    throw new WsiError('InvalidArgument', `attempts must be ≥ 1, got ${attempts}`);
  if (!(Number.isFinite(backoffMs) && backoffMs >= 0))
    throw new WsiError('InvalidArgument', `backoff must be ≥ 0 ms, got ${backoffMs}`);
  const slides = await cohortSlides(o);
  const params = jobParams(o.params);
  await checkModels(params);
  const outDir = resolve(o.outDir);
  let added = 0;
  await withQueue<void, SlideJobData>({ queue: o.queue, name }, async (queue) => {
    for (let i = 0; i < slides.length; i += CHUNK) {
      const data = slides.slice(i, i + CHUNK).map(
        (s): SlideJobData => ({
          slide: absoluteLocation(s.slide),
          outDir,
          name: slideName(s.slide),
          params: s.mpp === undefined ? params : { ...params, slideMpp: s.mpp },
        }),
      );
      const ids = data.map(slideJobId);
      const states = await Promise.all(ids.map((id) => queue.getJobState(id)));
      const fresh = data.flatMap((d, j) => (states[j] === 'unknown' ? [{ d, id: ids[j] as string }] : []));
      if (!fresh.length) continue;
      await queue.addBulk(
        fresh.map(({ d, id }) => ({
          name: SLIDE_JOB,
          data: d,
          opts: { jobId: id, attempts, backoff: { type: 'exponential', delay: backoffMs } },
        })),
      );
      added += fresh.length;
    }
  });
  return { queue: displayUrl(target), name, slides: slides.length, added, existing: slides.length - added };
}
