import { createRaster, MemorySource, type Raster } from '@wsi/core';
import { fixture } from '@wsi/testing';
import { describe, expect, it } from 'vitest';
import { SlideReader } from '../src/facade.js';
import { openSlide } from '../src/open.js';
import { read, readLevel, thumbnail } from '../src/read.js';
import { bilinearShift, subpixel } from '../src/slide/region.js';
import { TileCache } from '../src/slide/tile-cache.js';
import { formatDouble } from '../src/tiff/properties.js';
import { buildTiff, gradientTile } from './helpers/build-tiff.js';

describe('TileCache', () => {
  it('coalesces concurrent requests and stays within its byte budget', async () => {
    const cache = new TileCache(3 * 64);
    let loads = 0;
    const load = async () => {
      loads++;
      await new Promise((r) => setTimeout(r, 5));
      return createRaster(4, 4, 4); // 64 bytes
    };
    const [a, b] = await Promise.all([cache.get('k', load), cache.get('k', load)]);
    expect(loads).toBe(1);
    expect(a).toBe(b);
    for (const k of ['a', 'b', 'c', 'd']) await cache.get(k, load);
    expect(cache.bytes).toBeLessThanOrEqual(3 * 64);
    await cache.get('k', load); // evicted → loaded again
    expect(loads).toBe(6);
  });
});

describe('sub-pixel maths', () => {
  it('formats doubles like GLib', () => {
    expect(formatDouble(1)).toBe('1');
    expect(formatDouble(0.499)).toBe('0.499');
    expect(formatDouble((4443 / 2221 + 3567 / 1783) / 2)).toBe('2.0005055500659967');
    expect(formatDouble(4.016129032258064)).toBe('4.0161290322580641');
    expect(formatDouble(0.2527)).toBe('0.25269999999999998');
  });
  it('splits positions into pixel + 16.16 fraction and blends as the pixman float bilinear path', () => {
    expect(subpixel(10)).toMatchObject({ i: 10, frac: 0 });
    expect(subpixel(10.5)).toEqual({ i: 10, frac: 32768, weight: 32768 });
    const src = createRaster(3, 2, 4);
    src.data.set([0, 0, 0, 255, 200, 100, 50, 255, 0, 0, 0, 0, 0, 0, 0, 255, 200, 100, 50, 255, 0, 0, 0, 0]);
    const out = createRaster(2, 1, 4) as Raster<'uint8'>;
    bilinearShift(src as Raster<'uint8'>, out, 0, 0, 2, 1, 32768, 0);
    expect([...out.data.subarray(0, 4)]).toEqual([100, 50, 25, 255]);
    // half-transparent edge: un-premultiplied colour stays the edge pixel's
    expect([...out.data.subarray(4, 8)]).toEqual([199, 100, 50, 128]);
  });
});

describe('read / readLevel / thumbnail / SlideReader', () => {
  const tiles = [0, 1, 2, 3].map((i) => gradientTile(32, 32, (i % 2) * 32, Math.floor(i / 2) * 32));
  const { bytes } = buildTiff([{ width: 64, height: 64, tileWidth: 32, tileHeight: 32, tiles }]);

  it('reads only the tiles a region touches', async () => {
    const slide = await openSlide(new MemorySource(bytes));
    await slide.readRegion({ x: 0, y: 0, level: 0, width: 16, height: 16 });
    expect(slide.tileCache.misses).toBe(1);
    await slide.readRegion({ x: 8, y: 8, level: 0, width: 32, height: 8 });
    expect(slide.tileCache.misses).toBe(2);
    const tile = await slide.readTile(0, 1, 1);
    expect([tile.width, tile.height, ...tile.data.subarray(0, 4)]).toEqual([32, 32, 32, 32, 128, 255]);
    await slide.close();
  });

  it('resizes with sharp and refuses levels over the budget', async () => {
    const slide = await openSlide(new MemorySource(bytes));
    const r = await read(slide, { x: 0, y: 0, width: 16, height: 16, downsample: 4 });
    expect([r.width, r.height, r.channels]).toEqual([16, 16, 4]);
    expect(r.data[(8 * 16 + 8) * 4]).toBeGreaterThan(25); // ~x = 34
    await expect(readLevel(slide, 0, { maxPixels: 100 })).rejects.toMatchObject({ code: 'InvalidArgument' });
    const t = await thumbnail(slide, 20);
    expect([t.width, t.height]).toEqual([20, 20]);
    await slide.close();
  });

  const svs = fixture('aperio/CMU-1-Small-Region.svs');
  it.skipIf(!svs)(
    'SlideReader keeps slides open and reads patches (skipped without CMU-1-Small-Region)',
    async () => {
      const reader = new SlideReader({ maxOpenSlides: 1 });
      const patch = await reader.readPatch(svs as string, { offset: [240, 480], level: 0, size: 240 });
      const again = await reader.readPatch(svs as string, { offset: [240, 480], level: 0, size: 240 });
      expect(Buffer.compare(Buffer.from(patch.data as Uint8Array), Buffer.from(again.data as Uint8Array))).toBe(0);
      expect(reader.cache.hits).toBeGreaterThan(0);
      const whole = await reader.readSlide(svs as string, { level: 0 });
      expect([whole.width, whole.height]).toEqual([2220, 2967]);
      const s = await reader.slide(svs as string);
      expect((await s.readIccProfile())?.length ?? 0).toBe(Number(s.properties['openslide.icc-size'] ?? 0));
      const raw = await s.readRawTile(0, 0, 0);
      expect(raw?.compression).toBe(7);
      await reader.close();
    },
    30_000,
  );
});
