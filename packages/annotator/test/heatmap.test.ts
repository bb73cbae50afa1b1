import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRaster, isWsiError } from '@wsi/core';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { COLORBAR_WIDTH, colormapLut, parseGeoJson, parseScoresCsv, renderHeatmap } from '../src/index.js';

describe('score files', () => {
  it('parses x,y,score[,…] with NaN for empty cells and errors naming the line', () => {
    const s = parseScoresCsv('x,y,score,other\n0,0,0.25,1\n512,0,,2\n', 's.csv');
    expect(s.columns).toEqual(['score', 'other']);
    expect(Array.from(s.coords)).toEqual([0, 0, 512, 0]);
    expect(s.scores[0]).toBe(0.25);
    expect(Number.isNaN(s.scores[2])).toBe(true);
    try {
      parseScoresCsv('x,y,score\n0,0,abc\n', 's.csv');
      throw new Error('no error');
    } catch (err) {
      expect(isWsiError(err, 'InvalidArgument')).toBe(true);
      expect((err as Error).message).toMatch(/s\.csv: line 2: score 'abc'/);
    }
    expect(() => parseScoresCsv('a,b\n', 's.csv')).toThrow(/header must start with x,y/);
  });
});

describe('renderHeatmap', () => {
  it('blends the colour map over the thumbnail, draws a colour bar and writes QuPath tiles', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wsi-heat-'));
    const thumb = createRaster(64, 48, 4);
    for (let i = 0; i < 64 * 48; i++) thumb.data.set([100, 100, 100, 255], 4 * i);
    const scoresPath = join(dir, 's.scores.csv');
    writeFileSync(scoresPath, 'x,y,score\n0,0,0\n512,0,1\n1024,512,0.5\n');
    const r = await renderHeatmap({
      thumbnail: thumb,
      downsample: 32,
      scores: scoresPath,
      patchSize: 512,
      out: join(dir, 'heat.png'),
      geojson: join(dir, 'tiles.geojson'),
      alpha: 0.5,
    });
    expect(r).toMatchObject({ width: 64 + COLORBAR_WIDTH, height: 48, vmin: 0, vmax: 1, patches: 3 });
    const { data, info } = await sharp(r.out).removeAlpha().raw().toBuffer({ resolveWithObject: true });
    expect(info.width).toBe(64 + COLORBAR_WIDTH);
    const px = (x: number, y: number) =>
      Array.from(data.subarray((y * info.width + x) * 3, (y * info.width + x) * 3 + 3));
    const lut = colormapLut('jet');
    const blend = (k: number) => [0, 1, 2].map((c) => Math.round(100 * 0.5 + lut[3 * k + c]! * 0.5));
    expect(px(8, 8)).toEqual(blend(0)); // patch (0,0) → thumb pixels 0..15
    expect(px(24, 8)).toEqual(blend(255));
    expect(px(40, 24)).toEqual(blend(128));
    expect(px(8, 40)).toEqual([100, 100, 100]); // no patch
    // bar margin = min(10, h / 10) = 4 rows: top row = vmax colour, bottom row = vmin colour
    expect(px(64 + 20, 4)).toEqual(Array.from(lut.subarray(765, 768)));
    expect(px(64 + 20, 43)).toEqual(Array.from(lut.subarray(0, 3)));
    const tiles = parseGeoJson(readFileSync(join(dir, 'tiles.geojson'), 'utf8')).collection;
    expect(tiles.features).toHaveLength(3);
    expect(tiles.features[1]?.properties).toEqual({ objectType: 'tile', measurements: { score: 1 } });
    expect(tiles.features[1]?.geometry).toEqual({
      type: 'Polygon',
      coordinates: [
        [
          [512, 0],
          [1024, 0],
          [1024, 512],
          [512, 512],
          [512, 0],
        ],
      ],
    });
  });
});
