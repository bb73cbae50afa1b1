import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { syntheticTissue, writeMirax } from '@wsi/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MiraxSlide } from '../src/formats/mirax/mirax-slide.js';
import { openSlide } from '../src/open.js';

describe('MIRAX image cache: recycled buffers never leak into pixels', () => {
  let root = '';
  let path = '';
  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'wsi-mirax-cache-'));
    path = join(root, 'c.mrxs');
    await writeMirax({
      path,
      source: syntheticTissue({ width: 900, height: 700, seed: 8 }),
      geometry: {
        imagesX: 6,
        imagesY: 6,
        divisions: 2,
        imageWidth: 128,
        imageHeight: 96,
        overlapX: 10,
        overlapY: 6,
        levels: 2,
        positions: 'plain',
        jitter: 4,
      },
      associated: false,
    });
  }, 60_000);
  afterAll(() => {
    if (root) rmSync(root, { recursive: true, force: true });
  });

  for (const recycle of [false, true]) {
    it(`readRegions (recycle ${recycle}) yields what readRegion gives, in order, partly outside the slide too`, async () => {
      const slide = (await openSlide(path, { cacheBytes: 128 * 96 * 4 })) as unknown as MiraxSlide;
      try {
        const regions = Array.from({ length: 30 }, (_, i) => ({
          x: ((i * 97) % 800) - 40,
          y: ((i * 61) % 600) - 30,
          level: i % 2,
          width: 64 + (i % 3) * 40,
          height: 64,
        }));
        let n = 0;
        for await (const { index, region, raster } of slide.readRegions(regions, { concurrency: 5, recycle })) {
          expect(index).toBe(n++);
          expect(region).toBe(regions[index]);
          const want = await slide.readRegion(region);
          expect(Buffer.compare(Buffer.from(raster.data as Uint8Array), Buffer.from(want.data as Uint8Array))).toBe(0);
        }
        expect(n).toBe(regions.length);
        // stopping early leaves nothing behind
        for await (const { index } of slide.readRegions(regions, { concurrency: 4, recycle })) if (index === 2) break;
        await expect(async () => {
          for await (const _ of slide.readRegions(regions, { concurrency: 0 })) void _;
        }).rejects.toMatchObject({ code: 'InvalidArgument' });
      } finally {
        await slide.close();
      }
    });
  }

  it('reads with a one-image budget and 16 concurrent readers equal reads with a large cache', async () => {
    const big = (await openSlide(path, { cacheBytes: 64 << 20 })) as unknown as MiraxSlide;
    const tiny = (await openSlide(path, { cacheBytes: 128 * 96 * 4 })) as unknown as MiraxSlide;
    try {
      const regions = Array.from({ length: 48 }, (_, i) => ({
        x: (i * 97) % 700,
        y: (i * 61) % 500,
        level: i % 2,
        width: 150,
        height: 120,
      }));
      const want = [];
      for (const r of regions) want.push(await big.readRegion(r));
      for (const [i, r] of regions.entries()) {
        const g = await tiny.readRegion(r);
        expect(Buffer.compare(Buffer.from(g.data as Uint8Array), Buffer.from(want[i]!.data as Uint8Array))).toBe(0);
      }
      const got = await Promise.all([...regions, ...regions].map((r) => tiny.readRegion(r)));
      for (const [i, g] of got.entries()) {
        const w = want[i % regions.length]!;
        expect(Buffer.compare(Buffer.from(g.data as Uint8Array), Buffer.from(w.data as Uint8Array))).toBe(0);
      }
      expect(tiny.imageCache.bytes).toBeLessThanOrEqual(128 * 96 * 4);
      expect(tiny.imageCache.misses).toBeGreaterThan(big.imageCache.misses);
    } finally {
      await big.close();
      await tiny.close();
    }
  });
});

// 4:2:0: chroma upsampling is what makes a crop's edges differ without the margin; 4:4:4 crops take no margin
for (const chroma of ['4:2:0', '4:4:4'] as const)
  describe(`MIRAX partial decodes (libjpeg-turbo cropping) equal whole-image decodes, ${chroma}`, () => {
    let root = '';
    let path = '';
    beforeAll(async () => {
      root = mkdtempSync(join(tmpdir(), `wsi-mirax-part-${chroma.replaceAll(':', '')}-`));
      path = join(root, 'p.mrxs');
      await writeMirax({
        path,
        source: syntheticTissue({ width: 1400, height: 1100, seed: 12 }),
        geometry: {
          imagesX: 6,
          imagesY: 6,
          divisions: 2,
          imageWidth: 256,
          imageHeight: 192,
          overlapX: 14,
          overlapY: 10,
          levels: 2,
          positions: 'plain',
          jitter: 5,
        },
        chroma,
        associated: false,
      });
    }, 60_000);
    afterAll(() => {
      if (root) rmSync(root, { recursive: true, force: true });
    });

    it('small regions read cold (parts) equal the same regions read after whole decodes are cached', async () => {
      const regions = Array.from({ length: 40 }, (_, i) => ({
        x: 13 + ((i * 137) % 1100),
        y: 7 + ((i * 89) % 850),
        level: i % 2,
        width: 40 + ((i * 29) % 90),
        height: 30 + ((i * 31) % 70),
      }));
      const warm = (await openSlide(path, { cacheBytes: 256 << 20 })) as unknown as MiraxSlide;
      try {
        // whole-level reads put every image in the cache, so the small reads after them use whole decodes
        for (const level of [0, 1]) {
          const l = warm.levels[level]!;
          await warm.readRegion({ x: 0, y: 0, level, width: l.width, height: l.height });
        }
        const wholeMisses = warm.imageCache.misses;
        const want = [];
        for (const r of regions) want.push(await warm.readRegion(r));
        expect(warm.imageCache.misses).toBe(wholeMisses);
        for (const [i, r] of regions.entries()) {
          const cold = (await openSlide(path, { cacheBytes: 256 << 20 })) as unknown as MiraxSlide;
          try {
            const g = await cold.readRegion(r);
            expect(Buffer.compare(Buffer.from(g.data as Uint8Array), Buffer.from(want[i]!.data as Uint8Array))).toBe(0);
            if (i === 0) expect(cold.imageCache.misses).toBe(0); // a small region decodes its images in part
          } finally {
            await cold.close();
          }
        }
      } finally {
        await warm.close();
      }
    });
  });
