/**
 * `startWorker`: a BullMQ worker that runs `runSlide` on the queue's slide jobs (`wsi worker`).
 */
import { type Job, Queue, Worker } from 'bullmq';
import type { SlideRunResult } from '../run/index.js';
import { connectionOptions, DEFAULT_QUEUE_NAME, parseQueueUrl } from './connection.js';
import { type SlideJobData, THREADS_ENV } from './job.js';
import type { SlideJobProgress } from './slide-processor.js';

/**
 * What a worker reports (the `wsi worker` log lines).
 *
 * @example
 * ```ts
 * const onEvent = (e: WorkerEvent) => e.type === 'failed' && console.error(e.name, e.error.message);
 * ```
 */
export type WorkerEvent =
  | { type: 'start'; jobId: string; name: string; slide: string; attempt: number }
  | { type: 'done'; jobId: string; name: string; result: SlideRunResult; seconds: number }
  | { type: 'failed'; jobId: string; name: string; error: { code: string; message: string }; retry: boolean }
  | { type: 'handed-back'; jobId: string; name: string }
  | { type: 'cleaned'; jobId: string; name: string; files: number }
  | { type: 'error'; message: string };

/**
 * Options of {@link startWorker} (the flags of `wsi worker`).
 *
 * @example
 * ```ts
 * const o: QueueWorkerOptions = { queue: 'redis://10.0.0.5:6379', concurrency: 2 };
 * ```
 */
export interface QueueWorkerOptions {
  /** `redis://HOST:PORT[/DB]`. */
  queue: string;
  /** Queue name (default `wsi`). */
  name?: string;
  /** Slides processed at once by this process (default 1). */
  concurrency?: number;
  /** How long a job's lock lasts without a heartbeat, ms (default 60,000; renewed every half of it). A killed
   * worker's slide goes back to the queue after about this long. */
  lockDurationMs?: number;
  /** How often this worker looks for jobs whose lock expired, ms (default 30,000). */
  stalledIntervalMs?: number;
  /** How many times a slide may lose its worker before it is failed (default 3). */
  maxStalledCount?: number;
  /** Inference threads (overrides the submitted `threads`). */
  threads?: number;
  onEvent?: (e: WorkerEvent) => void;
}

/**
 * A running worker.
 *
 * @example
 * ```ts
 * const w = await startWorker({ queue: 'redis://127.0.0.1:6379' });
 * process.once('SIGTERM', () => void w.close(30_000));
 * ```
 */
export interface QueueWorker {
  /** The BullMQ worker. */
  readonly worker: Worker<SlideJobData, SlideRunResult>;
  /**
   * Stops taking jobs and waits for the current ones; after `graceMs` (default 30,000) they are aborted and handed
   * back to the queue (waiting again, no attempt used). Resolves when the worker and its children are closed.
   */
  close(graceMs?: number): Promise<void>;
  /**
   * Resolves `true` once nothing is waiting, delayed or running in the queue (checked every `pollMs`, default
   * 1,000), or `false` when `signal` aborts first.
   */
  whenEmpty(pollMs?: number, signal?: AbortSignal): Promise<boolean>;
}

/**
 * Starts a worker on the queue: each job is one `runSlide` (its outputs idempotent and written atomically, so a
 * slide run twice gives the same files), run in a child process (BullMQ sandboxed processor, one per
 * `concurrency` slot, models kept loaded) so that heavy work never delays the lock heartbeats. A slide that fails
 * with `CorruptFile`, `UnsupportedFormat`, `NotFound` or `InvalidArgument` fails at once; other errors are retried
 * with exponential backoff (the job's `attempts`). A worker that dies (SIGKILL, lost machine) lets its slide go
 * back to the queue when its lock expires. Redis connections reconnect forever, so a Redis restart only pauses the
 * work.
 *
 * @throws WsiError `InvalidArgument` for a bad queue URL or option.
 * @example
 * ```ts
 * import { startWorker } from '@wsi/cli';
 * const w = await startWorker({ queue: 'redis://127.0.0.1:6379', concurrency: 1,
 *   onEvent: (e) => console.error(e.type) });
 * await w.close();
 * ```
 */
export async function startWorker(o: QueueWorkerOptions): Promise<QueueWorker> {
  const target = parseQueueUrl(o.queue);
  const emit = o.onEvent ?? (() => {});
  const processor = new URL('./slide-processor.js', import.meta.url);
  const worker = new Worker<SlideJobData, SlideRunResult>(o.name ?? DEFAULT_QUEUE_NAME, processor, {
    connection: connectionOptions(target, 'worker'),
    concurrency: o.concurrency ?? 1,
    lockDuration: o.lockDurationMs ?? 60_000,
    stalledInterval: o.stalledIntervalMs ?? 30_000,
    maxStalledCount: o.maxStalledCount ?? 3,
    ...(o.threads === undefined
      ? {}
      : { workerForkOptions: { env: { ...process.env, [THREADS_ENV]: String(o.threads) } } }),
  });
  const ident = (job: Job<SlideJobData>) => ({ jobId: job.id ?? '?', name: job.data?.name ?? '?' });
  worker.on('active', (job) => {
    emit({ type: 'start', ...ident(job), slide: job.data?.slide ?? '?', attempt: job.attemptsMade + 1 });
  });
  worker.on('progress', (job, progress) => {
    const p = progress as SlideJobProgress;
    if (typeof p !== 'object' || p === null) return;
    if ('handedBack' in p) emit({ type: 'handed-back', ...ident(job) });
    else if ('cleaned' in p) emit({ type: 'cleaned', ...ident(job), files: p.cleaned });
  });
  worker.on('completed', (job, result) => {
    const seconds = ((job.finishedOn ?? Date.now()) - (job.processedOn ?? Date.now())) / 1000;
    emit({ type: 'done', ...ident(job), result, seconds });
  });
  worker.on('failed', (job, err) => {
    if (!job) return;
    const m = /^\[(\w+)\] ([\s\S]*)$/.exec(err.message);
    const error = m ? { code: m[1] as string, message: m[2] as string } : { code: 'Io', message: err.message };
    const retry = err.name !== 'UnrecoverableError' && job.attemptsMade < (job.opts.attempts ?? 1);
    emit({ type: 'failed', ...ident(job), error, retry });
  });
  let lastError = '';
  let lastErrorAt = 0;
  worker.on('error', (err) => {
    const message = err instanceof Error ? err.message : String(err);
    const now = Date.now();
    if (message !== lastError || now - lastErrorAt > 10_000) emit({ type: 'error', message });
    lastError = message;
    lastErrorAt = now;
  });

  let closing: Promise<void> | undefined;
  return {
    worker,
    close(graceMs = 30_000) {
      closing ??= (async () => {
        const timer = setTimeout(() => worker.cancelAllJobs('wsi worker is shutting down'), graceMs);
        try {
          await worker.close();
        } finally {
          clearTimeout(timer);
        }
      })();
      if (graceMs <= 0) worker.cancelAllJobs('wsi worker is shutting down');
      return closing;
    },
    async whenEmpty(pollMs = 1000, signal?: AbortSignal) {
      const queue = new Queue(worker.name, { connection: connectionOptions(target, 'worker') });
      queue.on('error', () => {});
      try {
        while (!signal?.aborted) {
          const c = await queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized');
          if (Object.values(c).every((n) => n === 0)) return true;
          await new Promise((r) => setTimeout(r, pollMs));
        }
        return false;
      } finally {
        await queue.close().catch(() => {});
      }
    },
  };
}
