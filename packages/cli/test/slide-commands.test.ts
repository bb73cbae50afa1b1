import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fixture, hasPythonModules, runPythonJson } from '@wsi/testing';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';

const BIN = resolve(__dirname, '../dist/bin.js');
const svs = fixture('aperio/CMU-1-Small-Region.svs');

function wsi(...args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe.skipIf(!svs)('slide commands on CMU-1-Small-Region.svs (needs ../shared/fixtures)', () => {
  const file = svs as string;
  const dir = mkdtempSync(join(tmpdir(), 'wsi-cli-slide-'));

  it('info --json has the relied-on shape', () => {
    const r = wsi('info', file, '--json');
    expect(r.code).toBe(0);
    const info = JSON.parse(r.stdout);
    expect(Object.keys(info)).toEqual([
      'format',
      'width',
      'height',
      'levels',
      'mpp',
      'objectivePower',
      'associatedImages',
      'properties',
    ]);
    expect(info).toMatchObject({
      format: 'aperio',
      width: 2220,
      height: 2967,
      levels: [{ width: 2220, height: 2967, downsample: 1, tileWidth: 240, tileHeight: 240 }],
      mpp: { x: 0.499, y: 0.499 },
      objectivePower: 20,
    });
    expect([...info.associatedImages].sort()).toEqual(['label', 'macro', 'thumbnail']);
    expect(info.properties['openslide.vendor']).toBe('aperio');
  });

  it.skipIf(!hasPythonModules(['openslide']))('info agrees with OpenSlide', () => {
    const info = JSON.parse(wsi('info', file, '--json').stdout);
    const ref = runPythonJson<{ dims: number[][]; ds: number[]; assoc: string[]; props: Record<string, string> }>(
      'import openslide, json, sys; s = openslide.OpenSlide(sys.argv[1]); print(json.dumps({"dims": s.level_dimensions, "ds": s.level_downsamples, "assoc": sorted(s.associated_images.keys()), "props": dict(s.properties)}))',
      [file],
    );
    expect(info.levels.map((l: { width: number; height: number }) => [l.width, l.height])).toEqual(ref.dims);
    expect(info.levels.map((l: { downsample: number }) => l.downsample)).toEqual(ref.ds);
    expect([...info.associatedImages].sort()).toEqual(ref.assoc);
    for (const k of ['openslide.mpp-x', 'openslide.objective-power', 'aperio.AppMag', 'tiff.ImageDescription']) {
      expect(info.properties[k]).toBe(ref.props[k]);
    }
  });

  it('region writes an RGBA PNG of the requested size; outside pixels are transparent', async () => {
    const out = join(dir, 'r.png');
    const r = wsi(
      'region',
      file,
      '--x',
      '2100',
      '--y',
      '100',
      '--level',
      '0',
      '--width',
      '200',
      '--height',
      '50',
      '--out',
      out,
    );
    expect(r.code).toBe(0);
    const { data, info } = await sharp(out).raw().toBuffer({ resolveWithObject: true });
    expect([info.width, info.height, info.channels]).toEqual([200, 50, 4]);
    expect(data[(10 * 200 + 10) * 4 + 3]).toBe(255); // inside the slide (x = 2110)
    expect(data[(10 * 200 + 190) * 4 + 3]).toBe(0); // outside (x = 2290 > 2220)
  });

  it('thumbnail and associated write PNGs', async () => {
    const t = join(dir, 't.png');
    expect(wsi('thumbnail', file, '--max-size', '256', '--out', t).code).toBe(0);
    const tm = await sharp(t).metadata();
    expect(Math.max(tm.width ?? 0, tm.height ?? 0)).toBe(256);
    const l = join(dir, 'label.png');
    expect(wsi('associated', file, 'label', '--out', l).code).toBe(0);
    expect((await sharp(l).metadata()).width).toBe(387);
  });

  it('bad requests: unknown associated image, bad level, missing file, not a slide', () => {
    expect(wsi('associated', file, 'nope', '--out', join(dir, 'x.png')).stderr).toMatch(/\[NotFound\]/);
    const lvl = wsi(
      'region',
      file,
      '--x',
      '0',
      '--y',
      '0',
      '--level',
      '3',
      '--width',
      '8',
      '--height',
      '8',
      '--out',
      join(dir, 'x.png'),
    );
    expect(lvl.code).toBe(2);
    expect(wsi('info', join(dir, 'missing.svs')).stderr).toMatch(/\[NotFound\]/);
    const notSlide = wsi('info', BIN);
    expect(notSlide.code).toBe(1);
    expect(notSlide.stderr).toMatch(/\[UnsupportedFormat\]/);
  });
});
