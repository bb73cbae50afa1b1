import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { writeCoordsFile } from '@wsi/h5';
import { fixture } from '@wsi/testing';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';

const BIN = resolve(__dirname, '../dist/bin.js');
const svs = fixture('aperio/CMU-1-Small-Region.svs');

function wsi(...args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

// A 1000×1000 square with a 400×400 hole, class Tumor; patches of 500 px on a 4×4 grid.
const geojson = {
  type: 'FeatureCollection',
  features: [
    {
      type: 'Feature',
      geometry: {
        type: 'Polygon',
        coordinates: [
          [
            [0, 0],
            [1000, 0],
            [1000, 1000],
            [0, 1000],
            [0, 0],
          ],
          [
            [300, 300],
            [700, 300],
            [700, 700],
            [300, 700],
            [300, 300],
          ],
        ],
      },
      properties: { objectType: 'annotation', classification: { name: 'Tumor', color: [200, 0, 0] } },
    },
  ],
};

describe('wsi annotate and wsi heatmap', () => {
  const dir = mkdtempSync(join(tmpdir(), 'wsi-cli-ann-'));
  const ann = join(dir, 'a.geojson');
  writeFileSync(ann, JSON.stringify(geojson));

  it('convert GeoJSON → ASAP → GeoJSON keeps the polygon and its hole', () => {
    const xml = join(dir, 'a.xml');
    expect(wsi('annotate', 'convert', ann, '--to', 'asap', '--out', xml).code).toBe(0);
    expect(readFileSync(xml, 'utf8')).toMatch(/ASAP_Annotations/);
    const back = join(dir, 'b.geojson');
    const r = wsi('annotate', 'convert', xml, '--to', 'geojson', '--out', back, '--json');
    expect(r.code).toBe(0);
    const g = JSON.parse(readFileSync(back, 'utf8'));
    expect(g.features[0].geometry.coordinates).toHaveLength(2);
    expect(g.features[0].properties.classification.name).toBe('Tumor');
    expect(wsi('annotate', 'convert', ann, '--to', 'nope', '--out', xml).code).toBe(2);
  });

  it('label-patches gives the covered fraction of each patch', async () => {
    const coords = join(dir, 'c.h5');
    const xy: number[] = [];
    for (let y = 0; y < 2000; y += 500) for (let x = 0; x < 2000; x += 500) xy.push(x, y);
    await writeCoordsFile(
      coords,
      {
        coords: new Int32Array(xy),
        meta: {
          name: 'c',
          patchSize: 500,
          patchLevel: 0,
          downsample: [1, 1],
          patchSizeLevel0: 500,
          levelDim: [2220, 2967],
          downsampledLevelDim: [2220, 2967],
          overlap: 0,
        },
      },
      { layout: 'wsi' },
    );
    const r = wsi('annotate', 'label-patches', ann, '--coords', coords, '--rule', 'threshold:0.5');
    expect(r.code).toBe(0);
    const rows = r.stdout.trim().split('\n');
    expect(rows[0]).toBe('x,y,label,label_name,frac_Tumor');
    // patch (0,0): 500² minus the hole's 200×200 corner overlap → 0.84
    expect(rows[1]).toBe('0,0,1,Tumor,0.84');
    expect(rows[6]).toMatch(/^500,500,1,Tumor,0.84$/);
    expect(rows[3]).toBe('1000,0,0,background,0');
    expect(wsi('annotate', 'label-patches', ann, '--coords', coords, '--rule', 'sometimes').code).toBe(2);

    if (!svs) return;
    const scores = join(dir, 's.scores.csv');
    writeFileSync(
      scores,
      `x,y,score\n${rows
        .slice(1)
        .map((l, i) => `${l.split(',')[0]},${l.split(',')[1]},${i / 16}`)
        .join('\n')}\n`,
    );
    const png = join(dir, 'heat.png');
    const tiles = join(dir, 'heat.geojson');
    const h = wsi(
      'heatmap',
      svs,
      '--coords',
      coords,
      '--scores',
      scores,
      '--out',
      png,
      '--geojson',
      tiles,
      '--max-size',
      '512',
      '--json',
    );
    expect(h.code).toBe(0);
    expect(JSON.parse(h.stdout).patches).toBe(16);
    expect((await sharp(png).metadata()).format).toBe('png');
    const t = JSON.parse(readFileSync(tiles, 'utf8'));
    expect(t.features).toHaveLength(16);
    expect(t.features[0].properties.objectType).toBe('tile');
  });

  it.skipIf(!svs)('rasterize at a slide level writes a mask of the level size with the class value', async () => {
    const mask = join(dir, 'mask.png');
    const r = wsi('annotate', 'rasterize', ann, '--slide', svs as string, '--level', '0', '--out', mask);
    expect(r.code).toBe(0);
    const { data, info } = await sharp(mask).extractChannel(0).raw().toBuffer({ resolveWithObject: true });
    expect([info.width, info.height, info.channels]).toEqual([2220, 2967, 1]);
    expect(data[100 * 2220 + 100]).toBe(1);
    expect(data[500 * 2220 + 500]).toBe(0); // in the hole
    expect(data[1500 * 2220 + 1500]).toBe(0);
    let inside = 0;
    for (const v of data) if (v === 1) inside++;
    expect(inside).toBe(1000 * 1000 - 400 * 400);
  });
});
