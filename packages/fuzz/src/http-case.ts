/**
 * HTTP range source cases: a local `node:http` server misbehaves per request from a seeded script (wrong
 * Content-Range, short and long bodies, 5xx and 429, connection resets, stalls, ignored ranges, 404), and every
 * read of the core `HttpSource` must either return exactly the right bytes or reject with a typed `Io` (`NotFound`
 * for a 404) error, within a bounded time.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isWsiError, openHttpSource } from '@wsi/core';
import type { CaseFailure } from './outcome.js';
import { Rng } from './rng.js';

/**
 * What the server does with one request.
 * @example
 * ```ts
 * const b: HttpBehaviour = 'stall-body';
 * ```
 */
export type HttpBehaviour =
  | 'ok'
  | 'wrong-range'
  | 'no-content-range'
  | 'short-body'
  | 'long-body'
  | 'bad-length'
  | '500'
  | '503-retry-after'
  | '429'
  | 'reset'
  | 'reset-mid-body'
  | 'stall'
  | 'stall-body'
  | 'ignore-range'
  | '404';

const BEHAVIOURS: readonly HttpBehaviour[] = [
  'ok',
  'ok',
  'ok',
  'wrong-range',
  'no-content-range',
  'short-body',
  'long-body',
  'bad-length',
  '500',
  '503-retry-after',
  '429',
  'reset',
  'reset-mid-body',
  'stall',
  'stall-body',
  'ignore-range',
  '404',
];

const FILE = Uint8Array.from({ length: 64 * 1024 }, (_, i) => (i * 131 + (i >> 8)) & 0xff);
const TIMEOUT_MS = 300;
const RETRIES = 2;
const DELAY_MS = 5;
/** Upper bound of one read: every attempt times out, with backoff and a 1 s Retry-After, plus slack. */
const READ_BOUND_MS = (RETRIES + 1) * (TIMEOUT_MS + 1000 + DELAY_MS * 8) + 1500;

let script: HttpBehaviour[] = [];
let served = 0;
let server: Promise<{ server: Server; url: string }> | undefined;

function respond(req: IncomingMessage, res: ServerResponse): void {
  const b = script[served++] ?? 'ok';
  const m = /bytes=(\d+)-(\d+)/.exec(req.headers.range ?? '');
  const start = m ? Number(m[1]) : 0;
  const end = m ? Math.min(Number(m[2]), FILE.length - 1) : FILE.length - 1;
  const body = FILE.subarray(start, end + 1);
  const head = req.method === 'HEAD';
  const range = (s: number, e: number) => ({ 'content-range': `bytes ${s}-${e}/${FILE.length}` });
  switch (b) {
    case 'ok':
    case 'wrong-range':
    case 'no-content-range':
    case 'bad-length': {
      if (head) {
        res.writeHead(200, { 'content-length': String(FILE.length), 'accept-ranges': 'bytes' });
        res.end();
        return;
      }
      const cr = b === 'wrong-range' ? range(start + 1, end + 1) : b === 'no-content-range' ? {} : range(start, end);
      const len = b === 'bad-length' ? body.length + 3 : body.length;
      res.writeHead(206, { ...cr, 'content-length': String(len) });
      res.end(b === 'bad-length' ? Buffer.concat([body, Buffer.alloc(3)]) : body);
      return;
    }
    case 'short-body':
    case 'long-body': {
      // no Content-Length (chunked): only the byte count tells
      res.writeHead(206, range(start, end));
      res.end(
        b === 'short-body' ? body.subarray(0, Math.max(0, body.length - 1)) : Buffer.concat([body, Buffer.alloc(7)]),
      );
      return;
    }
    case '500':
    case '429':
      res.writeHead(Number(b));
      res.end('busy');
      return;
    case '503-retry-after':
      res.writeHead(503, { 'retry-after': String(served % 2) });
      res.end();
      return;
    case 'reset':
      req.socket.destroy();
      return;
    case 'reset-mid-body':
      res.writeHead(206, { ...range(start, end), 'content-length': String(body.length) });
      res.write(body.subarray(0, body.length >> 1));
      setTimeout(() => req.socket.destroy(), 5);
      return;
    case 'stall':
      return; // never answers; the client's timeout must fire
    case 'stall-body':
      res.writeHead(206, { ...range(start, end), 'content-length': String(body.length) });
      res.write(body.subarray(0, 1));
      return;
    case 'ignore-range':
      res.writeHead(200, { 'content-length': String(FILE.length) });
      res.end(head ? undefined : FILE);
      return;
    case '404':
      res.writeHead(404);
      res.end();
      return;
  }
}

function startServer(): Promise<{ server: Server; url: string }> {
  server ??= new Promise((resolve) => {
    const s = createServer(respond);
    s.keepAliveTimeout = 1000;
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as AddressInfo;
      s.unref();
      resolve({ server: s, url: `http://127.0.0.1:${port}/slide.svs` });
    });
  });
  return server;
}

/**
 * Runs one HTTP case: a script of server behaviours, an open (size probe or given size) and 1–3 reads.
 *
 * @example
 * ```ts
 * const failures = await runHttpCase(7);
 * ```
 */
export async function runHttpCase(caseSeed: number): Promise<CaseFailure[]> {
  const rng = new Rng(caseSeed);
  const { server: s, url } = await startServer();
  script = Array.from({ length: 12 }, () => (rng.chance(0.4) ? 'ok' : rng.pick(BEHAVIOURS)));
  served = 0;
  const failures: CaseFailure[] = [];
  const fail = (step: string, message: string, err?: unknown) =>
    failures.push({
      kind: err === undefined || isWsiError(err) ? 'property' : 'exception',
      step,
      name: err instanceof Error ? err.name : 'Property',
      message: `${message} (script ${script.join(',')})`,
      ...(err instanceof Error && err.stack ? { stack: err.stack } : {}),
    });
  const allowed = (err: unknown) => isWsiError(err, 'Io') || isWsiError(err, 'NotFound');
  const t0 = performance.now();
  try {
    const src = await openHttpSource(url, {
      retries: RETRIES,
      retryDelayMs: DELAY_MS,
      timeoutMs: TIMEOUT_MS,
      ...(rng.chance(0.5) ? { size: FILE.length } : {}),
    });
    if ((await src.size()) !== FILE.length) fail('open', `size ${await src.size()} instead of ${FILE.length}`);
    const reads = 1 + rng.int(3);
    for (let i = 0; i < reads; i++) {
      const offset = rng.int(FILE.length);
      const length = 1 + rng.int(Math.min(8192, FILE.length - offset));
      const r0 = performance.now();
      try {
        const got = await src.read(offset, length);
        const want = FILE.subarray(offset, offset + length);
        if (got.length !== length || !got.every((v, k) => v === want[k]))
          fail('read', `wrong bytes at ${offset}+${length}`);
      } catch (err) {
        if (!allowed(err)) fail('read', `read rejected with ${describe(err)}`, err);
      }
      const ms = performance.now() - r0;
      if (ms > READ_BOUND_MS) fail('read', `read took ${Math.round(ms)} ms (bound ${READ_BOUND_MS} ms)`);
    }
    await src.close();
  } catch (err) {
    if (!allowed(err)) fail('open', `open rejected with ${describe(err)}`, err);
    const ms = performance.now() - t0;
    if (ms > 2 * READ_BOUND_MS) fail('open', `open took ${Math.round(ms)} ms`);
  } finally {
    s.closeAllConnections();
  }
  return failures;
}

function describe(err: unknown): string {
  if (isWsiError(err)) return `WsiError ${err.code}: ${err.message}`;
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}
