import { isWsiError, WsiError } from '../errors.js';
import type { ByteSource, ReadOptions } from './byte-source.js';
import { abortedError, checkRange, closedError } from './range.js';

/**
 * Options of {@link openHttpSource}.
 *
 * @example
 * ```ts
 * const opts: HttpSourceOptions = { headers: { authorization: `Bearer ${token}` }, retries: 5, timeoutMs: 60_000 };
 * ```
 */
export interface HttpSourceOptions {
  /** Extra request headers (authorisation, cookies). Sent with every request. */
  headers?: Record<string, string> | Headers;
  /** Retries after a 5xx, 429, network error, timeout or malformed range response. Default 3. */
  retries?: number;
  /** Base of the exponential, jittered backoff between retries, in ms. Default 250. */
  retryDelayMs?: number;
  /** Per-request timeout (headers and body), in ms. Default 30 000. */
  timeoutMs?: number;
  /** The `fetch` to use (a proxy agent, a test double). Default: the global `fetch`. */
  fetch?: typeof globalThis.fetch;
  /** The size, when already known: skips the size request at open. */
  size?: number;
  /** Cancels opening (the size request). */
  signal?: AbortSignal;
}

const MAX_RETRY_AFTER_MS = 10_000;

/** A failure worth another attempt, carrying the error to report when attempts run out. */
class Retryable {
  constructor(
    readonly error: WsiError,
    readonly retryAfterMs = 0,
  ) {}
}

/**
 * A remote file read with HTTP `Range` requests (S3/GCS signed URLs, static servers, CDNs). Every read is one
 * ranged GET that must answer `206` with a matching `Content-Range` and exactly the requested bytes; failures
 * that may be transient are retried with jittered exponential backoff. Wrap it in a {@link BlockCache}
 * (as {@link openByteSource} does) for the many small reads of a TIFF parser.
 *
 * `description` is the URL without query string or credentials, so signed URLs never reach error messages.
 *
 * @example
 * ```ts
 * import { HttpSource } from '@wsi/core';
 * const src = await HttpSource.open('https://example.org/CMU-1.svs', { headers: { authorization: 'Bearer …' } });
 * const header = await src.read(0, 8);
 * ```
 */
export class HttpSource implements ByteSource {
  readonly description: string;
  readonly #url: string;
  readonly #headers: Headers;
  readonly #retries: number;
  readonly #retryDelayMs: number;
  readonly #timeoutMs: number;
  readonly #fetch: typeof globalThis.fetch;
  readonly #inflight = new Set<AbortController>();
  #size = 0;
  #closed = false;

  private constructor(url: URL, options: HttpSourceOptions) {
    this.#url = url.href;
    this.description = `${url.origin}${url.pathname}`;
    this.#headers = new Headers(options.headers);
    if (!this.#headers.has('accept-encoding')) this.#headers.set('accept-encoding', 'identity');
    this.#retries = nonNegative(options.retries ?? 3, 'retries');
    this.#retryDelayMs = nonNegative(options.retryDelayMs ?? 250, 'retryDelayMs');
    this.#timeoutMs = nonNegative(options.timeoutMs ?? 30_000, 'timeoutMs');
    this.#fetch = options.fetch ?? globalThis.fetch;
  }

  /**
   * Opens `url`, learning its size from a `HEAD` (Content-Length) or, when HEAD is refused, from the
   * `Content-Range` of a `Range: bytes=0-0` GET.
   *
   * @example
   * ```ts
   * const src = await HttpSource.open(new URL('https://example.org/a.svs'), { retries: 5 });
   * ```
   */
  static async open(url: string | URL, options: HttpSourceOptions = {}): Promise<HttpSource> {
    let u: URL;
    try {
      u = new URL(url);
    } catch (err) {
      throw new WsiError('InvalidArgument', `not a valid URL: ${String(url).replace(/[?#].*$/s, '')}`, { cause: err });
    }
    if (u.protocol !== 'http:' && u.protocol !== 'https:') {
      throw new WsiError('InvalidArgument', `HttpSource needs an http(s) URL, got ${u.protocol}`);
    }
    const src = new HttpSource(u, options);
    if (options.size !== undefined) {
      if (!Number.isSafeInteger(options.size) || options.size < 0) {
        throw new WsiError('InvalidArgument', `size must be a non-negative integer, got ${options.size}`);
      }
      src.#size = options.size;
    } else {
      src.#size = await src.#probeSize(options.signal);
    }
    return src;
  }

  /** The remote size in bytes, as learnt at open. */
  async size(): Promise<number> {
    return this.#size;
  }

  /** One ranged GET for exactly `length` bytes at `offset` (retried on transient failures). */
  async read(offset: number, length: number, options: ReadOptions = {}): Promise<Uint8Array> {
    const { signal } = options;
    if (signal?.aborted) throw abortedError(signal, this.description);
    if (this.#closed) throw closedError(this.description);
    checkRange(this.description, offset, length, this.#size);
    if (length === 0) return new Uint8Array(0);
    const end = offset + length - 1;
    return this.#attempt('GET', `bytes=${offset}-${end}`, signal, async (res, sig) => {
      if (res.status === 200) throw await this.#rangeUnsupported(res);
      this.#checkStatus(res);
      if (res.status !== 206) {
        await discard(res);
        throw this.#io(`unexpected HTTP ${res.status} for a range request`, { status: res.status });
      }
      const cr = parseContentRange(res.headers.get('content-range'));
      if (!cr || cr.start !== offset || cr.end !== end) {
        await discard(res);
        throw new Retryable(
          this.#io(
            `Content-Range '${res.headers.get('content-range')}' does not match the requested bytes ${offset}-${end}`,
            {
              reason: 'bad-content-range',
            },
          ),
        );
      }
      if (cr.total !== undefined && cr.total !== this.#size) {
        await discard(res);
        throw this.#io(`the remote file changed size (${this.#size} → ${cr.total}) while open`, { reason: 'changed' });
      }
      return this.#readBody(res, length, sig);
    });
  }

  /** Aborts requests in flight; further reads reject with `InvalidArgument`. */
  async close(): Promise<void> {
    this.#closed = true;
    for (const c of this.#inflight) c.abort();
    this.#inflight.clear();
  }

  async #probeSize(signal: AbortSignal | undefined): Promise<number> {
    // HEAD first (cheap); any answer other than a usable 200 — 405, a presigned URL signed for GET only (403),
    // a missing Content-Length — falls back to a one-byte ranged GET, which decides authoritatively.
    try {
      const size = await this.#attempt(
        'HEAD',
        undefined,
        signal,
        async (res) => {
          await discard(res);
          if (res.status === 404 || res.status === 410) this.#checkStatus(res);
          const len = res.headers.get('content-length');
          if (res.status !== 200 || len === null || !/^\d+$/.test(len.trim())) return undefined;
          if (res.headers.get('accept-ranges')?.trim().toLowerCase() === 'none') {
            throw this.#io('the server does not support HTTP Range requests (Accept-Ranges: none)', {
              reason: 'range-unsupported',
            });
          }
          return Number(len.trim());
        },
        0,
      );
      if (size !== undefined) return size;
    } catch (err) {
      if (isWsiError(err) && (err.code !== 'Io' || err.details?.reason === 'range-unsupported')) throw err;
    }
    return this.#attempt('GET', 'bytes=0-0', signal, async (res) => {
      if (res.status === 200) throw await this.#rangeUnsupported(res);
      if (res.status === 416) {
        await discard(res);
        const m = /^\s*bytes\s+\*\/(\d+)\s*$/i.exec(res.headers.get('content-range') ?? '');
        if (m) return Number(m[1]);
      }
      this.#checkStatus(res);
      await discard(res);
      const cr = parseContentRange(res.headers.get('content-range'));
      if (res.status !== 206 || !cr || cr.start !== 0) {
        throw this.#io(
          `cannot learn the size: HTTP ${res.status}, Content-Range '${res.headers.get('content-range')}'`,
          {
            status: res.status,
          },
        );
      }
      if (cr.total === undefined) {
        throw this.#io('the server does not report the total size (Content-Range: bytes 0-0/*)', {
          reason: 'size-unknown',
        });
      }
      return cr.total;
    });
  }

  /** Runs one request with retries; `handle` returns a value, throws a fatal WsiError or a Retryable. */
  async #attempt<T>(
    method: string,
    range: string | undefined,
    signal: AbortSignal | undefined,
    handle: (res: Response, signal: AbortSignal) => Promise<T>,
    retries = this.#retries,
  ): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      if (signal?.aborted) throw abortedError(signal, this.description);
      if (this.#closed) throw closedError(this.description);
      // One controller per request, fired by the timeout, the caller's signal or close(). (No AbortSignal.any
      // over long-lived signals: each read would leave a dependant behind on them.)
      const ctrl = new AbortController();
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        ctrl.abort(new DOMException(`timed out after ${this.#timeoutMs} ms`, 'TimeoutError'));
      }, this.#timeoutMs);
      const onCallerAbort = () => ctrl.abort(signal?.reason);
      signal?.addEventListener('abort', onCallerAbort, { once: true });
      this.#inflight.add(ctrl);
      const headers = new Headers(this.#headers);
      if (range) headers.set('range', range);
      let failure: Retryable;
      try {
        const res = await this.#fetch(this.#url, { method, headers, signal: ctrl.signal, redirect: 'follow' });
        return await handle(res, ctrl.signal);
      } catch (err) {
        if (signal?.aborted) throw abortedError(signal, this.description);
        if (this.#closed) throw closedError(this.description);
        if (err instanceof Retryable) failure = err;
        else if (isWsiError(err)) throw err;
        else if (timedOut) {
          failure = new Retryable(
            this.#io(`request timed out after ${this.#timeoutMs} ms`, { reason: 'timeout' }, err),
          );
        } else {
          const why =
            err instanceof Error ? (err.cause instanceof Error ? err.cause.message : err.message) : String(err);
          failure = new Retryable(this.#io(`network error: ${stripQuery(why)}`, { reason: 'network' }, err));
        }
      } finally {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onCallerAbort);
        this.#inflight.delete(ctrl);
      }
      if (attempt >= retries) {
        const e = failure.error;
        if (retries > 0) (e.details as Record<string, unknown>).attempts = attempt + 1;
        throw e;
      }
      const backoff = this.#retryDelayMs * 2 ** attempt * (0.5 + Math.random());
      await sleep(Math.max(backoff, failure.retryAfterMs), signal, this.description);
    }
  }

  /** Throws for statuses that are never a success: NotFound, auth failures, retryable 5xx/429. */
  #checkStatus(res: Response): void {
    const s = res.status;
    if (s >= 200 && s < 300) return;
    void discard(res);
    if (s === 404 || s === 410) {
      throw new WsiError('NotFound', `${this.description}: HTTP ${s} (no such remote file)`, {
        details: { url: this.description, status: s },
      });
    }
    if (s === 401 || s === 403) {
      throw this.#io(
        `HTTP ${s} ${s === 401 ? 'unauthorised' : 'forbidden'} (check credentials or the signed URL's expiry)`,
        {
          status: s,
        },
      );
    }
    if (s === 429 || s >= 500) {
      throw new Retryable(this.#io(`HTTP ${s}`, { status: s }), retryAfterMs(res.headers.get('retry-after')));
    }
    throw this.#io(`unexpected HTTP ${s}`, { status: s });
  }

  async #rangeUnsupported(res: Response): Promise<WsiError> {
    await discard(res);
    return this.#io('the server ignored the Range header (HTTP 200 with the whole file); it must support byte ranges', {
      status: 200,
      reason: 'range-unsupported',
    });
  }

  /** Streams exactly `length` body bytes into one buffer; a short or long body is retryable. */
  async #readBody(res: Response, length: number, signal: AbortSignal): Promise<Uint8Array> {
    const declared = res.headers.get('content-length');
    if (declared !== null && /^\d+$/.test(declared.trim()) && Number(declared) !== length) {
      await discard(res);
      throw new Retryable(
        this.#io(`Content-Length ${declared} does not match the ${length} bytes requested`, { reason: 'bad-length' }),
      );
    }
    const out = new Uint8Array(length);
    let filled = 0;
    if (!res.body) throw new Retryable(this.#io('empty response body', { reason: 'short-body', expected: length }));
    const reader = res.body.getReader();
    try {
      for (;;) {
        if (signal.aborted) throw signal.reason;
        const { done, value } = await reader.read();
        if (done) break;
        if (filled + value.length > length) {
          throw new Retryable(
            this.#io(`the response body is longer than the ${length} bytes requested`, { reason: 'long-body' }),
          );
        }
        out.set(value, filled);
        filled += value.length;
      }
    } catch (err) {
      await reader.cancel().catch(() => {});
      throw err;
    }
    if (filled !== length) {
      throw new Retryable(
        this.#io(`short response body: ${filled} of ${length} bytes`, {
          reason: 'short-body',
          expected: length,
          received: filled,
        }),
      );
    }
    return out;
  }

  #io(message: string, details: Record<string, unknown>, cause?: unknown): WsiError {
    return new WsiError('Io', `${this.description}: ${message}`, {
      details: { url: this.description, ...details },
      ...(cause === undefined ? {} : { cause }),
    });
  }
}

/**
 * Opens a remote file for ranged reads; see {@link HttpSource}.
 *
 * @example
 * ```ts
 * import { openHttpSource } from '@wsi/core';
 * const src = await openHttpSource('https://bucket.s3.amazonaws.com/a.svs?X-Amz-Signature=…', { retries: 5 });
 * console.log(src.description); // 'https://bucket.s3.amazonaws.com/a.svs'
 * ```
 */
export function openHttpSource(url: string | URL, options: HttpSourceOptions = {}): Promise<HttpSource> {
  return HttpSource.open(url, options);
}

function parseContentRange(v: string | null): { start: number; end: number; total: number | undefined } | undefined {
  const m = /^\s*bytes\s+(\d+)-(\d+)\/(\d+|\*)\s*$/i.exec(v ?? '');
  if (!m) return undefined;
  return { start: Number(m[1]), end: Number(m[2]), total: m[3] === '*' ? undefined : Number(m[3]) };
}

function retryAfterMs(v: string | null): number {
  if (!v) return 0;
  const s = v.trim();
  const ms = /^\d+$/.test(s) ? Number(s) * 1000 : Date.parse(s) - Date.now();
  return Number.isFinite(ms) ? Math.min(Math.max(ms, 0), MAX_RETRY_AFTER_MS) : 0;
}

async function discard(res: Response): Promise<void> {
  if (res.body && !res.bodyUsed) await res.body.cancel().catch(() => {});
}

function stripQuery(s: string): string {
  return s.replace(/(https?:\/\/[^\s?#]*)[?#]\S*/gi, '$1');
}

function nonNegative(v: number, name: string): number {
  if (!(Number.isFinite(v) && v >= 0))
    throw new WsiError('InvalidArgument', `${name} must be a non-negative number, got ${v}`);
  return v;
}

function sleep(ms: number, signal: AbortSignal | undefined, description: string): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(abortedError(signal, description));
    const onAbort = () => {
      clearTimeout(t);
      reject(abortedError(signal as AbortSignal, description));
    };
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
