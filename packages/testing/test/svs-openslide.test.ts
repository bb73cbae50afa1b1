import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasPythonModules } from '../src/paths.js';
import { syntheticTissue } from '../src/sources/synthetic.js';
import { makeLabel } from '../src/svs/associated.js';
import { writeSvs } from '../src/svs/writer.js';
import { readAll } from '../src/tiff/source.js';
import { openslideDiff, openslideInfo, resized, tempDir, writeRaw } from './oracle-helpers.js';

const oracle = hasPythonModules(['openslide', 'numpy']);

describe.skipIf(!oracle)('writeSvs, checked by OpenSlide 3.4.1 (skipped without /usr/bin/python3 + openslide)', () => {
  const W = 1500;
  const H = 1100;
  const source = syntheticTissue({ width: W, height: H, seed: 11 });
  let dir = '';
  let svs = '';
  let rgb = new Uint8Array(0);

  beforeAll(async () => {
    dir = tempDir('svs');
    svs = join(dir, 'synthetic.svs');
    rgb = await readAll(source);
    await writeSvs(svs, { source, tileSize: 256, quality: 90, levels: [1, 4], mpp: 0.499, appMag: 20 });
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('is an Aperio slide with the expected pyramid, MPP, objective and associated images', () => {
    const info = openslideInfo(svs);
    expect(info.vendor).toBe('aperio');
    expect(info.levels).toBe(2);
    expect(info.dimensions).toEqual([
      [W, H],
      [375, 275],
    ]);
    expect(info.downsamples[0]).toBe(1);
    expect(info.downsamples[1]).toBeCloseTo(4, 5);
    expect(Number(info.mppX)).toBeCloseTo(0.499, 6);
    expect(info.objective).toBe('20');
    expect(Object.keys(info.associated).sort()).toEqual(['label', 'macro', 'thumbnail']);
    expect(info.associated.thumbnail).toEqual([768, 563]);
  });

  it('level 0 pixels match the source (JPEG Q90, YCbCr 4:2:0)', () => {
    const d = openslideDiff(svs, writeRaw(dir, 'l0.raw', rgb), 0, 0, 0, W, H);
    console.info(`[svs] level 0 mean abs diff ${d.mad.toFixed(3)} (max ${d.max}) over ${d.n} samples`);
    expect(d.mad).toBeLessThan(3);
  });

  it('level 1 pixels match a whole-image downscale of the source', async () => {
    const exp = await resized(rgb, W, H, 375, 275);
    const d = openslideDiff(svs, writeRaw(dir, 'l1.raw', exp), 1, 0, 0, 375, 275);
    console.info(`[svs] level 1 mean abs diff ${d.mad.toFixed(3)} (max ${d.max})`);
    expect(d.mad).toBeLessThan(3);
  });

  it('the LZW label decodes to exactly the pixels written', () => {
    const d = openslideDiff(svs, writeRaw(dir, 'label.raw', makeLabel(400, 400, 1)), 'label', 0, 0, 400, 400);
    expect(d.max).toBe(0);
  });

  it('without MPP/AppMag, no thumbnail, no macro: still Aperio; tiles tagged RGB reproduce the wrong-colour quirk', async () => {
    const p = join(dir, 'bare.svs');
    await writeSvs(p, {
      source,
      levels: [1, 2],
      mpp: null,
      appMag: null,
      photometric: 'rgb',
      thumbnail: 'none',
      macro: false,
    });
    const info = openslideInfo(p);
    expect(info.vendor).toBe('aperio');
    expect(info.mppX).toBeNull();
    expect(info.objective).toBeNull();
    expect(Object.keys(info.associated)).toEqual(['label']);
    // libtiff honours Photometric=RGB and skips YCbCr->RGB, so the colours are far off.
    const d = openslideDiff(p, join(dir, 'l0.raw'), 0, 0, 0, W, H);
    console.info(`[svs] YCbCr tiles tagged RGB: OpenSlide mean abs diff ${d.mad.toFixed(1)}`);
    expect(d.mad).toBeGreaterThan(20);
  });
});
