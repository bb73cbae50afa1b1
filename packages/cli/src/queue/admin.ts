/**
 * `retryFailed` and `drainQueue`: `wsi queue retry-failed` and `wsi queue drain`.
 */
import { type QueueRef, withQueue } from './open.js';

/**
 * Moves every failed slide back to waiting (with fresh attempts), e.g. after fixing a file or a mount. Resolves to
 * how many were failed.
 *
 * @throws WsiError `InvalidArgument` for a bad URL, `Io` when Redis cannot be reached.
 * @example
 * ```ts
 * const n = await retryFailed({ queue: 'redis://127.0.0.1:6379' });
 * ```
 */
export async function retryFailed(ref: QueueRef): Promise<{ retried: number }> {
  return withQueue(ref, async (q) => {
    const failed = await q.getFailedCount();
    if (failed > 0) await q.retryJobs({ state: 'failed', count: 1000 });
    return { retried: failed };
  });
}

/**
 * Removes the slides not started yet (waiting and delayed); running ones finish. With `all`, the queue is
 * obliterated instead — every job, including the record of finished and failed slides (stop the workers first).
 * The outputs on disk are never touched, and a later submit skips slides whose outputs are complete.
 *
 * @throws WsiError `InvalidArgument` for a bad URL, `Io` when Redis cannot be reached.
 * @example
 * ```ts
 * const { removed } = await drainQueue({ queue: 'redis://127.0.0.1:6379' });
 * ```
 */
export async function drainQueue(ref: QueueRef & { all?: boolean }): Promise<{ removed: number }> {
  return withQueue(ref, async (q) => {
    const c = await q.getJobCounts('waiting', 'delayed', 'prioritized', 'completed', 'failed', 'active');
    const pending = (c.waiting ?? 0) + (c.delayed ?? 0) + (c.prioritized ?? 0);
    if (ref.all) {
      await q.obliterate({ force: true });
      return { removed: Object.values(c).reduce((a, b) => a + b, 0) };
    }
    await q.drain(true);
    return { removed: pending };
  });
}
