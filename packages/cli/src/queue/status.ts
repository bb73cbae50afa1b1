/**
 * `queueStatus`: counts, throughput, ETA and the failed slides of a queue (`wsi queue status`).
 */
import { DEFAULT_QUEUE_NAME, displayUrl } from './connection.js';
import type { SlideJobData } from './job.js';
import { withQueue } from './open.js';

/**
 * What `wsi queue status --json` prints.
 *
 * @example
 * ```ts
 * const s: QueueStatus = await queueStatus({ queue: 'redis://127.0.0.1:6379' });
 * console.log(s.counts.completed, s.throughput.slidesPerHour, s.eta.seconds);
 * ```
 */
export interface QueueStatus {
  /** The queue URL without password. */
  queue: string;
  name: string;
  paused: boolean;
  counts: { waiting: number; active: number; completed: number; failed: number; delayed: number };
  /** Workers connected now. */
  workers: number;
  /**
   * Finished slides per hour over the most recent finished jobs (up to `window.jobs` of them, finished between
   * the first job's start and the last one's end); `null` before any slide finished.
   */
  throughput: { slidesPerHour: number | null; window: { jobs: number; seconds: number } };
  /** Seconds until the waiting, delayed and active slides are done at that throughput (`null` when unknown). */
  eta: { seconds: number | null; at: string | null };
  /** The failed slides (up to `limit`), newest first, with their last error. */
  failed: { slide: string; name: string; jobId: string; error: string; attempts: number; finishedAt: string | null }[];
}

/**
 * Options of {@link queueStatus}.
 *
 * @example
 * ```ts
 * const o: QueueStatusOptions = { queue: 'redis://127.0.0.1:6379', name: 'wsi', limit: 50 };
 * ```
 */
export interface QueueStatusOptions {
  queue: string;
  name?: string;
  /** Failed slides listed at most (default 1000). */
  limit?: number;
  /** Finished jobs the throughput is measured over (default 200). */
  window?: number;
}

/**
 * Throughput in slides per hour from finished jobs' start/end times (ms): `jobs` over the time from the earliest
 * start to the latest end. `null` when nothing finished.
 *
 * @example
 * ```ts
 * slidesPerHour([{ processedOn: 0, finishedOn: 60_000 }, { processedOn: 0, finishedOn: 60_000 }]); // 120
 * ```
 */
export function slidesPerHour(jobs: readonly { processedOn?: number; finishedOn?: number }[]): {
  slidesPerHour: number | null;
  seconds: number;
} {
  const done = jobs.filter((j) => j.finishedOn !== undefined && j.processedOn !== undefined);
  if (!done.length) return { slidesPerHour: null, seconds: 0 };
  const start = Math.min(...done.map((j) => j.processedOn as number));
  const end = Math.max(...done.map((j) => j.finishedOn as number));
  const seconds = Math.max((end - start) / 1000, 1e-3);
  return {
    slidesPerHour: Math.round((done.length / seconds) * 3600 * 10) / 10,
    seconds: Math.round(seconds * 10) / 10,
  };
}

/**
 * Reads the state of a queue: job counts, connected workers, throughput over the latest finished slides, the ETA
 * of the rest and the failed slides with their errors.
 *
 * @throws WsiError `InvalidArgument` for a bad URL, `Io` when Redis cannot be reached.
 * @example
 * ```ts
 * const s = await queueStatus({ queue: 'redis://127.0.0.1:6379' });
 * for (const f of s.failed) console.log(f.slide, f.error);
 * ```
 */
export async function queueStatus(o: QueueStatusOptions): Promise<QueueStatus> {
  const name = o.name ?? DEFAULT_QUEUE_NAME;
  return withQueue<QueueStatus, SlideJobData>({ queue: o.queue, name }, async (queue, target) => {
    const c = await queue.getJobCounts('waiting', 'active', 'completed', 'failed', 'delayed', 'prioritized');
    const counts = {
      waiting: (c.waiting ?? 0) + (c.prioritized ?? 0),
      active: c.active ?? 0,
      completed: c.completed ?? 0,
      failed: c.failed ?? 0,
      delayed: c.delayed ?? 0,
    };
    const recent = await queue.getCompleted(0, (o.window ?? 200) - 1);
    const tp = slidesPerHour(recent);
    const left = counts.waiting + counts.active + counts.delayed;
    const etaSeconds = left === 0 ? 0 : tp.slidesPerHour ? Math.round((left / tp.slidesPerHour) * 3600) : null;
    const failedJobs = await queue.getFailed(0, (o.limit ?? 1000) - 1);
    return {
      queue: displayUrl(target),
      name,
      paused: await queue.isPaused(),
      counts,
      workers: (await queue.getWorkers()).length,
      throughput: { slidesPerHour: tp.slidesPerHour, window: { jobs: recent.length, seconds: tp.seconds } },
      eta: {
        seconds: etaSeconds,
        at: etaSeconds === null ? null : new Date(Date.now() + etaSeconds * 1000).toISOString(),
      },
      failed: failedJobs.map((j) => {
        const d = (j.data ?? {}) as Partial<SlideJobData>;
        return {
          slide: d.slide ?? '?',
          name: d.name ?? '?',
          jobId: j.id ?? '?',
          error: j.failedReason ?? '',
          attempts: j.attemptsMade,
          finishedAt: j.finishedOn === undefined ? null : new Date(j.finishedOn).toISOString(),
        };
      }),
    };
  });
}
