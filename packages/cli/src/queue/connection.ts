/**
 * The Redis connection of `wsi queue` / `wsi worker`: parsing `redis://HOST:PORT[/DB]` and the ioredis options
 * that let a worker survive a Redis restart.
 */
import { WsiError } from '@wsi/core';
import { UsageError } from '../exit-codes.js';

/**
 * Where the queue lives: a parsed `redis://` or `rediss://` URL.
 *
 * @example
 * ```ts
 * const t: QueueTarget = parseQueueUrl('redis://10.0.0.5:6379/2'); // { host: '10.0.0.5', port: 6379, db: 2, tls: false }
 * ```
 */
export interface QueueTarget {
  host: string;
  port: number;
  db: number;
  username?: string;
  password?: string;
  /** `rediss://`: TLS to the server. */
  tls: boolean;
}

/**
 * The default queue name (`--name`).
 *
 * @example
 * ```ts
 * const queue = new Queue(options.name ?? DEFAULT_QUEUE_NAME, { connection });
 * ```
 */
export const DEFAULT_QUEUE_NAME = 'wsi';

/**
 * Parses a queue URL `redis://[USER:PASSWORD@]HOST[:PORT][/DB]` (or `rediss://` for TLS). The port defaults to
 * 6379, the database to 0.
 *
 * @throws WsiError `InvalidArgument` for another scheme, a bad port or database, or a path after the database.
 * @example
 * ```ts
 * parseQueueUrl('redis://127.0.0.1:6380/1'); // { host: '127.0.0.1', port: 6380, db: 1, tls: false }
 * ```
 */
export function parseQueueUrl(url: string): QueueTarget {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new WsiError('InvalidArgument', `queue URL must look like redis://HOST:PORT[/DB], got '${url}'`);
  }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:')
    throw new WsiError('InvalidArgument', `queue URL must start with redis:// or rediss://, got '${url}'`);
  if (!u.hostname) throw new WsiError('InvalidArgument', `queue URL has no host: '${url}'`);
  const port = u.port === '' ? 6379 : Number(u.port);
  if (!(Number.isInteger(port) && port >= 1 && port <= 65535))
    throw new WsiError('InvalidArgument', `queue URL port must be 1..65535, got '${u.port}'`);
  const path = u.pathname.replace(/^\/+/, '');
  if (!/^\d{0,3}$/.test(path))
    throw new WsiError('InvalidArgument', `queue URL database must be a number (redis://HOST:PORT/DB), got '/${path}'`);
  const db = path === '' ? 0 : Number(path);
  if (u.search || u.hash) throw new WsiError('InvalidArgument', `queue URL takes no query or fragment: '${url}'`);
  const host = u.hostname.replace(/^\[(.*)\]$/, '$1');
  return {
    host,
    port,
    db,
    ...(u.username ? { username: decodeURIComponent(u.username) } : {}),
    ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
    tls: u.protocol === 'rediss:',
  };
}

/**
 * The URL of a target without its password (for logs and `wsi queue status`).
 *
 * @example
 * ```ts
 * displayUrl(parseQueueUrl('redis://u:secret@h:6379/1')); // 'redis://u@h:6379/1'
 * ```
 */
export function displayUrl(t: QueueTarget): string {
  const user = t.username ? `${encodeURIComponent(t.username)}@` : '';
  const host = t.host.includes(':') ? `[${t.host}]` : t.host;
  return `${t.tls ? 'rediss' : 'redis'}://${user}${host}:${t.port}/${t.db}`;
}

/**
 * Delay before the `times`-th reconnection attempt: exponential from 200 ms, capped at `maxMs` (never gives up, so a
 * restarted Redis is found again).
 *
 * @example
 * ```ts
 * reconnectDelay(1); // 200
 * reconnectDelay(10); // 5000
 * ```
 */
export function reconnectDelay(times: number, maxMs = 5000): number {
  return Math.min(200 * 2 ** Math.max(0, Math.min(times - 1, 16)), maxMs);
}

/**
 * A commander parser for `--queue URL`: checks it with {@link parseQueueUrl} and keeps the text.
 *
 * @throws UsageError (exit 2) for a bad URL.
 * @example
 * ```ts
 * cmd.requiredOption('--queue <url>', 'redis://HOST:PORT[/DB]', queueUrlOption);
 * ```
 */
export function queueUrlOption(value: string): string {
  try {
    parseQueueUrl(value);
  } catch (err) {
    throw new UsageError(`--queue: ${(err as Error).message}`);
  }
  return value;
}

/**
 * ioredis options (what BullMQ's `connection` takes).
 *
 * @example
 * ```ts
 * const connection: RedisConnectionOptions = connectionOptions(parseQueueUrl('redis://queue-host:6379/2'), 'worker');
 * ```
 */
export type RedisConnectionOptions = {
  host: string;
  port: number;
  db: number;
  username?: string;
  password?: string;
  tls?: Record<string, never>;
  maxRetriesPerRequest: number | null;
  retryStrategy: (times: number) => number;
  connectTimeout: number;
  enableOfflineQueue: boolean;
};

/**
 * The ioredis options of a queue target. Workers (`role: 'worker'`) retry every command until Redis answers again
 * (`maxRetriesPerRequest: null`, which BullMQ requires for workers); the short-lived commands (`submit`, `status`,
 * `retry-failed`, `drain`) give up after a few attempts so they fail instead of hanging when Redis is down.
 *
 * @example
 * ```ts
 * const connection = connectionOptions(parseQueueUrl('redis://127.0.0.1:6379'), 'worker');
 * new Worker('wsi', processor, { connection });
 * ```
 */
export function connectionOptions(t: QueueTarget, role: 'worker' | 'client'): RedisConnectionOptions {
  const worker = role === 'worker';
  return {
    host: t.host,
    port: t.port,
    db: t.db,
    ...(t.username === undefined ? {} : { username: t.username }),
    ...(t.password === undefined ? {} : { password: t.password }),
    ...(t.tls ? { tls: {} } : {}),
    maxRetriesPerRequest: worker ? null : 2,
    retryStrategy: (times) => reconnectDelay(times, worker ? 5000 : 1000),
    connectTimeout: 10_000,
    enableOfflineQueue: true,
  };
}

/**
 * A Redis/BullMQ failure as a `WsiError('Io')` naming the server (WsiErrors pass through).
 *
 * @example
 * ```ts
 * throw asQueueError(err, '127.0.0.1', 6379);
 * ```
 */
export function asQueueError(err: unknown, host: string, port: number): Error {
  if (err instanceof WsiError) return err;
  const msg = err instanceof Error ? err.message : String(err);
  return new WsiError('Io', `queue at ${host}:${port}: ${msg}`, { cause: err });
}
