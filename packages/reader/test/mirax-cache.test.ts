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
