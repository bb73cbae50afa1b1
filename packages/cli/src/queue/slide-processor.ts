/**
 * The BullMQ sandboxed processor of slide jobs: runs in a child process of `wsi worker`, so the CPU-heavy slide work
 * never delays the parent's lock heartbeats. One child runs one slide at a time and keeps its models loaded.
 */
import { isWsiError } from '@wsi/core';
import { type SandboxedJob, UnrecoverableError, WaitingError } from 'bullmq';
import { createRunResources, type RunParams, type RunResources, runSlide, type SlideRunResult } from '../run/index.js';
import { checkJobData, PERMANENT_CODES, type SlideJobData, THREADS_ENV } from './job.js';
import { removeSlideTempFiles } from './stale-temp.js';

/**
 * Progress a slide job reports (`job.progress`, and the parent's `progress` event).
 *
 * @example
 * ```ts
 * const p: SlideJobProgress = { stage: 'embed', done: 3, total: 10 };
 * ```
 */
export type SlideJobProgress =
  | { stage: string; done: number; total: number }
  | { cleaned: number }
  | { handedBack: true };

let watchingParent = false;

const resources = new Map<string, RunResources>();
function resourcesFor(p: RunParams): RunResources {
  const key = JSON.stringify([p.model, p.preset ?? null, p.milModel ?? null, p.threads ?? null]);
  let r = resources.get(key);
  if (!r) {
    r = createRunResources(p);
    resources.set(key, r);
  }
  return r;
}

/**
 * Runs one slide job: `runSlide` with the job's payload. A failed slide throws — `UnrecoverableError` for the
 * codes of {@link PERMANENT_CODES} (no retry), a plain `Error` otherwise (retried with backoff); an aborted one
 * (worker shutting down) is moved back to waiting. A job started before (its worker died) first has the temporary
 * files of that attempt removed.
 *
 * @example
 * ```ts
 * new Worker('wsi', new URL('./slide-processor.js', import.meta.url), { connection });
 * ```
 */
export default async function processSlideJob(
  job: SandboxedJob<SlideJobData, SlideRunResult>,
  token?: string,
  signal?: AbortSignal,
): Promise<SlideRunResult> {
  if (process.send && !watchingParent) {
    // a child whose parent worker died (SIGKILL) stops too, instead of running on unsupervised
    watchingParent = true;
    process.once('disconnect', () => process.exit(70));
  }
  let data: SlideJobData;
  try {
    data = checkJobData(job.data);
  } catch (err) {
    throw new UnrecoverableError(`[InvalidArgument] ${(err as Error).message}`);
  }
  const threads = Number(process.env[THREADS_ENV]);
  const params: RunParams = Number.isInteger(threads) && threads > 0 ? { ...data.params, threads } : data.params;
  if (job.attemptsStarted > 1 || job.stalledCounter > 0) {
    const cleaned = await removeSlideTempFiles(data.outDir, data.name);
    if (cleaned) await job.updateProgress({ cleaned } satisfies SlideJobProgress);
  }
  let stage = '';
  let r: SlideRunResult;
  try {
    r = await runSlide({
      slide: data.slide,
      outDir: data.outDir,
      params,
      name: data.name,
      resources: resourcesFor(params),
      ...(signal ? { signal } : {}),
      onProgress: (p) => {
        if (p.stage === stage) return;
        stage = p.stage;
        void job.updateProgress({ stage: p.stage, done: p.done, total: p.total } satisfies SlideJobProgress);
      },
    });
  } catch (err) {
    if (signal?.aborted || isWsiError(err, 'Aborted')) {
      await job.updateProgress({ handedBack: true } satisfies SlideJobProgress);
      await job.moveToWait(token);
      throw new WaitingError();
    }
    throw err;
  }
  if (r.status === 'failed') {
    const e = r.error ?? { code: 'Io', message: 'failed' };
    const msg = `[${e.code}] ${e.message}`;
    throw PERMANENT_CODES.has(e.code) ? new UnrecoverableError(msg) : new Error(msg);
  }
  return r;
}
