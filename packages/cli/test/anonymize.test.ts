import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { hasPythonModules, runPythonJson, syntheticTissue, writeSvs } from '@wsi/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const BIN = resolve(__dirname, '../dist/bin.js');
const dir = mkdtempSync(join(tmpdir(), 'wsi-cli-anon-'));
const svs = join(dir, 'case-17 John Doe.svs');

function wsi(...args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

beforeAll(async () => {
  await writeSvs(svs, {
    source: syntheticTissue({ width: 1200, height: 900, seed: 3 }),
    levels: [1, 4],
    metadata: { User: 'jdoe', Title: 'patient 1234', Barcode: 'S-17-1234' },
  });
}, 60_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('wsi anonymize', () => {
  it('removes label and macro, scrubs identifying fields, keeps levels; --json report', () => {
    const out = join(dir, 'anon.svs');
    const r = wsi('anonymize', svs, '--out', out, '--json');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.removedImages.sort()).toEqual(['label', 'macro']);
    expect(report.removedFields).toEqual(
      expect.arrayContaining(['Filename', 'Date', 'Time', 'ScanScope ID', 'User', 'Title', 'Barcode']),
    );
    expect(report.associatedImages).toEqual(['thumbnail']);
    const info = JSON.parse(wsi('info', out, '--json').stdout);
    expect(info.associatedImages).toEqual(['thumbnail']);
    expect(
      Object.keys(info.properties).filter((k) => /Filename|Date|Time|ScanScope|User|Title|Barcode/.test(k)),
    ).toEqual([]);
    expect(info.properties['aperio.AppMag']).toBe('20');
  });

  it.skipIf(!hasPythonModules(['openslide', 'numpy']))(
    'OpenSlide 3.4.1 sees no label/macro, the same levels and identical pixels',
    () => {
      const out = join(dir, 'anon-os.svs');
      expect(wsi('anonymize', svs, '--out', out).code).toBe(0);
      const ref = runPythonJson<{ fmt: string; assoc: string[]; same: boolean; pixels: boolean; leaked: string[] }>(
        `import json, sys, openslide, numpy as np
a = openslide.OpenSlide(sys.argv[1]); b = openslide.OpenSlide(sys.argv[2])
pixels = all((np.asarray(a.read_region((0, 0), l, d)) == np.asarray(b.read_region((0, 0), l, d))).all() for l, d in enumerate(a.level_dimensions))
leaked = [k for k, v in b.properties.items() if any(s in k for s in ('Filename', 'Date', 'Time', 'ScanScope', 'User', 'Title', 'Barcode')) or 'John' in v]
print(json.dumps({'fmt': openslide.OpenSlide.detect_format(sys.argv[2]), 'assoc': sorted(b.associated_images), 'same': a.level_dimensions == b.level_dimensions, 'pixels': bool(pixels), 'leaked': leaked}))`,
        [svs, out],
      );
      expect(ref).toEqual({ fmt: 'aperio', assoc: ['thumbnail'], same: true, pixels: true, leaked: [] });
    },
  );

  it('refuses to overwrite without --overwrite, and non-slides with a typed error', () => {
    const out = join(dir, 'exists.svs');
    writeFileSync(out, 'x');
    const r = wsi('anonymize', svs, '--out', out);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/error \[InvalidArgument\]/);
    expect(wsi('anonymize', svs, '--out', out, '--overwrite').code).toBe(0);
    const junk = join(dir, 'junk.bin');
    writeFileSync(junk, 'not a slide at all');
    const bad = wsi('anonymize', junk, '--out', join(dir, 'junk-out.svs'));
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/error \[UnsupportedFormat\]/);
    expect(wsi('anonymize', svs).code).toBe(2);
  });
});
