import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
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
import { drainQueue, retryFailed } from '../src/queue/admin.js';
import { queueStatus } from '../src/queue/status.js';
import { submitCohort } from '../src/queue/submit.js';
import { runSlide } from '../src/run/index.js';

const BIN = resolve(__dirname, '../dist/bin.js');
const hasRedis = spawnSync('redis-server', ['--version'], { encoding: 'utf8' }).status === 0;
const h5py = hasPythonModules(['h5py', 'numpy']);

// Every dataset (shape, dtype, sha256) and attribute of every .h5 file under a folder (the write time `wsi_created`
// left out, the folder's own path replaced), and the sha256 of every other file except run.json.
const DUMP = `
import h5py, hashlib, json, os, sys, numpy as np
root = os.path.abspath(sys.argv[1]); out = {}
def val(v):
    if isinstance(v, bytes): v = v.decode()
    if isinstance(v, str): return v.replace(root, '<DIR>')
    if isinstance(v, np.ndarray): return v.tolist()
    if isinstance(v, np.generic): return v.item()
    return v
for d, _, files in os.walk(root):
    for f in sorted(files):
        p = os.path.join(d, f); rel = os.path.relpath(p, root)
        if rel == 'run.json': continue
        if not f.endswith('.h5'):
            out[rel] = hashlib.sha256(open(p, 'rb').read()).hexdigest(); continue
        entry = {}
        with h5py.File(p, 'r') as h:
            def visit(name, obj):
                attrs = {k: val(v) for k, v in obj.attrs.items() if k != 'wsi_created'}
                if isinstance(obj, h5py.Dataset):
                    a = obj[()]
                    entry[name] = [list(a.shape), str(a.dtype), hashlib.sha256(np.ascontiguousarray(a).tobytes()).hexdigest(), attrs]
                else: entry[name] = attrs
            entry['/'] = {k: val(v) for k, v in h.attrs.items() if k != 'wsi_created'}
            h.visititems(visit)
        out[rel] = entry
print(json.dumps(out, sort_keys=True))
`;

const PARAMS = { segmentation: { preset: 'tcga' as const, aT: 1 }, patchSize: 256, magnification: 20 };
const FLAGS = ['--seg-preset', 'tcga', '--a-t', '1', '--patch-size', '256', '--magnification', '20'];

function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const s = createServer();
    s.once('error', fail);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => done(typeof a === 'object' && a ? a.port : 0));
    });
  });
}

const exited = (p: ChildProcess, ms: number): Promise<boolean> =>
  p.exitCode !== null || p.signalCode !== null
    ? Promise.resolve(true)
    : new Promise((done) => {
        const t = setTimeout(() => done(false), ms);
        p.once('exit', () => {
          clearTimeout(t);
          done(true);
        });
      });

/** A Debian redis-server on loopback with AOF on, in its own folder. */
class Redis {
  proc?: ChildProcess;
  constructor(
    readonly port: number,
    readonly dir: string,
  ) {}
  async start(): Promise<void> {
    const p = spawn(
      'redis-server',
      ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'yes', '--dir', this.dir],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    this.proc = p;
    await new Promise<void>((done, fail) => {
      let log = '';
      const t = setTimeout(() => fail(new Error(`redis-server did not start: ${log}`)), 15_000);
      p.stdout?.on('data', (b: Buffer) => {
        log += b.toString();
        if (/Ready to accept connections/.test(log)) {
          clearTimeout(t);
          done();
        }
      });
      p.once('exit', (code) => fail(new Error(`redis-server exited (${code}): ${log}`)));
    });
  }
  async stop(): Promise<void> {
    const p = this.proc;
    if (!p) return;
    p.kill('SIGTERM'); // saves the AOF and exits
    if (!(await exited(p, 10_000))) p.kill('SIGKILL');
    this.proc = undefined;
  }
}

/** A `wsi worker` process with its stderr lines. */
class WorkerProc {
  readonly proc: ChildProcess;
  log = '';
  constructor(url: string, name: string, onLine: (w: WorkerProc, line: string) => void, extra: string[] = []) {
    this.proc = spawn(
      process.execPath,
      [
        BIN,
        'worker',
        '--queue',
        url,
        '--name',
        name,
        '--lock-duration',
        '4000',
        '--stalled-interval',
        '1000',
        ...extra,
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let rest = '';
    this.proc.stderr?.on('data', (b: Buffer) => {
      this.log += b.toString();
      const lines = (rest + b.toString()).split('\n');
      rest = lines.pop() ?? '';
      for (const l of lines) onLine(this, l);
    });
  }
}

describe.skipIf(!hasRedis || !h5py)(
  'wsi queue + wsi worker on a real Redis (needs Debian redis-server and /usr/bin/python3 + h5py)',
  () => {
    const dir = mkdtempSync(join(tmpdir(), 'wsi-queue-'));
    const slides = ['q1', 'q2', 'q3'].map((n) => join(dir, `${n}.svs`));
    const bad = join(dir, 'broken.svs');
    let redis: Redis;
    let url = '';
    const workers: WorkerProc[] = [];
    afterAll(async () => {
      for (const w of workers) if (w.proc.exitCode === null) w.proc.kill('SIGKILL');
      await redis?.stop();
      rmSync(dir, { recursive: true, force: true });
    });

    beforeAll(async () => {
      const real = defaultTilePaths().length > 0;
      for (const [i, path] of slides.entries()) {
        const src = real
          ? await composedSlide({ width: 2048, height: 1536, seed: i + 1, islands: 2 })
          : syntheticTissue({ width: 2048, height: 1536, seed: i + 1 });
        await writeSvs(path, { source: src, mpp: 0.5, appMag: 20, seed: i + 1 });
      }
      writeFileSync(bad, Buffer.from('II*\0not a slide'.repeat(64)));
      mkdirSync(join(dir, 'redis'));
      redis = new Redis(await freePort(), join(dir, 'redis'));
      await redis.start();
      url = `redis://127.0.0.1:${redis.port}`;
    }, 60_000);

    it('3 workers, one SIGKILLed mid-slide, Redis restarted mid-run: every good slide done, the corrupt one failed', async () => {
      const manifest = join(dir, 'cohort.csv');
      writeFileSync(manifest, `slide\n${[...slides, bad].join('\n')}\n`);
      const sub = spawnSync(
        process.execPath,
        [BIN, 'queue', 'submit', '--queue', url, '--manifest', manifest, '--out', join(dir, 'out'), ...FLAGS, '--json'],
        { encoding: 'utf8', timeout: 60_000 },
      );
      expect(sub.status, sub.stderr).toBe(0);
      expect(JSON.parse(sub.stdout)).toMatchObject({ slides: 4, added: 4, existing: 0, name: 'wsi' });
      // submitting the same cohort again queues nothing
      const again = await submitCohort({ queue: url, manifest, outDir: join(dir, 'out'), params: PARAMS });
      expect(again).toMatchObject({ added: 0, existing: 4 });

      let killed: { pid: number; slide: string } | undefined;
      let restarted: Promise<void> | undefined;
      let doneLines = 0;
      let doneAtRestart = 0;
      const onLine = (w: WorkerProc, line: string) => {
        const started = /\]: (\S+) started/.exec(line);
        if (started && !killed && !line.includes('broken')) {
          killed = { pid: w.proc.pid ?? 0, slide: started[1] as string };
          w.proc.kill('SIGKILL');
          // what a writer killed mid-file leaves: the next worker on this slide must remove it
          mkdirSync(join(dir, 'out', 'patches'), { recursive: true });
          writeFileSync(join(dir, 'out', 'patches', `${killed.slide}.h5.tmp-999999-0badcafe`), 'partial');
        }
        if (/\]: \S+ (already )?done/.test(line)) doneLines++;
        if (/\]: \S+ done/.test(line) && killed && !restarted)
          restarted = (async () => {
            doneAtRestart = doneLines;
            await redis.stop();
            await new Promise((r) => setTimeout(r, 1000));
            await redis.start();
          })();
      };
      for (let i = 0; i < 3; i++) workers.push(new WorkerProc(url, 'wsi', onLine));

      const t0 = Date.now();
      let s = await queueStatus({ queue: url }).catch(() => undefined);
      while (Date.now() - t0 < 75_000) {
        await new Promise((r) => setTimeout(r, 1000));
        if (restarted) await restarted;
        s = await queueStatus({ queue: url }).catch(() => undefined);
        if (s && s.counts.completed + s.counts.failed === 4 && s.counts.active + s.counts.waiting === 0) break;
      }
      const logs = workers.map((w) => w.log).join('\n');
      expect(killed, logs).toBeDefined();
      expect(restarted, 'Redis was not restarted during the run').toBeDefined();
      expect(doneLines, `no slide finished after the Redis restart:\n${logs}`).toBeGreaterThan(doneAtRestart);
      expect(s?.counts, logs).toEqual({ waiting: 0, active: 0, completed: 3, failed: 1, delayed: 0 });
      expect(s?.failed).toHaveLength(1);
      expect(s?.failed[0]).toMatchObject({ slide: bad, name: 'broken', attempts: 1 });
      expect(s?.failed[0]?.error).toMatch(/^\[CorruptFile\]/);
      expect(s?.throughput.slidesPerHour).toBeGreaterThan(0);
      // the killed worker's slide was taken over by another worker and finished there
      const k = killed as { pid: number; slide: string };
      const others = workers.filter((w) => w.proc.pid !== k.pid).map((w) => w.log);
      expect(others.join('\n'), logs).toMatch(new RegExp(`\\]: ${k.slide} (done|already done)`));
      expect(others.join('\n'), logs).toMatch(new RegExp(`\\]: ${k.slide}: removed [1-9]\\d* temporary files`));

      // graceful stop: every worker exits by itself, and no processor child is left behind
      const live = workers.filter((w) => w.proc.pid !== k.pid);
      for (const w of live) w.proc.kill('SIGTERM');
      for (const w of live) expect(await exited(w.proc, 20_000), w.log).toBe(true);
      for (const w of live) expect(w.proc.exitCode, w.log).toBe(0);
    }, 120_000);

    it('the outputs equal a single-machine runSlide of the same slides (datasets and attributes)', async () => {
      const ref = join(dir, 'ref');
      const results = [];
      for (const slide of slides) {
        const r = await runSlide({ slide, outDir: ref, params: PARAMS });
        expect(r.status).toBe('done');
        results.push(r);
      }
      // run.json of the queued cohort, as wsi run writes it (exit 3: a slide failed)
      const st = spawnSync(process.execPath, [BIN, 'queue', 'status', '--queue', url, '--run-json', '--json'], {
        encoding: 'utf8',
        timeout: 30_000,
      });
      expect(st.status, st.stderr).toBe(3);
      const run = JSON.parse(readFileSync(join(dir, 'out', 'run.json'), 'utf8'));
      // a slide run twice (its lock expired while Redis was down) is `skipped` the second time, as in wsi run
      const why = JSON.stringify(run.slides);
      expect(run.totals, why).toMatchObject({ slides: 4, failed: 1 });
      expect(run.totals.done + run.totals.skipped, why).toBe(3);
      expect(run.params).toMatchObject({ patchSize: 256, segmentation: { preset: 'tcga', aT: 1 } });
      for (const r of results) {
        const q = run.slides.find((x: { name: string }) => x.name === r.name);
        expect(['done', 'skipped'], why).toContain(q?.status);
        for (const stage of ['segment', 'patch', 'embed'] as const)
          expect(q.stages[stage].count, `${r.name} ${stage}: ${why}`).toBe(r.stages[stage].count);
      }
      expect(run.slides.find((x: { name: string }) => x.name === 'broken')?.error?.code).toBe('CorruptFile');
      const a = runPythonJson<Record<string, unknown>>(DUMP, [ref]);
      const b = runPythonJson<Record<string, unknown>>(DUMP, [join(dir, 'out')]);
      expect(Object.keys(a)).toContain('features_default/q1.h5');
      expect(Object.keys(a)).toContain('patches/q3.h5');
      // no temporary file left, nothing of the corrupt slide but its failure
      expect(Object.keys(b).sort()).toEqual(Object.keys(a).sort());
      expect(b).toEqual(a);
    }, 60_000);

    it('SIGTERM with no grace left hands the running slide back to the queue and exits 0', async () => {
      await submitCohort({
        queue: url,
        name: 'grace',
        slides: [slides[0] as string],
        outDir: join(dir, 'out-g'),
        params: PARAMS,
      });
      let termed = false;
      const w = new WorkerProc(
        url,
        'grace',
        (me, line) => {
          if (!termed && /\]: q1 started/.test(line)) {
            termed = true;
            me.proc.kill('SIGTERM');
          }
        },
        ['--grace', '0'],
      );
      workers.push(w);
      expect(await exited(w.proc, 40_000), w.log).toBe(true);
      expect(w.proc.exitCode, w.log).toBe(0);
      expect(w.log).toMatch(/q1 interrupted, handed back to the queue/);
      const s = await queueStatus({ queue: url, name: 'grace' });
      expect(s.counts).toEqual({ waiting: 1, active: 0, completed: 0, failed: 0, delayed: 0 });
      await drainQueue({ queue: url, name: 'grace', all: true });
    }, 60_000);

    it('retry-failed re-queues the failed slide; drain empties what is left', async () => {
      expect(await retryFailed({ queue: url })).toEqual({ retried: 1 });
      let s = await queueStatus({ queue: url });
      expect(s.counts).toMatchObject({ waiting: 1, failed: 0, completed: 3 });
      const r = spawnSync(process.execPath, [BIN, 'queue', 'drain', '--queue', url, '--json'], {
        encoding: 'utf8',
        timeout: 30_000,
      });
      expect(r.status, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout)).toEqual({ removed: 1 });
      s = await queueStatus({ queue: url });
      expect(s.counts).toEqual({ waiting: 0, active: 0, completed: 3, failed: 0, delayed: 0 });
      expect((await drainQueue({ queue: url, all: true })).removed).toBe(3);
      expect((await queueStatus({ queue: url })).counts.completed).toBe(0);
      expect(readdirSync(join(dir, 'out', 'patches')).sort()).toEqual(['q1.h5', 'q2.h5', 'q3.h5']);
    }, 60_000);
  },
);
