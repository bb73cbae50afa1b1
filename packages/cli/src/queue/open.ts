/**
 * Opening a BullMQ `Queue` for the short-lived commands, failing fast when Redis cannot be reached.
 */
import { WsiError } from '@wsi/core';
import { Queue } from 'bullmq';
import { asQueueError, connectionOptions, DEFAULT_QUEUE_NAME, parseQueueUrl, type QueueTarget } from './connection.js';

/**
 * Which queue: its URL and name.
 *
 * @example
 * ```ts
 * const q: QueueRef = { queue: 'redis://127.0.0.1:6379', name: 'wsi' };
 * ```
 */
export interface QueueRef {
  queue: string;
  /** Queue name (default `wsi`). */
  name?: string;
}

/**
 * Runs `fn` with a connected `Queue` and closes it after. Redis errors become `WsiError('Io')`; when Redis does not
 * answer within `timeoutMs` (default 10,000) it fails instead of waiting forever.
 *
 * @throws WsiError `InvalidArgument` for a bad URL, `Io` when Redis cannot be reached.
 * @example
 * ```ts
 * const n = await withQueue({ queue: 'redis://127.0.0.1:6379' }, (q) => q.count());
 * ```
 */
export async function withQueue<T, D = unknown>(
  ref: QueueRef,
  fn: (q: Queue<D>, target: QueueTarget) => Promise<T>,
  timeoutMs = 10_000,
): Promise<T> {
  const target = parseQueueUrl(ref.queue);
  const queue = new Queue<D>(ref.name ?? DEFAULT_QUEUE_NAME, { connection: connectionOptions(target, 'client') });
  let lastError: unknown;
  queue.on('error', (err) => {
    lastError = err;
  });
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      queue.waitUntilReady(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          const why = lastError instanceof Error ? lastError.message : 'no answer';
          reject(new WsiError('Io', `cannot reach the queue's Redis at ${target.host}:${target.port}: ${why}`));
        }, timeoutMs);
      }),
    ]);
    return await fn(queue, target);
  } catch (err) {
    throw asQueueError(err, target.host, target.port);
  } finally {
    clearTimeout(timer);
    await queue.close().catch(() => {});
  }
}
