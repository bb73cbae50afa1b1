import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BlockCache } from '../src/bytes/block-cache.js';
import type { ByteSource, ReadOptions } from '../src/bytes/byte-source.js';
import { MemorySource } from '../src/bytes/memory-source.js';
import { openByteSource } from '../src/bytes/open.js';
import { isWsiError } from '../src/errors.js';
import { diff, pattern } from './bytes-helpers.js';
import { startServer, type TestServer } from './http-server.js';

const DATA = pattern(1 << 20, 11);

/** A memory source that records reads and can hold them until released. */
class Recording implements ByteSource {
  readonly description = 'recording';
  readonly reads: { offset: number; length: number; signal: AbortSignal | undefined }[] = [];
  gate: Promise<void> | undefined;
  readonly #mem = new MemorySource(DATA);
  size() {
    return this.#mem.size();
  }
  async read(offset: number, length: number, options: ReadOptions = {}) {
    this.reads.push({ offset, length, signal: options.signal });
    if (this.gate) await this.gate;
    if (options.signal?.aborted) throw new Error('inner aborted');
    return this.#mem.read(offset, length);
  }
  close() {
    return this.#mem.close();
  }
}

function gated(src: Recording): () => void {
  let open!: () => void;
  src.gate = new Promise((r) => {
    open = r;
  });
  return () => {
    src.gate = undefined;
    open();
  };
}

describe('BlockCache', () => {
  it('reads correct bytes across block boundaries and hits on repeats', async () => {
    const inner = new Recording();
    const c = new BlockCache(inner, { blockSize: 1000 });
    expect(diff(await c.read(900, 300), DATA.subarray(900, 1200))).toBe('equal');
    expect(inner.reads).toEqual([{ offset: 0, length: 2000, signal: expect.any(AbortSignal) }]); // one inner read for 2 blocks
    expect(diff(await c.read(1500, 10), DATA.subarray(1500, 1510))).toBe('equal');
    expect(c.stats).toEqual({ hits: 1, misses: 2, bytesFetched: 2000, innerReads: 1 });
    // last partial block
    expect(diff(await c.read(DATA.length - 3, 3), DATA.subarray(DATA.length - 3))).toBe('equal');
    expect(inner.reads.at(-1)).toMatchObject({ offset: 1_048_000, length: 576 });
    const out = await c.read(0, 10);
    out.fill(0); // results are copies: the cache is not corrupted
    expect(diff(await c.read(0, 10), DATA.subarray(0, 10))).toBe('equal');
  });

  it('fetches runs of missing blocks around cached ones with one read per run', async () => {
    const inner = new Recording();
    const c = new BlockCache(inner, { blockSize: 100 });
    await c.read(250, 10); // block 2
    inner.reads.length = 0;
    expect(diff(await c.read(0, 500), DATA.subarray(0, 500))).toBe('equal');
    expect(inner.reads.map((r) => [r.offset, r.length])).toEqual([
      [0, 200],
      [300, 200],
    ]);
  });

  it('coalesces concurrent reads of the same block into one inner read', async () => {
    const inner = new Recording();
    const c = new BlockCache(inner, { blockSize: 4096 });
    const release = gated(inner);
    const ps = Array.from({ length: 10 }, (_, i) => c.read(i * 100, 50));
    release();
    const rs = await Promise.all(ps);
    rs.forEach((r, i) => {
      expect(diff(r, DATA.subarray(i * 100, i * 100 + 50))).toBe('equal');
    });
    expect(inner.reads).toHaveLength(1);
    expect(c.stats.innerReads).toBe(1);
    expect(c.stats.hits).toBe(9);
  });

  it("a caller's abort rejects only that caller, not the shared fetch", async () => {
    const inner = new Recording();
    const c = new BlockCache(inner, { blockSize: 4096 });
    const release = gated(inner);
    const ac = new AbortController();
    const a = c.read(0, 10, { signal: ac.signal });
    const b = c.read(5, 10);
    await new Promise((r) => setImmediate(r)); // both reads now wait on the one fetch
    expect(inner.reads).toHaveLength(1);
    ac.abort();
    await expect(a).rejects.toSatisfy((e) => isWsiError(e, 'Aborted'));
    release();
    expect(diff(await b, DATA.subarray(5, 15))).toBe('equal');
    expect(inner.reads).toHaveLength(1);
    expect(inner.reads[0]?.signal?.aborted).toBe(false);
  });

  it('cancels a fetch nobody waits for any more, and refetches later', async () => {
    const inner = new Recording();
    const c = new BlockCache(inner, { blockSize: 4096 });
    const release = gated(inner);
    const ac = new AbortController();
    const a = c.read(0, 10, { signal: ac.signal });
    await new Promise((r) => setImmediate(r));
    expect(inner.reads).toHaveLength(1);
    ac.abort();
    await expect(a).rejects.toSatisfy((e) => isWsiError(e, 'Aborted'));
    expect(inner.reads[0]?.signal?.aborted).toBe(true);
    release();
    expect(diff(await c.read(0, 10), DATA.subarray(0, 10))).toBe('equal');
    expect(inner.reads).toHaveLength(2);
  });

  it('evicts least-recently-used blocks by total bytes', async () => {
    const inner = new Recording();
    const c = new BlockCache(inner, { blockSize: 1000, maxBytes: 3000 });
    for (const b of [0, 1, 2]) await c.read(b * 1000, 1);
    await c.read(0, 1); // touch block 0: block 1 is now the oldest
    await c.read(3000, 1); // evicts block 1
    expect(c.cachedBytes).toBe(3000);
    inner.reads.length = 0;
    await c.read(0, 1);
    await c.read(2000, 1);
    expect(inner.reads).toHaveLength(0);
    await c.read(1000, 1);
    expect(inner.reads.map((r) => r.offset)).toEqual([1000]);
    expect(c.cachedBytes).toBeLessThanOrEqual(3000);
  });

  it('sends large reads straight to the inner source', async () => {
    const inner = new Recording();
    const c = new BlockCache(inner, { blockSize: 1000 });
    expect(c.bypassBytes).toBe(16_000);
    expect(diff(await c.read(123, 20_000), DATA.subarray(123, 20_123))).toBe('equal');
    expect(inner.reads.map((r) => [r.offset, r.length])).toEqual([[123, 20_000]]);
    expect(c.cachedBytes).toBe(0);
  });

  it('checks ranges, rejects after close, validates options', async () => {
    const c = new BlockCache(new Recording(), { blockSize: 1000 });
    await expect(c.read(DATA.length - 1, 2)).rejects.toSatisfy((e) => isWsiError(e, 'CorruptFile'));
    await expect(c.read(-5, 2)).rejects.toSatisfy((e) => isWsiError(e, 'InvalidArgument'));
    await c.close();
    await expect(c.read(0, 1)).rejects.toSatisfy((e) => isWsiError(e, 'InvalidArgument'));
    expect(() => new BlockCache(new Recording(), { blockSize: 0 })).toThrow(/blockSize/);
  });

  it('composes: a cache over a cache', async () => {
    const inner = new Recording();
    const l1 = new BlockCache(inner, { blockSize: 4096 });
    const l2 = new BlockCache(l1, { blockSize: 1024 });
    expect(diff(await l2.read(5000, 100), DATA.subarray(5000, 5100))).toBe('equal');
    expect(diff(await l2.read(4096, 10), DATA.subarray(4096, 4106))).toBe('equal');
    expect(diff(await l2.read(7000, 10), DATA.subarray(7000, 7010))).toBe('equal');
    expect(inner.reads).toHaveLength(1);
    expect(l2.stats.innerReads).toBe(2);
    expect(l1.stats).toMatchObject({ innerReads: 1, hits: 1 });
  });
});

describe('BlockCache over HTTP', () => {
  let srv: TestServer;
  beforeAll(async () => {
    srv = await startServer({ '/big.svs': { data: DATA } });
  });
  afterAll(() => srv.close());

  it('openByteSource caches URLs in 256 KiB blocks and counts bytes fetched', async () => {
    const src = await openByteSource(`${srv.base}/big.svs`);
    expect(src).toBeInstanceOf(BlockCache);
    const c = src as BlockCache;
    expect(c.blockSize).toBe(256 * 1024);
    const small = await Promise.all([0, 100, 4000, 70_000].map((o) => c.read(o, 64)));
    small.forEach((r, i) => {
      expect(diff(r, DATA.subarray([0, 100, 4000, 70_000][i], ([0, 100, 4000, 70_000][i] as number) + 64))).toBe(
        'equal',
      );
    });
    expect(diff(await c.read(300_000, 10), DATA.subarray(300_000, 300_010))).toBe('equal');
    expect(c.stats).toEqual({ hits: 3, misses: 2, bytesFetched: 2 * 256 * 1024, innerReads: 2 });
    const gets = srv.requests.filter((r) => r.method === 'GET' && r.range !== 'bytes=0-0');
    expect(gets.map((r) => r.range)).toEqual(['bytes=0-262143', 'bytes=262144-524287']);
    await c.close();
  });

  it('openByteSource passes files, memory and sources through, honouring cache options', async () => {
    const mem = await openByteSource(DATA);
    expect(mem).toBeInstanceOf(MemorySource);
    expect(await openByteSource(mem)).toBe(mem);
    const cached = await openByteSource(mem, { cache: { blockSize: 512 } });
    expect((cached as BlockCache).blockSize).toBe(512);
    const raw = await openByteSource(`${srv.base}/big.svs`, { cache: false, headers: { 'x-a': '1' } });
    expect(raw).not.toBeInstanceOf(BlockCache);
    expect(srv.requests.at(-1)?.headers['x-a']).toBe('1');
    await expect(openByteSource(new URL('ftp://x/y'))).rejects.toSatisfy((e) => isWsiError(e, 'InvalidArgument'));
    await expect(openByteSource('/no/such/slide.svs')).rejects.toSatisfy((e) => isWsiError(e, 'NotFound'));
  });
});
