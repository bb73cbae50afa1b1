/**
 * Small HTTP helpers of the viewer server: request-path checks, JSON and error replies, a concurrency gate.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isWsiError, WsiError } from '@wsi/core';

/**
 * Longest request target accepted (longer → 414).
 *
 * @example
 * ```ts
 * req.url.length > MAX_URL_LENGTH; // answered 414
 * ```
 */
export const MAX_URL_LENGTH = 2048;

/**
 * Checks a request target and returns its path (query dropped), or an HTTP status to refuse it with:
 * 414 when too long, 400 for anything that is not a plain absolute path (`..` or `.` segments, encoded dots or
 * slashes, backslashes, NUL, `//`, bad percent-encoding).
 *
 * @example
 * ```ts
 * checkPath('/slides/ab.dzi?x=1'); // '/slides/ab.dzi'
 * checkPath('/static/%2e%2e/secret'); // 400
 * ```
 */
export function checkPath(target: string | undefined): string | number {
  if (target === undefined || target.length === 0) return 400;
  if (target.length > MAX_URL_LENGTH) return 414;
  if (!target.startsWith('/')) return 400;
  const path = target.split(/[?#]/, 1)[0] as string;
  let decoded: string;
  try {
    decoded = decodeURIComponent(path);
  } catch {
    return 400;
  }
  if (decoded !== path && /%2e|%2f|%5c|%00/i.test(path)) return 400;
  if (/[\\\0]/.test(decoded) || decoded.includes('//')) return 400;
  if (decoded.split('/').some((seg) => seg === '..' || seg === '.')) return 400;
  return decoded;
}

/**
 * Sends a body with headers (no body for HEAD).
 *
 * @example
 * ```ts
 * send(req, res, 200, Buffer.from('{}'), { 'Content-Type': 'application/json' });
 * ```
 */
export function send(
  req: IncomingMessage,
  res: ServerResponse,
  status: number,
  body: Buffer | string,
  headers: Record<string, string> = {},
): void {
  const buf = typeof body === 'string' ? Buffer.from(body) : body;
  res.writeHead(status, { 'Content-Length': String(buf.length), 'X-Content-Type-Options': 'nosniff', ...headers });
  res.end(req.method === 'HEAD' ? undefined : buf);
}

/**
 * Sends JSON (`Cache-Control: no-cache`).
 *
 * @example
 * ```ts
 * sendJson(req, res, 200, { slides: [] });
 * ```
 */
export function sendJson(req: IncomingMessage, res: ServerResponse, status: number, value: unknown): void {
  send(req, res, status, JSON.stringify(value), {
    'Content-Type': 'application/json; charset=utf-8',
    'Cache-Control': 'no-cache',
  });
}

/**
 * HTTP status of an error: `NotFound` 404, `InvalidArgument`/`OutOfBounds` 400, `UnsupportedFormat`/`CorruptFile`
 * 422, `Aborted` 503, anything else 500.
 *
 * @example
 * ```ts
 * statusOf(new WsiError('NotFound', 'x')); // 404
 * ```
 */
export function statusOf(err: unknown): number {
  if (!isWsiError(err)) return 500;
  switch (err.code) {
    case 'NotFound':
      return 404;
    case 'InvalidArgument':
    case 'OutOfBounds':
      return 400;
    case 'UnsupportedFormat':
    case 'CorruptFile':
      return 422;
    case 'Aborted':
      return 503;
    default:
      return 500;
  }
}

/**
 * Sends `{error: {code, message}}` with the status of `err`; `redact` replaces server paths in the message.
 *
 * @example
 * ```ts
 * sendError(req, res, err, (m) => m.replaceAll('/data/', ''));
 * ```
 */
export function sendError(
  req: IncomingMessage,
  res: ServerResponse,
  err: unknown,
  redact: (message: string) => string = (m) => m,
): void {
  const status = statusOf(err);
  const code = isWsiError(err) ? err.code : 'Internal';
  const message = status === 500 && !isWsiError(err) ? 'internal error' : redact((err as Error).message ?? '');
  if (res.headersSent) {
    res.destroy();
    return;
  }
  sendJson(req, res, status, { error: { code, message } });
}

/**
 * Limits how many tasks run at once; refuses (`Aborted`, HTTP 503) when more than `maxQueue` wait.
 *
 * @example
 * ```ts
 * const gate = new Gate(2, 100);
 * const tile = await gate.run(() => renderTile(slide, rect));
 * ```
 */
export class Gate {
  #active = 0;
  readonly #waiting: (() => void)[] = [];
  constructor(
    readonly concurrency: number,
    readonly maxQueue: number,
  ) {}

  /** Tasks running now. */
  get active(): number {
    return this.#active;
  }

  /** Runs `task` when a slot is free. */
  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.#active >= this.concurrency) {
      if (this.#waiting.length >= this.maxQueue) throw new WsiError('Aborted', 'server busy: too many tile requests');
      await new Promise<void>((resolve) => this.#waiting.push(resolve));
    } else this.#active++;
    try {
      return await task();
    } finally {
      const next = this.#waiting.shift();
      if (next) next();
      else this.#active--;
    }
  }
}
