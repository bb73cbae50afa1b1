import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import {
  composedSlide,
  defaultTilePaths,
  hasPythonModules,
  runPythonJson,
  syntheticTissue,
  writeSvs,
} from '@wsi/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const EXAMPLES = resolve(__dirname, '../../../examples');

function node(script: string, args: string[]) {
  const r = spawnSync(process.execPath, [join(EXAMPLES, script), ...args], { encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('examples/ run on a tiny generated slide', () => {
  const dir = mkdtempSync(join(tmpdir(), 'wsi-examples-'));
  const slides = join(dir, 'slides');
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  beforeAll(async () => {
    mkdirSync(slides);
    const real = defaultTilePaths().length > 0;
    const source = real
      ? await composedSlide({ width: 2048, height: 1536, seed: 3, islands: 2 })
      : syntheticTissue({ width: 2048, height: 1536, seed: 3 });
    await writeSvs(join(slides, 'tiny.svs'), { source, mpp: 0.5, appMag: 20, seed: 3 });
  }, 60_000);

  it('reader-only depends on @wsi/core and @wsi/reader alone, and reads the slide', () => {
    const pkg = JSON.parse(readFileSync(join(EXAMPLES, 'reader-only', 'package.json'), 'utf8'));
    expect(Object.keys(pkg.dependencies).sort()).toEqual(['@wsi/core', '@wsi/reader']);
    const r = node('reader-only/index.mjs', [join(slides, 'tiny.svs'), join(dir, 'ro')]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/tiny: aperio, 2048×1536 px/);
    expect(
      readFileSync(join(dir, 'ro', 'region.ppm'))
        .subarray(0, 15)
        .toString(),
    ).toBe('P6\n512 512\n255\n');
    expect(existsSync(join(dir, 'ro', 'thumbnail.ppm'))).toBe(true);
    expect(node('reader-only/index.mjs', [join(dir, 'nothing.svs')]).code).toBe(1);
  });

  it("clam-preprocessing writes CLAM's patches/, h5_files/ and pt_files/", () => {
    const out = join(dir, 'clam');
    const r = node('clam-preprocessing/index.mjs', [slides, out]);
    expect(r.code, r.stderr).toBe(0);
    for (const f of ['patches/tiny.h5', 'h5_files/tiny.h5', 'pt_files/tiny.pt', 'dataset.csv', 'run.json'])
      expect(existsSync(join(out, f)), f).toBe(true);
    expect(readFileSync(join(out, 'dataset.csv'), 'utf8')).toBe('case_id,slide_id,label\ntiny,tiny,\n');
    if (hasPythonModules(['h5py'])) {
      const shape = runPythonJson<{ features: number[]; coords: number[]; patches: number[] }>(
        'import h5py, json, sys; a = h5py.File(sys.argv[1]); b = h5py.File(sys.argv[2]); print(json.dumps({"features": list(a["features"].shape), "coords": list(a["coords"].shape), "patches": list(b["coords"].shape)}))',
        [join(out, 'h5_files', 'tiny.h5'), join(out, 'patches', 'tiny.h5')],
      );
      expect(shape.features[1]).toBe(210);
      expect(shape.features[0]).toBe(shape.patches[0]);
      expect(shape.coords).toEqual(shape.patches);
    }
  }, 120_000);
});
