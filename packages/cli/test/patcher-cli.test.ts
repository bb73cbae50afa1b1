import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fixture, hasPythonModules, runPythonJson } from '@wsi/testing';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';

const BIN = resolve(__dirname, '../dist/bin.js');
const svs = fixture('aperio/CMU-1-Small-Region.svs');

function wsi(...args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 300_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe.skipIf(!svs)('wsi segment / patch / extract on CMU-1-Small-Region.svs (needs ../shared/fixtures)', () => {
  const file = svs as string;
  const dir = mkdtempSync(join(tmpdir(), 'wsi-cli-patcher-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('segment writes the GeoJSON, the 0/255 mask and the overlay; the default a_t keeps nothing and warns', async () => {
    const r = wsi('segment', file, '--out', join(dir, 'seg'), '--json');
    expect(r.code).toBe(0);
    const s = JSON.parse(r.stdout);
    expect(s).toMatchObject({ name: 'CMU-1-Small-Region', preset: 'clam-default', level: 0, regions: 0 });
    expect(r.stderr).toMatch(/warning: .*a_t/);
    const r2 = wsi('segment', file, '--out', join(dir, 'seg'), '--preset', 'tcga', '--a-t', '0.5', '--json');
    expect(r2.code).toBe(0);
    const s2 = JSON.parse(r2.stdout);
    expect(s2.regions).toBeGreaterThanOrEqual(1);
    expect(s2.files.geojson).toBe(join(dir, 'seg', 'CMU-1-Small-Region.geojson'));
    expect(await sharp(s2.files.mask).metadata()).toMatchObject({
      width: 2220,
      height: 2967,
      channels: 1,
      depth: 'uchar',
    });
    const mask = await sharp(s2.files.mask).extractChannel(0).raw().toBuffer({ resolveWithObject: true });
    expect(new Set(mask.data)).toEqual(new Set([0, 255]));
    expect(existsSync(s2.files.overlay)).toBe(true);
  });

  it('patch writes the coords file in each layout; usage errors exit 2', () => {
    const r = wsi(
      'patch',
      file,
      '--out',
      join(dir, 'p'),
      '--patch-size',
      '256',
      '--magnification',
      '10',
      '--a-t',
      '0.5',
      '--no-qc',
      '--json',
    );
    expect(r.code).toBe(0);
    const s = JSON.parse(r.stdout);
    expect(s).toMatchObject({
      layout: 'wsi',
      patchLevel: 0,
      patchSize: 512,
      targetPatchSize: 256,
      patchSizeLevel0: 512,
      targetMagnification: 10,
      qc: false,
    });
    expect(s.patches).toBeGreaterThan(5);
    expect(s.files.coords).toBe(join(dir, 'p', 'patches', 'CMU-1-Small-Region.h5'));
    const t = wsi(
      'patch',
      file,
      '--out',
      join(dir, 't'),
      '--patch-size',
      '224',
      '--magnification',
      '20',
      '--layout',
      'trident',
      '--a-t',
      '0.5',
      '--json',
    );
    expect(t.code).toBe(0);
    expect(JSON.parse(t.stdout).files.coords).toBe(
      join(dir, 't', '20x_224px_0px_overlap', 'patches', 'CMU-1-Small-Region_patches.h5'),
    );
    expect(wsi('patch', file, '--out', join(dir, 'x'), '--magnification', '20', '--level', '0').code).toBe(2);
    expect(wsi('patch', file, '--out', join(dir, 'x'), '--layout', 'qupath').code).toBe(2);
    expect(wsi('patch', file, '--out', join(dir, 'x'), '--preset', 'nope').code).toBe(2);
    const big = wsi('patch', file, '--out', join(dir, 'x'), '--patch-size', '4096', '--json');
    expect(big.code).toBe(1);
    expect(JSON.parse(big.stdout).error.code).toBe('InvalidArgument');
  });

  it.skipIf(!hasPythonModules(['h5py', 'numpy']))(
    'extract writes imgs beside coords (h5) and PNG files named by coordinates',
    () => {
      const coords = join(dir, 'l0', 'patches', 'CMU-1-Small-Region.h5');
      expect(wsi('patch', file, '--out', join(dir, 'l0'), '--patch-size', '256', '--a-t', '0.5', '--json').code).toBe(
        0,
      );
      const r = wsi('extract', file, '--coords', coords, '--out', join(dir, 'ex'), '--json');
      expect(r.code).toBe(0);
      const s = JSON.parse(r.stdout);
      expect(s.output).toBe(join(dir, 'ex', 'CMU-1-Small-Region.h5'));
      const h = runPythonJson<{ imgs: number[]; coords: number[]; same: boolean; dtype: string }>(
        `
import sys, json, h5py, numpy as np
a, b = h5py.File(sys.argv[1], 'r'), h5py.File(sys.argv[2], 'r')
print(json.dumps({'imgs': list(a['imgs'].shape), 'dtype': str(a['imgs'].dtype), 'coords': list(a['coords'].shape), 'same': bool(np.array_equal(a['coords'][:], b['coords'][:]))}))
`,
        [s.output, coords],
      );
      expect(h.imgs).toEqual([s.patches, 256, 256, 3]);
      expect(h.dtype).toBe('uint8');
      expect(h.same).toBe(true);
      const p = wsi('extract', file, '--coords', coords, '--out', join(dir, 'png'), '--format', 'jpeg', '--json');
      expect(p.code).toBe(0);
      const names = readdirSync(join(dir, 'png', 'CMU-1-Small-Region'));
      expect(names).toHaveLength(s.patches);
      expect(names.every((n) => /^CMU-1-Small-Region_\d+_\d+\.jpg$/.test(n))).toBe(true);
      expect(wsi('extract', file, '--coords', coords, '--out', join(dir, 'png'), '--format', 'tiff').code).toBe(2);
    },
  );
});
