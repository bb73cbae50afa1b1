import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const BIN = resolve(__dirname, '../dist/bin.js');
const pkg = (await import('../package.json', { with: { type: 'json' } })).default as { version: string };

function wsi(...args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('wsi skeleton', () => {
  it('--help lists the commands and exits 0', () => {
    const r = wsi('--help');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Usage: wsi/);
    for (const c of ['h5', 'manifest']) expect(r.stdout).toMatch(new RegExp(`\\n\\s+${c}\\b`));
  });

  it('--version prints the package version', () => {
    const r = wsi('--version');
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe(pkg.version);
  });

  it('an unknown command or flag is a usage error (exit 2)', () => {
    expect(wsi('frobnicate').code).toBe(2);
    expect(wsi('manifest', 'check', '--nope', 'x.csv').code).toBe(2);
    expect(wsi('manifest', 'check').code).toBe(2);
  });

  it('manifest check summarises a manifest as JSON', () => {
    const dir = mkdtempSync(join(tmpdir(), 'wsi-cli-'));
    const csv = join(dir, 'm.csv');
    writeFileSync(csv, 'slide,label,case_id,bag_id,site\na.svs,1,P1,B1,x\nb.svs,1,P1,B1,x\nc.svs,0,P2,,y\n');
    const r = wsi('manifest', 'check', csv, '--json');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({
      slides: 3,
      bags: 2,
      cases: 2,
      labels: { '1': 2, '0': 1 },
      columns: ['slide', 'label', 'case_id', 'bag_id', 'site'],
    });
  });

  it('a bad manifest fails with one typed line on stderr (exit 1), JSON error with --json', () => {
    const dir = mkdtempSync(join(tmpdir(), 'wsi-cli-'));
    const csv = join(dir, 'bad.csv');
    writeFileSync(csv, 'path,label\na.svs,1\n');
    const r = wsi('manifest', 'check', csv);
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^wsi: error \[InvalidArgument\]: .*no 'slide' column/);
    const j = wsi('--json', 'manifest', 'check', csv);
    expect(j.code).toBe(1);
    expect(JSON.parse(j.stdout).error.code).toBe('InvalidArgument');
  });

  it('h5 shows the datasets and attributes of a coords file we wrote', async () => {
    const { writeCoordsFile } = await import('@wsi/h5');
    const dir = mkdtempSync(join(tmpdir(), 'wsi-cli-'));
    const file = join(dir, 'slide.h5');
    const meta = {
      name: 'slide',
      patchSize: 256,
      patchLevel: 0,
      downsample: [1, 1] as [number, number],
      patchSizeLevel0: 256,
      levelDim: [1000, 800] as [number, number],
      downsampledLevelDim: [1000, 800] as [number, number],
      overlap: 0,
    };
    await writeCoordsFile(file, { coords: new Int32Array([0, 0, 256, 0, 512, 256]), meta }, { layout: 'wsi' });
    const r = wsi('h5', file, '--json');
    expect(r.code).toBe(0);
    const tree = JSON.parse(r.stdout);
    const coords = tree.children.find((c: { path: string }) => c.path === '/coords');
    expect(coords).toMatchObject({ kind: 'dataset', shape: [3, 2], dtype: 'int64' });
    expect(coords.attrs.patch_size).toBe(256);
    expect(tree.attrs.wsi_version).toBe(pkg.version);
    const text = wsi('h5', file);
    expect(text.stdout).toMatch(/\/coords\s+int64 \[3×2\]/);
    expect(wsi('h5', join(dir, 'missing.h5')).code).toBe(1);
  });

  it('a missing file is NotFound, and --verbose adds the stack', () => {
    const r = wsi('manifest', 'check', '/nonexistent/m.csv');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/\[NotFound\]/);
    const v = wsi('--verbose', 'manifest', 'check', '/nonexistent/m.csv');
    expect(v.stderr.split('\n').length).toBeGreaterThan(2);
  });
});
