import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isWsiError } from '@wsi/core';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { MaskRasterizer, rasterizeAnnotations, writeMaskPng } from '../src/index.js';
import { collection, feature, ngon, ngonArea, rect } from './helpers.js';

function countValues(buf: Uint8Array): number[] {
  const c = new Float64Array(256);
  for (let i = 0; i < buf.length; i++) {
    const v = buf[i] as number;
    c[v] = (c[v] as number) + 1;
  }
  return Array.from(c);
}

describe('MaskRasterizer', () => {
  it('follows the pixel-centre rule exactly on integer squares', () => {
    const r = new MaskRasterizer(collection([feature([rect(10, 10, 30, 30)], 'A')]), { downsample: 1 });
    const m = r.tile({ x: 0, y: 0, width: 40, height: 40 });
    expect(countValues(m)[1]).toBe(400);
    expect(m[10 * 40 + 10]).toBe(1);
    expect(m[29 * 40 + 29]).toBe(1);
    expect(m[30 * 40 + 29]).toBe(0);
    expect(m[9 * 40 + 10]).toBe(0);
    // downsample 10: pixel centres at 5, 15, 25 → pixels 1 and 2 inside [10, 30)
    const r10 = new MaskRasterizer(collection([feature([rect(10, 10, 30, 30)], 'A')]), { downsample: 10 });
    expect(Array.from(r10.tile({ x: 0, y: 1, width: 4, height: 1 }))).toEqual([0, 1, 1, 0]);
  });

  it('rasterised areas equal analytic areas within 0.5 % on shapes with holes and multipolygons', () => {
    const cases = [
      {
        rings: [ngon(2000, 2000, 1500, 360), ngon(2000, 2000, 600, 180, true)],
        area: ngonArea(1500, 360) - ngonArea(600, 180),
      },
      {
        rings: [rect(100, 100, 3900, 3900), rect(500, 500, 1500, 1500), ngon(2800, 2800, 500, 50)],
        area: 3800 ** 2 - 1000 ** 2 - ngonArea(500, 50),
      },
      {
        rings: [ngon(2000, 2000, 1800, 7), ngon(2000, 2000, 300, 7, true)],
        area: ngonArea(1800, 7) - ngonArea(300, 7),
      },
    ];
    for (const ds of [3, 8, 16]) {
      for (const c of cases) {
        const size = Math.ceil(4000 / ds);
        const r = new MaskRasterizer(collection([feature(c.rings, 'T')]), { downsample: ds });
        const pixels = countValues(r.tile({ x: 0, y: 0, width: size, height: size }))[1]! * ds * ds;
        expect(Math.abs(pixels - c.area) / c.area).toBeLessThan(0.005);
      }
    }
    const multi = collection([
      {
        type: 'Feature',
        geometry: {
          type: 'MultiPolygon',
          coordinates: [[rect(0, 0, 100, 100), rect(20, 20, 40, 40)], [rect(200, 200, 250, 300)]],
        },
        properties: { classification: { name: 'B' } },
      },
    ]);
    const m = new MaskRasterizer(multi, { downsample: 1 }).tile({ x: 0, y: 0, width: 300, height: 300 });
    expect(countValues(m)[1]).toBe(10000 - 400 + 5000);
  });

  it('fills combs with many crossings per row exactly', () => {
    // 40 teeth of width 5 and gap 5, height 90, on a base 10 high: 80 crossings per row above the base
    const pts: number[][] = [[0, 100]];
    for (let t = 0; t < 40; t++) pts.push([t * 10, 0], [t * 10 + 5, 0], [t * 10 + 5, 90], [t * 10 + 10, 90]);
    pts.push([400, 100], [0, 100]);
    const r = new MaskRasterizer(collection([feature([pts], 'C')]), { downsample: 1 });
    const m = r.tile({ x: 0, y: 0, width: 400, height: 100 });
    expect(countValues(m)[1]).toBe(40 * 5 * 90 + 400 * 10);
  });

  it('gives class k the value k, later features on top, and tiles that assemble to the whole', () => {
    const c = collection([
      feature([ngon(50, 50, 45, 30)], 'A'),
      feature([rect(40, 40, 90, 90)], 'B'),
      feature([rect(0, 0, 10, 10)], 'A'),
    ]);
    const r = new MaskRasterizer(c, { downsample: 1 });
    expect(r.classes).toEqual(['A', 'B']);
    const whole = r.tile({ x: 0, y: 0, width: 100, height: 100 });
    expect(whole[60 * 100 + 60]).toBe(2);
    expect(whole[30 * 100 + 30]).toBe(1);
    expect(whole[5 * 100 + 5]).toBe(1);
    const tile = new Uint8Array(37 * 23);
    for (let y = 0; y < 100; y += 23) {
      for (let x = 0; x < 100; x += 37) {
        const w = Math.min(37, 100 - x);
        const h = Math.min(23, 100 - y);
        r.tile({ x, y, width: w, height: h }, tile);
        let diff = 0;
        for (let j = 0; j < h; j++)
          for (let i = 0; i < w; i++) if (tile[j * w + i] !== whole[(y + j) * 100 + x + i]) diff++;
        expect(diff).toBe(0);
      }
    }
    const fixed = new MaskRasterizer(c, { downsample: 1, classes: ['B'] });
    expect(countValues(fixed.tile({ x: 0, y: 0, width: 100, height: 100 }))[1]).toBe(2500);
  });
});

describe('mask PNG', () => {
  it('leaves nothing behind when aborted', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wsi-mask-abort-'));
    const r = new MaskRasterizer(collection([feature([rect(0, 0, 10, 10)], 'A')]), { downsample: 1 });
    const signal = AbortSignal.abort();
    for (const maxInMemoryPixels of [0, 1e6]) {
      const err = await writeMaskPng(
        join(dir, 'm.png'),
        r,
        { width: 50, height: 50 },
        { signal, maxInMemoryPixels },
      ).catch((e) => e);
      expect(isWsiError(err, 'Aborted')).toBe(true);
    }
    expect(readdirSync(dir)).toEqual([]);
  });

  it('sharp and streamed encoders write the same pixels; legend beside the mask', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wsi-mask-'));
    const c = collection([
      feature([ngon(500, 400, 300, 40), ngon(500, 400, 100, 12)], 'Tumor'),
      feature([rect(0, 0, 200, 100)], 'Stroma'),
    ]);
    const a = await rasterizeAnnotations(c, { width: 250, height: 200, downsample: 4, out: join(dir, 'a.png') });
    expect(a.encoder).toBe('sharp');
    const r = new MaskRasterizer(c, { downsample: 4 });
    const b = await writeMaskPng(
      join(dir, 'b.png'),
      r,
      { width: 250, height: 200 },
      { maxInMemoryPixels: 0, bandRows: 7 },
    );
    expect(b.encoder).toBe('stream');
    const da = await sharp(join(dir, 'a.png')).extractChannel(0).raw().toBuffer({ resolveWithObject: true });
    const db = await sharp(join(dir, 'b.png')).extractChannel(0).raw().toBuffer({ resolveWithObject: true });
    expect(da.info).toMatchObject({ width: 250, height: 200, channels: 1 });
    expect(db.info).toMatchObject({ width: 250, height: 200, channels: 1 });
    expect(Buffer.compare(da.data, db.data)).toBe(0);
    const expected = r.tile({ x: 0, y: 0, width: 250, height: 200 });
    expect(Buffer.compare(da.data, Buffer.from(expected))).toBe(0);
    expect(b.counts).toEqual(countValues(expected));
    const legend = JSON.parse(readFileSync(join(dir, 'a.legend.json'), 'utf8'));
    expect(legend.classes.map((k: { name: string; value: number }) => [k.value, k.name])).toEqual([
      [1, 'Tumor'],
      [2, 'Stroma'],
    ]);
    expect(legend.classes[0].color).toEqual([200, 0, 0]);
    expect(legend.classes[1].pixels).toBe(countValues(expected)[2]);
    expect(existsSync(a.legendPath)).toBe(true);
  });
});
