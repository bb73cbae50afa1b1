import { isWsiError, MemorySource } from '@wsi/core';
import { describe, expect, it } from 'vitest';
import { openSlide } from '../src/open.js';
import { read } from '../src/read.js';
import { compositeOnto, parseBackground } from '../src/slide/background.js';
import { buildTiff, gradientTile } from './helpers/build-tiff.js';

const tiles = [0, 1, 2, 3].map((i) => gradientTile(32, 32, (i % 2) * 32, Math.floor(i / 2) * 32));
const { bytes } = buildTiff([
  { width: 64, height: 64, tileWidth: 32, tileHeight: 32, tiles },
  { width: 32, height: 32, tileWidth: 32, tileHeight: 32, tiles: [gradientTile(32, 32, 0, 0)], subfileType: 1 },
]);

describe('background option', () => {
  it('parses colours and rejects bad ones with InvalidArgument', () => {
    expect(parseBackground('#102030')).toEqual([16, 32, 48]);
    expect(parseBackground('FFFFFF')).toEqual([255, 255, 255]);
    expect(parseBackground([1, 2, 3])).toEqual([1, 2, 3]);
    for (const bad of ['#12345', 'red', [1, 2], [0, 0, 256]] as const) {
      let err: unknown;
      try {
        parseBackground(bad as never);
      } catch (e) {
        err = e;
      }
      expect(isWsiError(err, 'InvalidArgument')).toBe(true);
    }
  });

  it('fills outside pixels with the colour and keeps inside pixels, alpha 255 everywhere', async () => {
    const slide = await openSlide(new MemorySource(bytes));
    const r = { x: 48, y: 40, level: 0, width: 32, height: 32 };
    const plain = await slide.readRegion(r);
    const bg = await slide.readRegion(r, { background: '#102030' });
    const p = plain.data as Uint8Array;
    const b = bg.data as Uint8Array;
    let outside = 0;
    for (let i = 0; i < p.length; i += 4) {
      expect(b[i + 3]).toBe(255);
      if (p[i + 3] === 0) {
        outside++;
        expect([b[i], b[i + 1], b[i + 2]]).toEqual([16, 32, 48]);
      } else expect([b[i], b[i + 1], b[i + 2]]).toEqual([p[i], p[i + 1], p[i + 2]]);
    }
    expect(outside).toBe(32 * 32 - 16 * 24);
    await slide.close();
  });

  it('blends partly transparent sub-pixel edges and works through read()', async () => {
    const slide = await openSlide(new MemorySource(bytes));
    // level 1 (downsample 2) at an odd x: a sub-pixel shift, so the right edge column is half transparent
    const plain = await slide.readRegion({ x: 33, y: 0, level: 1, width: 20, height: 4 });
    const edge = (16 - 1) * 4; // the last column inside the level straddles the edge
    const a = (plain.data as Uint8Array)[edge + 3]!;
    expect(a).toBeGreaterThan(0);
    expect(a).toBeLessThan(255);
    const copy = { ...plain, data: new Uint8Array(plain.data as Uint8Array) };
    compositeOnto(copy, [255, 255, 255]);
    const c = (plain.data as Uint8Array)[edge]!;
    expect(copy.data[edge]).toBe(Math.round((c * a + 255 * (255 - a)) / 255));
    const viaRead = await read(slide, {
      x: 33,
      y: 0,
      width: 20,
      height: 4,
      downsample: 2,
      background: [255, 255, 255],
    });
    expect(Buffer.compare(Buffer.from(viaRead.data as Uint8Array), Buffer.from(copy.data))).toBe(0);
    await slide.close();
  });
});
