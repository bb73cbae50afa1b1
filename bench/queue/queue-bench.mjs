#!/usr/bin/env node
// Queue scale-out bench: slides/hour of `wsi worker` processes on one BullMQ + Redis queue, with 1 and 2 workers on
// this machine, and the scaling efficiency (rate with 2 / (2 × rate with 1)). Prints ONE JSON line.
//
//   node bench/queue/queue-bench.mjs [--slides 6] [--size 2048] [--threads 0]
//
// Needs Debian's redis-server (started here on a free loopback port, AOF on, in a temporary folder) and a built
// packages/cli. The cohort is generated with @wsi/testing (composed slides of --size × 0.75·--size px at 0.5 µm/px,
// tissue from real tiles when available) into bench/out/queue-bench/ and reused. Each run submits the cohort to a
// fresh queue and output folder with `wsi queue submit`, starts N `wsi worker --until-empty` processes and waits for
// them. `slidesPerHour` is the queue's own figure (`wsi queue status`: finished slides over first start → last end,
// i.e. the steady rate once the workers are up); `wallSeconds` includes worker start-up and model loading.
// --threads N passes `--threads N` to every worker (0 = each worker uses all cores, the default of `wsi worker`).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { composedSlide, defaultTilePaths, syntheticTissue, writeSvs } from '@wsi/testing';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const BIN = join(root, 'packages/cli/dist/bin.js');
const args = process.argv.slice(2);
const option = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : dflt;
};
const SLIDES = option('--slides', 6);
const SIZE = option('--size', 2048);
const THREADS = option('--threads', 0);
const log = (...m) => console.error('[queue-bench]', ...m);

if (spawnSync('redis-server', ['--version']).status !== 0) {
  console.error('queue-bench: redis-server not found (apt-get install redis-server)');
  process.exit(2);
}

function freePort() {
  return new Promise((done) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => done(port));
    });
  });
}

const waitExit = (p) => new Promise((done) => (p.exitCode !== null ? done(p.exitCode) : p.once('exit', done)));

async function cohort() {
  const dir = join(root, 'bench/out/queue-bench', `${SIZE}`);
  mkdirSync(dir, { recursive: true });
  const real = defaultTilePaths().length > 0;
  const paths = [];
  for (let i = 0; i < SLIDES; i++) {
    const path = join(dir, `b${i}.svs`);
    if (!existsSync(path)) {
      log(`writing ${path}`);
      const h = Math.round(SIZE * 0.75);
      const src = real
        ? await composedSlide({ width: SIZE, height: h, seed: i + 1, islands: 2 })
        : syntheticTissue({ width: SIZE, height: h, seed: i + 1 });
      await writeSvs(path, { source: src, mpp: 0.5, appMag: 20, seed: i + 1 });
    }
    paths.push(path);
  }
  return paths;
}

function wsi(...a) {
  const r = spawnSync(process.execPath, [BIN, ...a], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`wsi ${a.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

async function run(url, slides, workers, work) {
  const name = `bench-${workers}`;
  const out = join(work, name);
  wsi('queue', 'submit', '--queue', url, '--name', name, '--out', out, '--seg-preset', 'tcga', '--a-t', '1', ...slides);
  const t0 = performance.now();
  const procs = Array.from({ length: workers }, () =>
    spawn(
      process.execPath,
      [BIN, 'worker', '--queue', url, '--name', name, '--until-empty', ...(THREADS ? ['--threads', `${THREADS}`] : [])],
      { stdio: ['ignore', 'ignore', 'inherit'] },
    ),
  );
  const codes = await Promise.all(procs.map(waitExit));
  const wallSeconds = (performance.now() - t0) / 1000;
  if (codes.some((c) => c !== 0)) throw new Error(`a worker exited with ${codes}`);
  const s = JSON.parse(wsi('queue', 'status', '--queue', url, '--name', name, '--json'));
  if (s.counts.completed !== slides.length) throw new Error(`only ${s.counts.completed} slides completed`);
  log(`${workers} worker(s): ${s.throughput.slidesPerHour} slides/h, ${wallSeconds.toFixed(1)} s wall`);
  return {
    slidesPerHour: s.throughput.slidesPerHour,
    secondsPerSlide: Math.round((3600 / s.throughput.slidesPerHour) * 100) / 100,
    wallSeconds: Math.round(wallSeconds * 10) / 10,
  };
}

const work = mkdtempSync(join(tmpdir(), 'wsi-queue-bench-'));
const port = await freePort();
const redis = spawn(
  'redis-server',
  ['--port', `${port}`, '--bind', '127.0.0.1', '--save', '', '--appendonly', 'yes', '--dir', work],
  { stdio: 'ignore' },
);
try {
  const slides = await cohort();
  await new Promise((r) => setTimeout(r, 500));
  const url = `redis://127.0.0.1:${port}`;
  const one = await run(url, slides, 1, work);
  const two = await run(url, slides, 2, work);
  console.log(
    JSON.stringify({
      bench: 'queue',
      cores: availableParallelism(),
      load1: Math.round(loadavg()[0] * 100) / 100,
      slides: SLIDES,
      slidePixels: `${SIZE}x${Math.round(SIZE * 0.75)}`,
      threadsPerWorker: THREADS || 'all',
      workers1: one,
      workers2: two,
      scalingEfficiency: Math.round((two.slidesPerHour / (2 * one.slidesPerHour)) * 1000) / 1000,
    }),
  );
} finally {
  redis.kill('SIGTERM');
  await waitExit(redis);
  rmSync(work, { recursive: true, force: true });
}
