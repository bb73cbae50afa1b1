#!/usr/bin/env node
/**
 * ABMIL training epoch time: @wsi/mil (onnxruntime-node forward + backward graphs, Adam in JS) side by side with
 * ../shared/bench/torch_abmil_baseline.py (Debian python3-torch), same architecture (1024→512 ReLU dropout 0.25 →
 * gated attention 256 → 5 classes), same bag count and instance counts (the sizes are drawn by torch's generator
 * with the baseline's seed), same threads, Adam lr 2e-4 wd 1e-5, one bag per step, bags shuffled each epoch.
 * Prints one JSON line. Build first: npx tsc -b packages/mil.
 *
 * usage: node bench/mil/abmil-bench.mjs [--bags 60] [--min-n 1000] [--max-n 8000] [--threads 2] [--epochs 2]
 *        [--warmup 1] [--no-torch]
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const repo = join(here, '..', '..');
const { MilEngine, abmilConfig, Rng } = await import(join(repo, 'packages/mil/dist/index.js'));

const args = {
  bags: 60,
  'min-n': 1000,
  'max-n': 8000,
  threads: 2,
  epochs: 2,
  warmup: 1,
  classes: 5,
  seed: 0,
  torch: true,
};
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
  const a = argv[i].replace(/^--/, '');
  if (a === 'no-torch') args.torch = false;
  else args[a] = Number(argv[++i]);
}
const PY = '/usr/bin/python3';
const baseline = join(repo, '..', 'shared', 'bench', 'torch_abmil_baseline.py');
const hasTorch = (() => {
  try {
    execFileSync(PY, ['-c', 'import torch'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

// Instance counts: the baseline's make_bags draws sizes first from torch.Generator().manual_seed(seed).
let sizes;
let labels;
if (hasTorch) {
  const code = `import torch,json,sys\ng=torch.Generator().manual_seed(${args.seed})\ns=torch.randint(${args['min-n']},${args['max-n']}+1,(${args.bags},),generator=g).tolist()\nl=torch.randint(0,${args.classes},(${args.bags},),generator=g).tolist()\nprint(json.dumps([s,l]))`;
  [sizes, labels] = JSON.parse(execFileSync(PY, ['-c', code], { encoding: 'utf8' }));
} else {
  const r = new Rng(args.seed);
  sizes = Array.from({ length: args.bags }, () => args['min-n'] + r.int(args['max-n'] - args['min-n'] + 1));
  labels = Array.from({ length: args.bags }, () => r.int(args.classes));
}

const D = 1024;
const gen = new Rng(args.seed + 7);
const t0 = performance.now();
const bags = sizes.map((n) => {
  const x = new Float32Array(n * D);
  // Box–Muller, both outputs used (timings do not depend on the values; the sizes are what must match).
  for (let i = 0; i < x.length; i += 2) {
    const r = Math.sqrt(-2 * Math.log(1 - gen.uniform()));
    const t = 2 * Math.PI * gen.uniform();
    x[i] = r * Math.cos(t);
    if (i + 1 < x.length) x[i + 1] = r * Math.sin(t);
  }
  return x;
});
const genS = (performance.now() - t0) / 1000;
const instances = sizes.reduce((a, b) => a + b, 0);

const cfg = abmilConfig({ inDim: D, classes: args.classes, hidden: 512, attnDim: 256, dropout: 0.25 });
const load0 = loadavg()[0];
const engine = await MilEngine.create(cfg, {
  seed: args.seed,
  threads: args.threads,
  optimizer: { lr: 2e-4, weightDecay: 1e-5 },
});
const order = new Rng(args.seed + 1);
const epochTimes = [];
const losses = [];
for (let e = 0; e < args.warmup + args.epochs; e++) {
  const idx = order.shuffle(sizes.map((_, i) => i));
  let sum = 0;
  const s = performance.now();
  for (const i of idx) sum += (await engine.trainStep(bags[i], sizes[i], labels[i])).loss;
  const dt = (performance.now() - s) / 1000;
  if (e >= args.warmup) epochTimes.push(dt);
  losses.push(sum / sizes.length);
  process.stderr.write(`wsi epoch ${e} ${dt.toFixed(2)} s loss ${(sum / sizes.length).toFixed(4)}\n`);
}
const si = performance.now();
for (let i = 0; i < sizes.length; i++) await engine.predict(bags[i], sizes[i]);
const inferS = (performance.now() - si) / 1000;
await engine.release();
const median = (v) => {
  const s = [...v].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; // as Python's statistics.median
};
const wsiMedian = median(epochTimes);
const wsi = {
  median_epoch_s: Number(wsiMedian.toFixed(3)),
  epoch_times_s: epochTimes.map((t) => Number(t.toFixed(3))),
  train_instances_per_s: Math.round(instances / wsiMedian),
  infer_pass_s: Number(inferS.toFixed(3)),
  mean_loss_per_epoch: losses.map((l) => Number(l.toFixed(4))),
  peak_rss_mb: Math.round(process.resourceUsage().maxRSS / 1024),
  loadavg_1m_at_start: load0,
  malloc: 'glibc default (LD_PRELOAD and MALLOC_* as in env); onnxruntime CPU arena on',
  env: Object.fromEntries(Object.entries(process.env).filter(([k]) => /^(MALLOC_|OMP_|LD_PRELOAD)/.test(k))),
};
bags.length = 0;

let torch = null;
if (args.torch && hasTorch && existsSync(baseline)) {
  const load1 = loadavg()[0];
  const out = execFileSync(
    PY,
    [
      baseline,
      '--bags',
      String(args.bags),
      '--min-n',
      String(args['min-n']),
      '--max-n',
      String(args['max-n']),
      '--threads',
      String(args.threads),
      '--epochs',
      String(args.epochs),
      '--warmup',
      String(args.warmup),
      '--n-classes',
      String(args.classes),
      '--seed',
      String(args.seed),
    ],
    { encoding: 'utf8', maxBuffer: 1 << 24, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const j = JSON.parse(out.trim().split('\n').pop());
  const r = j.results[0];
  torch = {
    torch: j.torch,
    median_epoch_s: r.median_epoch_s,
    epoch_times_s: r.epoch_times_s,
    train_instances_per_s: r.train_instances_per_s,
    infer_pass_s: r.infer_pass_s,
    peak_rss_mb: j.peak_rss_mb,
    loadavg_1m_at_start: load1,
    malloc: `glibc default (env ${JSON.stringify(j.env)})`,
    blas: j.blas_lib,
    instances_total: j.instances_total,
  };
}
console.log(
  JSON.stringify({
    bench: 'abmil-train-epoch',
    args: { ...args, d_in: D, hidden: 512, attn: 256, dropout: 0.25 },
    instances_total: instances,
    data_gen_s: Number(genS.toFixed(1)),
    wsi,
    torch,
    ratio_epoch_time_wsi_over_torch: torch ? Number((wsiMedian / torch.median_epoch_s).toFixed(3)) : null,
    ratio_peak_rss_wsi_over_torch: torch ? Number((wsi.peak_rss_mb / torch.peak_rss_mb).toFixed(3)) : null,
  }),
);
