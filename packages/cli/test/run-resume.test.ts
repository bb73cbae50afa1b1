import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import {
  composedSlide,
  defaultTilePaths,
  hasPythonModules,
  runPythonJson,
  syntheticTissue,
  writeMirax,
  writeSvs,
} from '@wsi/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const BIN = resolve(__dirname, '../dist/bin.js');
const h5py = hasPythonModules(['h5py', 'numpy']);

// Every dataset (shape, dtype, sha256 of its bytes) and every attribute of every .h5 file under a folder, with the
// write time (`wsi_created`) left out and the output folder's own path (CLAM's `save_path`) replaced; plus the sha256 of every other output file except run.json.
const DUMP = `
import h5py, hashlib, json, os, sys, numpy as np
root = sys.argv[1]
absroot = os.path.abspath(root)
out = {}
def val(v):
    if isinstance(v, bytes): v = v.decode()
    if isinstance(v, str): return v.replace(absroot, '<DIR>')
    if isinstance(v, np.ndarray): return v.tolist()
    if isinstance(v, np.generic): return v.item()
    return v
for d, _, files in os.walk(root):
    for f in sorted(files):
        p = os.path.join(d, f); rel = os.path.relpath(p, root)
        if rel == 'run.json': continue
        if f.endswith('.h5'):
            entry = {}
            with h5py.File(p, 'r') as h:
                def visit(name, obj):
                    attrs = {k: val(v) for k, v in obj.attrs.items() if k != 'wsi_created'}
                    if isinstance(obj, h5py.Dataset):
                        a = obj[()]
                        entry[name] = [list(a.shape), str(a.dtype), hashlib.sha256(np.ascontiguousarray(a).tobytes()).hexdigest(), attrs]
                    else:
                        entry[name] = attrs
                entry['/'] = {k: val(v) for k, v in h.attrs.items() if k != 'wsi_created'}
                h.visititems(visit)
            out[rel] = entry
        else:
            out[rel] = hashlib.sha256(open(p, 'rb').read()).hexdigest()
print(json.dumps(out, sort_keys=True))
`;

const ARGS = ['--seg-preset', 'tcga', '--a-t', '1', '--patch-size', '256', '--magnification', '20'];

/** Runs `wsi run` and SIGKILLs it as soon as stderr matches `killAt` (or never). */
function runUntil(
  cwd: string,
  out: string,
  killAt?: RegExp,
): Promise<{ code: number | null; signal: string | null; stderr: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [BIN, 'run', 's1.svs', 's2.mrxs', '--out', out, ...ARGS], { cwd });
    let stderr = '';
    child.stderr.on('data', (b: Buffer) => {
      stderr += b.toString();
      if (killAt?.test(stderr) && child.exitCode === null) child.kill('SIGKILL');
    });
    child.stdout.resume();
    child.on('close', (code, signal) => done({ code, signal, stderr }));
  });
}

describe.skipIf(!h5py)(
  'wsi run: kill -9 at several moments, rerun, same outputs (needs /usr/bin/python3 + h5py)',
  () => {
    const dir = mkdtempSync(join(tmpdir(), 'wsi-run-resume-'));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    beforeAll(async () => {
      const W = 2048;
      const H = 1536;
      const real = defaultTilePaths().length > 0;
      const src = (seed: number) =>
        real
          ? composedSlide({ width: W, height: H, seed, islands: 2 })
          : syntheticTissue({ width: W, height: H, seed });
      await writeSvs(join(dir, 's1.svs'), { source: await src(1), mpp: 0.5, appMag: 20, seed: 1 });
      await writeMirax({
        path: join(dir, 's2.mrxs'),
        source: await src(2),
        mpp: 0.5,
        objectiveMagnification: 20,
        geometry: {
          imagesX: 8,
          imagesY: 6,
          divisions: 1,
          imageWidth: 256,
          imageHeight: 256,
          overlapX: 0,
          overlapY: 0,
          levels: 3,
          positions: 'none',
        },
      });
      writeFileSync(join(dir, 'bad.svs'), Buffer.from('II*\0not a slide'.repeat(64)));
    }, 60_000);

    it('an interrupted run, rerun, equals an uninterrupted one (datasets and attributes)', async () => {
      const clean = await runUntil(dir, 'clean');
      expect(clean.code, clean.stderr).toBe(0);
      const cleanRun = JSON.parse(readFileSync(join(dir, 'clean', 'run.json'), 'utf8'));
      expect(cleanRun.slides.map((s: { status: string }) => s.status)).toEqual(['done', 'done']);
      expect(cleanRun.totals.patches).toBeGreaterThan(4);

      // killed: after s1's segmentation files (before its coords), during s1's embedding, as s2 starts
      const moments = [/s1 patch 0\/1/, /s1 embed 0\//, /\[2\/2\] s2 segment 0\/1/];
      for (const at of moments) {
        const r = await runUntil(dir, 'killed', at);
        expect(r.signal, `not killed at ${at}: ${r.stderr}`).toBe('SIGKILL');
      }
      const last = await runUntil(dir, 'killed');
      expect(last.code, last.stderr).toBe(0);
      expect(last.stderr).toMatch(/s1 (segment|patch|embed): already done, kept/);
      const killedRun = JSON.parse(readFileSync(join(dir, 'killed', 'run.json'), 'utf8'));
      expect(killedRun.slides[0].status).toBe('skipped');

      const a = runPythonJson<Record<string, unknown>>(DUMP, [join(dir, 'clean')]);
      const b = runPythonJson<Record<string, unknown>>(DUMP, [join(dir, 'killed')]);
      expect(Object.keys(a)).toContain('features_default/s2.h5');
      expect(Object.keys(a)).toContain('patches/s1.h5');
      expect(Object.keys(b).sort()).toEqual(Object.keys(a).sort()); // no temporary files left either
      expect(b).toEqual(a);
    }, 180_000);

    it('reruns only what a changed parameter touches, and records a corrupt slide as failed (exit 3)', () => {
      const out = join(dir, 'clean');
      const state = () => JSON.parse(readFileSync(join(out, '.wsi-state', 's1.json'), 'utf8'));
      const before = state();
      const r = spawnSync(
        process.execPath,
        [BIN, 'run', 's1.svs', 'bad.svs', '--out', 'clean', ...ARGS.slice(0, -4), '--patch-size', '512', '--json'],
        { cwd: dir, encoding: 'utf8', timeout: 120_000 },
      );
      expect(r.status, r.stderr).toBe(3);
      const run = JSON.parse(r.stdout);
      expect(run.params.patchSize).toBe(512);
      expect(run.slides[0]).toMatchObject({ name: 's1', status: 'done' });
      expect(run.slides[1]).toMatchObject({ name: 'bad', slide: 'bad.svs', status: 'failed' });
      expect(run.slides[1].error.code).toBe('CorruptFile');
      expect(run.totals).toMatchObject({ slides: 2, done: 1, failed: 1 });
      const after = state();
      expect(after.stages.segment.key).toBe(before.stages.segment.key);
      expect(after.stages.patch.key).not.toBe(before.stages.patch.key);
      expect(after.stages.embed.key).not.toBe(before.stages.embed.key);
      expect(after.stages.embed.count).toBeLessThan(before.stages.embed.count);
      expect(existsSync(join(out, 'features_default', 's1.h5'))).toBe(true);
    }, 120_000);
  },
);
