// A thumbnail of a huge single level (a 100k-px single-level slide, or a corrupt file's claimed size) is built chunk
// by chunk with bounded memory; found by the fuzzer (OME-TIFF whose ImageWidth became 214572 → a 900 MB allocation).
import { createRaster, type Raster, type Region, type Slide } from '@wsi/core';
import { describe, expect, it } from 'vitest';
import { reduceLevel } from '../src/level-reduce.js';
import { thumbnail } from '../src/read.js';

/** A one-level slide whose pixel (x, y) is (x mod 256, y mod 256, 100, 255); records the largest region read. */
function bigSlide(width: number, height: number, tile = 256): Slide & { largest: number; reads: number } {
  const s = {
    format: 'generic-tiff',
    levels: [{ width, height, downsample: 1, tileWidth: tile, tileHeight: tile }],
    properties: {},
    associatedImages: [],
    largest: 0,
    reads: 0,
    async readRegion(r: Region): Promise<Raster> {
      s.largest = Math.max(s.largest, r.width * r.height);
      s.reads++;
      const out = createRaster(r.width, r.height, 4);
      for (let y = 0; y < r.height; y++) {
        for (let x = 0; x < r.width; x++) {
          const o = (y * r.width + x) * 4;
          out.data[o] = (r.x + x) % 256;
          out.data[o + 1] = (r.y + y) % 256;
          out.data[o + 2] = 100;
          out.data[o + 3] = 255;
        }
      }
      return out;
    },
    async readAssociatedImage(): Promise<Raster> {
      throw new Error('none');
    },
    bestLevelForDownsample: () => 0,
    async close() {},
  };
  return s;
}

describe('thumbnail of a huge level', () => {
  it('reads bounded chunks and averages them', async () => {
    const slide = bigSlide(6144, 3072);
    const t = await thumbnail(slide, 64);
    expect([t.width, t.height, t.channels]).toEqual([64, 32, 4]);
    expect(slide.largest).toBeLessThanOrEqual(2048 * 2048);
    // blue is constant; red repeats a 0..255 ramp every 256 px = 2.67 output px, so its mean is the ramp's
    expect(t.data[2]).toBe(100);
    let red = 0;
    for (let i = 0; i < t.width * t.height; i++) red += t.data[i * 4] as number;
    expect(red / (t.width * t.height)).toBeCloseTo(127.5, -1);
  });

  it('reads a level made of one big tile in one chunk (an NDPI page without usable restart markers)', async () => {
    const slide = bigSlide(4500, 4000, 4500);
    const t = await thumbnail(slide, 64);
    expect([t.width, t.height]).toEqual([64, 57]);
    expect(slide.reads).toBe(1);
  });

  it('box-averages exact blocks, partial blocks at the edges', async () => {
    const r = await reduceLevel(bigSlide(5, 3), 0, 2);
    expect([r.width, r.height]).toEqual([3, 2]);
    // block (0,0): x 0..1, y 0..1 → red mean 0.5 → 1 (round), green 0.5 → 1
    expect([...r.data.subarray(0, 4)]).toEqual([1, 1, 100, 255]);
    // block (2,1): x 4, y 2 → exactly that pixel
    expect([...r.data.subarray((1 * 3 + 2) * 4, (1 * 3 + 2) * 4 + 4)]).toEqual([4, 2, 100, 255]);
  });

  it('refuses a non-integer factor', async () => {
    await expect(reduceLevel(bigSlide(10, 10), 0, 1.5)).rejects.toMatchObject({ code: 'InvalidArgument' });
  });
});
