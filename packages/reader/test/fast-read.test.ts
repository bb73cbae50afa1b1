import { createRequire } from 'node:module';
import { isWsiError, MemorySource, type Raster, type Region } from '@wsi/core';
import { describe, expect, it } from 'vitest';
import { decodeTile, jpegBackend, setJpegBackend } from '../src/decode/index.js';
import { openSlide } from '../src/open.js';
import { BufferPool, sharedBufferPool } from '../src/slide/buffer-pool.js';
import { TileReadAhead } from '../src/slide/read-ahead.js';
import { TileCache } from '../src/slide/tile-cache.js';
import { buildTiff, gradientTile } from './helpers/build-tiff.js';

const tj = createRequire(import.meta.url)('@julusian/jpeg-turbo') as typeof import('@julusian/jpeg-turbo');
const nextMacrotask = () => new Promise((r) => setImmediate(r));
async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const v of it) out.push(v);
  return out;
}

/** A 4×3-tile JPEG TIFF (64² tiles, 240×170 image: partial right/bottom tiles), tiles stored in row-major order. */
function jpegTiff(): Uint8Array {
  const T = 64;
  const tiles: Uint8Array[] = [];
  for (let r = 0; r < 3; r++) {
    for (let c = 0; c < 4; c++) {
      const rgb = gradientTile(T, T, c * T, r * T);
      const rgba = new Uint8Array(T * T * 4);
      for (let i = 0; i < T * T; i++) rgba.set([rgb[i * 3]!, rgb[i * 3 + 1]!, (c * 60 + r * 40) & 255, 255], i * 4);
      tiles.push(
        new Uint8Array(
          tj.compressSync(Buffer.from(rgba), {
            format: tj.FORMAT_RGBA,
            width: T,
            height: T,
            quality: 90,
            subsampling: tj.SAMP_420,
          }),
        ),
      );
    }
  }
  return buildTiff([{ width: 240, height: 170, tileWidth: T, tileHeight: T, tiles, compression: 7, photometric: 6 }])
    .bytes;
}

const regions: Region[] = [
  { x: 64, y: 64, level: 0, width: 64, height: 64 }, // exactly one tile: fast path
  { x: 0, y: 0, level: 0, width: 64, height: 64 },
  { x: 30, y: 20, level: 0, width: 64, height: 64 }, // straddles four tiles
  { x: 192, y: 128, level: 0, width: 64, height: 64 }, // the partial corner tile: not the fast path
  { x: -20, y: -10, level: 0, width: 50, height: 40 }, // partly outside
  { x: 500, y: 500, level: 0, width: 16, height: 16 }, // all outside
  { x: 100, y: 50, level: 0, width: 140, height: 120 },
];

describe('BufferPool', () => {
  it('hands a released buffer out again from the next macrotask on, and ignores foreign buffers', async () => {
    const pool = new BufferPool(1 << 20);
    const a = pool.acquire(1024);
    expect(pool.owns(a)).toBe(true);
    expect(pool.owns(new Uint8Array(1024))).toBe(false);
    expect(pool.owns(a.subarray(0, 10))).toBe(false);
    pool.release(a);
    pool.release(a); // twice: once on the free list
    pool.release(new Uint8Array(1024)); // not ours: ignored
    expect(pool.acquire(1024).buffer).not.toBe(a.buffer); // not before the next macrotask
    await nextMacrotask();
    expect(pool.idleBytes).toBe(1024);
    expect(pool.acquire(1024).buffer).toBe(a.buffer);
    expect(pool.acquire(1024).buffer).not.toBe(a.buffer);
    expect(pool.reused).toBe(1);
  });

  it('keeps at most its byte bound idle', async () => {
    const pool = new BufferPool(2048);
    const bufs = [pool.acquire(1024), pool.acquire(1024), pool.acquire(1024)];
    for (const b of bufs) pool.release(b);
    await nextMacrotask();
    expect(pool.idleBytes).toBe(2048);
    expect(() => new BufferPool(-1)).toThrow();
  });

  it('serves scratch buffers of nearby sizes from one size class', async () => {
    const pool = new BufferPool(1 << 24);
    const a = pool.acquireScratch(300_000); // class 327,680 (1.25 × 2^18)
    expect(a.length).toBe(300_000);
    expect(a.buffer.byteLength).toBe(327_680);
    expect(pool.owns(a)).toBe(true);
    expect(pool.owns(a.subarray(1, 10))).toBe(false);
    pool.release(a);
    await nextMacrotask();
    const b = pool.acquireScratch(310_000); // same class: the same buffer
    expect(b.buffer).toBe(a.buffer);
    expect(b.length).toBe(310_000);
    const c = pool.acquireScratch(330_000); // next class (1.5 × 2^18)
    expect(c.buffer.byteLength).toBe(393_216);
    expect(pool.acquireScratch(10).buffer.byteLength).toBe(4096);
    expect(pool.acquireScratch(0).length).toBe(0);
    for (const n of [4097, 5000, 1 << 20, (1 << 20) + 1, 3_000_001]) {
      const s = pool.acquireScratch(n);
      expect(s.length).toBe(n);
      expect(s.buffer.byteLength).toBeGreaterThanOrEqual(n);
      expect(s.buffer.byteLength).toBeLessThanOrEqual(Math.ceil(n * 1.25));
    }
  });

  it('gets evicted tiles back from a TileCache', async () => {
    const pool = new BufferPool();
    const cache = new TileCache(1024, pool);
    const tile = (): Raster => ({ width: 16, height: 16, channels: 4, dtype: 'uint8', data: pool.acquire(1024) });
    const first = await cache.get('a', async () => tile());
    await cache.get('b', async () => tile()); // evicts a
    await nextMacrotask();
    expect(pool.idleBytes).toBe(1024);
    expect(pool.acquire(1024).buffer).toBe(first!.data.buffer);
  });
});

describe('fast JPEG read path', () => {
  const bytes = jpegTiff();

  it('decodes into the buffer it is given', async () => {
    const slide = await openSlide(new MemorySource(bytes));
    const img = slide.levelImage(0);
    const into = new Uint8Array(64 * 64 * 4);
    const raw = (await img.readTileBytes(1, 1))!;
    const r = await decodeTile(raw, img.decodeInfo(1), undefined, into);
    expect(r.data).toBe(into);
    const fresh = await decodeTile(raw, img.decodeInfo(1));
    expect(fresh.data).not.toBe(into);
    expect(Buffer.from(fresh.data.buffer, fresh.data.byteOffset, fresh.data.byteLength).equals(Buffer.from(into))).toBe(
      true,
    );
    await slide.close();
  });

  it('the libjpeg-turbo backend decodes into the buffer, bit-exact with WASM libjpeg-turbo; truncation is CorruptFile', async () => {
    const slide = await openSlide(new MemorySource(bytes));
    const img = slide.levelImage(0);
    const raw = (await img.readTileBytes(2, 1))!;
    setJpegBackend('wasm');
    const ref = await decodeTile(raw, img.decodeInfo(1));
    setJpegBackend('turbo');
    try {
      expect(await jpegBackend()).toBe('turbo');
      const into = new Uint8Array(64 * 64 * 4);
      const r = await decodeTile(raw, img.decodeInfo(1), undefined, into);
      expect(r.data).toBe(into);
      expect(Buffer.from(into).equals(Buffer.from(ref.data.buffer, ref.data.byteOffset, ref.data.byteLength))).toBe(
        true,
      );
      for (const cut of [40, raw.length - 30]) {
        await expect(decodeTile(raw.subarray(0, cut), img.decodeInfo(1))).rejects.toSatisfy((e) =>
          isWsiError(e, 'CorruptFile'),
        );
      }
    } finally {
      setJpegBackend('turbo');
    }
    await slide.close();
  });

  it('in readRegions a whole-tile region is the tile decode itself, equal to the assembled path, uncached', async () => {
    const slide = await openSlide(new MemorySource(bytes));
    const tileRegion = { x: 64, y: 64, level: 0, width: 64, height: 64 };
    const [first] = await collect(slide.readRegions([tileRegion]));
    const fast = first!.raster;
    expect(slide.tileCache.misses).toBe(0); // decoded outside the cache
    expect(sharedBufferPool.owns(fast.data)).toBe(true); // the decode's own (pooled) buffer, no copy
    const viaCache = await slide.readRegion(tileRegion); // single reads go through the cache: one whole-block copy
    expect(slide.tileCache.misses).toBe(1);
    expect(Buffer.from(fast.data).equals(Buffer.from(viaCache.data))).toBe(true);
    const [again] = await collect(slide.readRegions([tileRegion])); // cached now: a copy of it
    expect(slide.tileCache.hits).toBe(1);
    expect(Buffer.from(again!.raster.data).equals(Buffer.from(fast.data))).toBe(true);
    await slide.close();
  });

  for (const recycle of [false, true]) {
    it(`readRegions (recycle ${recycle}) yields what readRegion gives, in order`, async () => {
      const ref = await openSlide(new MemorySource(bytes));
      const expected = [];
      for (const r of regions) expected.push(Buffer.from((await ref.readRegion(r)).data));
      await ref.close();
      const slide = await openSlide(new MemorySource(bytes));
      const got: Buffer[] = [];
      let i = 0;
      for await (const { index, region, raster } of slide.readRegions(regions, { concurrency: 3, recycle })) {
        expect(index).toBe(i);
        expect(region).toBe(regions[i]);
        expect([raster.width, raster.height]).toEqual([region.width, region.height]);
        got.push(Buffer.from(raster.data)); // a copy: recycled buffers are reused later
        i++;
      }
      expect(got.length).toBe(regions.length);
      for (let k = 0; k < regions.length; k++) expect(got[k]!.equals(expected[k]!)).toBe(true);
      await slide.close();
    });
  }

  it('recycling reuses pixel buffers across a scan', async () => {
    const slide = await openSlide(new MemorySource(bytes));
    const grid: Region[] = [];
    for (let k = 0; k < 40; k++)
      grid.push({ x: (k % 3) * 64, y: (Math.floor(k / 3) % 2) * 64, level: 0, width: 64, height: 64 });
    const before = sharedBufferPool.reused;
    const seen = new Set<ArrayBufferLike>();
    for await (const { raster } of slide.readRegions(grid, { concurrency: 2, recycle: true }))
      seen.add(raster.data.buffer);
    expect(sharedBufferPool.reused).toBeGreaterThan(before);
    expect(seen.size).toBeLessThan(grid.length);
    await slide.close();
  });

  it('stops early on break, rejects bad concurrency, and aborts with Aborted', async () => {
    const slide = await openSlide(new MemorySource(bytes));
    let n = 0;
    for await (const _ of slide.readRegions(regions, { concurrency: 2 })) if (++n === 2) break;
    expect(n).toBe(2);
    await expect(slide.readRegions(regions, { concurrency: 0 }).next()).rejects.toSatisfy((e) =>
      isWsiError(e, 'InvalidArgument'),
    );
    const ac = new AbortController();
    ac.abort();
    await expect(slide.readRegions(regions, { signal: ac.signal }).next()).rejects.toSatisfy((e) =>
      isWsiError(e, 'Aborted'),
    );
    await slide.close();
  });

  it('read-ahead serves a sequential scan with few reads and gives the same bytes as tile reads', async () => {
    const slide = await openSlide(new MemorySource(bytes));
    const img = slide.levelImage(0);
    const ra = new TileReadAhead(img);
    const seq = await Promise.all(Array.from({ length: 12 }, (_, i) => ra.read(i % 4, Math.floor(i / 4))));
    expect(ra.reads).toBeLessThanOrEqual(4); // the first tile alone, then spans of 2, 8, … tiles
    for (let i = 0; i < 12; i++) {
      const direct = (await img.readTileBytes(i % 4, Math.floor(i / 4)))!;
      expect(Buffer.from(seq[i]!).equals(Buffer.from(direct))).toBe(true);
    }
    const random = new TileReadAhead(img);
    for (const [c, r] of [
      [3, 2],
      [0, 0],
      [2, 1],
    ] as const) {
      expect(Buffer.from((await random.read(c, r))!).equals(Buffer.from((await img.readTileBytes(c, r))!))).toBe(true);
    }
    expect(random.reads).toBe(3); // not sequential: no read-ahead
    await slide.close();
  });
});

describe('optional dependencies', () => {
  it('load on first use; one that cannot load is UnsupportedFormat naming what needs it', async () => {
    const { optionalModule, sharp } = await import('../src/lazy-modules.js');
    expect(typeof sharp()).toBe('function');
    expect(optionalModule('node:zlib', 'test')).toBe(optionalModule('node:zlib', 'test'));
    let err: unknown;
    try {
      optionalModule('@wsi/no-such-module', 'the test');
    } catch (e) {
      err = e;
    }
    expect(err).toMatchObject({ code: 'UnsupportedFormat' });
    expect(String((err as Error).message)).toMatch(/@wsi\/no-such-module cannot be loaded \(needed for the test\)/);
  });
});
