import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpSource, openHttpSource } from '../src/bytes/http-source.js';
import { isWsiError, type WsiError } from '../src/errors.js';
import { diff, pattern } from './bytes-helpers.js';
import { startServer, type TestServer } from './http-server.js';

const DATA = pattern(100_000, 7);
const fast = { retryDelayMs: 1 };
let srv: TestServer;

beforeAll(async () => {
  srv = await startServer({
    '/slide.svs': { data: DATA },
    '/nohead.svs': { data: DATA, noHead: true },
    '/norange.svs': { data: DATA, ignoreRange: true },
    '/norange-nohead.svs': { data: DATA, ignoreRange: true, noHead: true },
    '/flaky.svs': { data: DATA, failFirst: 2 },
    '/busy.svs': { data: DATA, failFirst: 1, failStatus: 429 },
    '/down.svs': { data: DATA, failFirst: 1000 },
    '/gone.svs': { data: DATA, status: 410 },
    '/forbidden.svs': { data: DATA, status: 403 },
    '/short.svs': { data: DATA, shortFirst: 1000 },
    '/short-once.svs': { data: DATA, shortFirst: 2 },
    '/wrong.svs': { data: DATA, wrongRange: true },
    '/slow.svs': { data: DATA, delayMs: 2000 },
    '/empty.bin': { data: new Uint8Array(0), noHead: true },
  });
});
afterAll(() => srv.close());

async function rejection(p: Promise<unknown>): Promise<WsiError> {
  try {
    await p;
  } catch (err) {
    if (isWsiError(err)) return err;
    throw err;
  }
  throw new Error('expected a rejection');
}

const rangesFor = (path: string) => srv.requests.filter((r) => r.path === path);

describe('HttpSource', () => {
  it('learns the size from HEAD and reads exact ranges', async () => {
    const src = await openHttpSource(`${srv.base}/slide.svs`);
    expect(await src.size()).toBe(DATA.length);
    expect(diff(await src.read(0, 16), DATA.subarray(0, 16))).toBe('equal');
    expect(diff(await src.read(99_990, 10), DATA.subarray(99_990))).toBe('equal');
    expect(await src.read(5, 0)).toEqual(new Uint8Array(0));
    const reads = await Promise.all([1, 2, 3, 4].map((k) => src.read(k * 10_000, 5000)));
    reads.forEach((r, i) => {
      expect(diff(r, DATA.subarray((i + 1) * 10_000, (i + 1) * 10_000 + 5000))).toBe('equal');
    });
    expect(
      rangesFor('/slide.svs')
        .filter((r) => r.method === 'GET')
        .map((r) => r.range),
    ).toContain('bytes=99990-99999');
  });

  it('rejects past-end and bad ranges before requesting', async () => {
    const src = await openHttpSource(`${srv.base}/slide.svs`);
    const before = srv.requests.length;
    expect((await rejection(src.read(99_999, 2))).code).toBe('CorruptFile');
    expect((await rejection(src.read(-1, 2))).code).toBe('InvalidArgument');
    expect((await rejection(src.read(0, 1.5))).code).toBe('InvalidArgument');
    expect(srv.requests.length).toBe(before);
  });

  it('falls back to a ranged GET when HEAD is refused', async () => {
    const src = await openHttpSource(`${srv.base}/nohead.svs`);
    expect(await src.size()).toBe(DATA.length);
    const reqs = rangesFor('/nohead.svs');
    expect(reqs.map((r) => `${r.method} ${r.range ?? ''}`)).toEqual(['HEAD ', 'GET bytes=0-0']);
    expect(diff(await src.read(100, 3), DATA.subarray(100, 103))).toBe('equal');
  });

  it('reports the size of an empty remote file (416 with bytes */0)', async () => {
    const src = await openHttpSource(`${srv.base}/empty.bin`);
    expect(await src.size()).toBe(0);
  });

  it('a server that ignores Range is a typed Io error, at open or at read', async () => {
    const atOpen = await rejection(openHttpSource(`${srv.base}/norange-nohead.svs`, fast));
    expect(atOpen.code).toBe('Io');
    expect(atOpen.details?.reason).toBe('range-unsupported');
    expect(atOpen.message).toMatch(/Range/);
    const src = await openHttpSource(`${srv.base}/norange.svs`, fast);
    const atRead = await rejection(src.read(10, 10));
    expect(atRead.code).toBe('Io');
    expect(atRead.details?.reason).toBe('range-unsupported');
    expect(rangesFor('/norange.svs').filter((r) => r.method === 'GET')).toHaveLength(1); // not retried
  });

  it('retries 500 and 429, then succeeds', async () => {
    const src = await openHttpSource(`${srv.base}/flaky.svs`, fast);
    expect(diff(await src.read(0, 4), DATA.subarray(0, 4))).toBe('equal');
    // HEAD failed once (no retry for HEAD), GET 0-0 failed once then OK, then the read.
    expect(srv.counts.get('/flaky.svs')).toBe(4);
    const busy = await openHttpSource(`${srv.base}/busy.svs`, fast);
    expect(diff(await busy.read(1, 2), DATA.subarray(1, 3))).toBe('equal');
  });

  it('gives up after `retries` with an Io error carrying the status', async () => {
    const err = await rejection(openHttpSource(`${srv.base}/down.svs`, { ...fast, retries: 2 }));
    expect(err.code).toBe('Io');
    expect(err.details?.status).toBe(500);
    expect(err.details?.attempts).toBe(3);
  });

  it('maps 404/410 to NotFound and 403 to Io without retrying', async () => {
    expect((await rejection(openHttpSource(`${srv.base}/nothing.svs`, fast))).code).toBe('NotFound');
    expect((await rejection(openHttpSource(`${srv.base}/gone.svs`, fast))).code).toBe('NotFound');
    const before = srv.counts.get('/forbidden.svs') ?? 0;
    const err = await rejection(openHttpSource(`${srv.base}/forbidden.svs`, fast));
    expect(err.code).toBe('Io');
    expect(err.details?.status).toBe(403);
    expect((srv.counts.get('/forbidden.svs') ?? 0) - before).toBe(2); // HEAD, then one GET
  });

  it('retries short bodies, then fails with Io', async () => {
    const once = await openHttpSource(`${srv.base}/short-once.svs`, { ...fast, size: DATA.length });
    expect(diff(await once.read(1000, 2000), DATA.subarray(1000, 3000))).toBe('equal');
    expect(srv.counts.get('/short-once.svs')).toBe(3);
    const src = await openHttpSource(`${srv.base}/short.svs`, { ...fast, size: DATA.length, retries: 1 });
    const err = await rejection(src.read(0, 1000));
    expect(err.code).toBe('Io');
    expect(err.details?.reason).toBe('short-body');
    expect(srv.counts.get('/short.svs')).toBe(2);
  });

  it('rejects a Content-Range that does not match the request', async () => {
    const src = await openHttpSource(`${srv.base}/wrong.svs`, { ...fast, size: DATA.length, retries: 1 });
    const err = await rejection(src.read(10, 10));
    expect(err.code).toBe('Io');
    expect(err.details?.reason).toBe('bad-content-range');
  });

  it('sends custom headers and keeps the query string out of descriptions and errors', async () => {
    const url = `${srv.base}/slide.svs?X-Amz-Signature=s3cr3t&token=abc`;
    const src = await openHttpSource(url, { headers: { authorization: 'Bearer t0k', 'x-wsi-test': 'yes' } });
    await src.read(0, 1);
    const reqs = rangesFor('/slide.svs').slice(-2);
    for (const r of reqs) {
      expect(r.headers.authorization).toBe('Bearer t0k');
      expect(r.headers['x-wsi-test']).toBe('yes');
      expect(r.headers['accept-encoding']).toMatch(/^identity(, identity)?$/); // byte ranges of the stored bytes, not of a gzip stream
    }
    expect(src.description).toBe(`${srv.base}/slide.svs`);
    const err = await rejection(src.read(DATA.length, 1));
    expect(err.message).not.toMatch(/s3cr3t|token/);
    const missing = await rejection(openHttpSource(`${srv.base}/nothing.svs?sig=s3cr3t`));
    expect(JSON.stringify(missing.toJSON())).not.toMatch(/s3cr3t/);
  });

  it('rejects with Aborted when the caller aborts, and times out requests', async () => {
    const src = await openHttpSource(`${srv.base}/slow.svs`, { size: DATA.length });
    const ac = new AbortController();
    const t0 = Date.now();
    const p = src.read(0, 10, { signal: ac.signal });
    setTimeout(() => ac.abort(), 50);
    expect((await rejection(p)).code).toBe('Aborted');
    expect(Date.now() - t0).toBeLessThan(1500);
    expect((await rejection(src.read(0, 10, { signal: AbortSignal.abort() }))).code).toBe('Aborted');
    const timed = await openHttpSource(`${srv.base}/slow.svs`, {
      size: DATA.length,
      timeoutMs: 50,
      retries: 1,
      retryDelayMs: 1,
    });
    const err = await rejection(timed.read(0, 10));
    expect(err.code).toBe('Io');
    expect(err.details?.reason).toBe('timeout');
  });

  it('maps network errors to Io after retries, and uses an injected fetch', async () => {
    let calls = 0;
    const failing: typeof fetch = async () => {
      calls++;
      throw new TypeError('fetch failed');
    };
    const err = await rejection(
      HttpSource.open('http://127.0.0.1:1/x.svs', { fetch: failing, retries: 2, retryDelayMs: 1 }),
    );
    expect(err.code).toBe('Io');
    expect(err.details?.reason).toBe('network');
    expect(calls).toBe(1 + 3); // HEAD once, GET with 2 retries
  });

  it('refuses non-http URLs and reads after close', async () => {
    expect((await rejection(openHttpSource('ftp://example.org/a.svs'))).code).toBe('InvalidArgument');
    const src = await openHttpSource(`${srv.base}/slide.svs`, { size: DATA.length });
    await src.close();
    const err = await rejection(src.read(0, 1));
    expect(err.code).toBe('InvalidArgument');
    expect(err.message).toMatch(/close/);
    const slow = await openHttpSource(`${srv.base}/slow.svs`, { size: DATA.length });
    const t0 = Date.now();
    const inflight = slow.read(0, 10);
    setTimeout(() => void slow.close(), 30);
    expect((await rejection(inflight)).code).toBe('InvalidArgument'); // close() cancels requests in flight
    expect(Date.now() - t0).toBeLessThan(1500);
  });
});
