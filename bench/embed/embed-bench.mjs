#!/usr/bin/env node
// Embedding throughput, side by side (ONE JSON line on stdout):
//   1. bare ONNX Runtime on pre-made tensors (ResNet50-trunc, batch B, T intra-op threads),
//   2. the @wsi/embed pipeline on a real slide (read + resize 256→224 + normalise + batches + ORT + h5 write),
//      same model, batch and threads → ratio pipeline ÷ bare (goal ≥ 0.9),
//   3. PyTorch (Debian python3-torch) on the same model via ../shared/bench/torch_resnet50trunc_baseline.py
//      → ratio ORT ÷ torch (goal ≥ 1.0).
// Usage: node bench/embed/embed-bench.mjs [--patches 96] [--batch 16] [--threads 2] [--rounds 3]
// Needs ../shared/models/resnet50-trunc-random.onnx and ../shared/fixtures/aperio/CMU-1-Small-Region.svs.
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { embedSlide, loadEncoder } from '@wsi/embed';
import { writeCoordsFile } from '@wsi/h5';
import { openSlide } from '@wsi/reader';
import { sharedDir } from '@wsi/testing';
import * as ort from 'onnxruntime-node';

const { values } = parseArgs({
  options: {
    patches: { type: 'string', default: '96' },
    batch: { type: 'string', default: '16' },
    threads: { type: 'string', default: '2' },
    rounds: { type: 'string', default: '3' },
    slide: { type: 'string' },
  },
});
const N = Number(values.patches);
const B = Number(values.batch);
const T = Number(values.threads);
const R = Number(values.rounds);
const shared = sharedDir();
const model = join(shared, 'models', 'resnet50-trunc-random.onnx');
// --slide: any slide (e.g. bench/out/bench.tif) for a realistic patch count; default the Aperio fixture (88 patches,
// where the pipeline's fixed per-slide cost — open, coords read, h5 create — weighs several percent)
const slide = values.slide ? resolve(values.slide) : join(shared, 'fixtures', 'aperio', 'CMU-1-Small-Region.svs');
const slideName = basename(slide).replace(/\.[^.]+$/, '');
const dir = await mkdtemp(join(tmpdir(), 'wsi-embed-bench-'));
const mallocEnv = (env) =>
  Object.fromEntries(Object.entries(env).filter(([k]) => /^(MALLOC_|LD_PRELOAD|OMP_|OPENBLAS_)/.test(k)));

try {
  // Coords: a 256-px grid over the slide's level 0 from its middle (the whole fixture), first N patches.
  const opened = await openSlide(slide);
  const [W, H] = [opened.levels[0].width, opened.levels[0].height];
  await opened.close();
  const big = W * H > 64e6;
  const coords = [];
  for (let y = big ? Math.floor(H / 3 / 256) * 256 : 0; y + 256 <= H && coords.length < 2 * N; y += 256)
    for (let x = big ? Math.floor(W / 4 / 256) * 256 : 0; x + 256 <= W && coords.length < 2 * N; x += 256)
      coords.push(x, y);
  const n = coords.length / 2;
  const coordsPath = join(dir, `${slideName}.h5`);
  const meta = {
    name: slideName,
    patchSize: 256,
    patchLevel: 0,
    downsample: [1, 1],
    patchSizeLevel0: 256,
    levelDim: [W, H],
    downsampledLevelDim: [W, H],
    overlap: 0,
  };
  await writeCoordsFile(coordsPath, { coords: Int32Array.from(coords), meta });

  const enc = await loadEncoder({ model, preset: 'resnet50', threads: T });
  // Bare ORT: the same session, pre-made random tensors, same number of patches in batches of B.
  const x = new Float32Array(B * 3 * 224 * 224).map(() => Math.random() * 4 - 2);
  await enc.run(x, B); // warm-up
  const bareRun = async () => {
    const t0 = performance.now();
    let done = 0;
    while (done < n) {
      const k = Math.min(B, n - done);
      await enc.run(k === B ? x : x.subarray(0, k * 3 * 224 * 224), k);
      done += k;
    }
    return n / ((performance.now() - t0) / 1000);
  };
  // Bare ORT and the pipeline alternate for R rounds (the machine is shared: load changes from second to second);
  // the ratio reported is the median of the per-round ratios pipeline ÷ bare.
  const rounds = [];
  let r;
  for (let i = 0; i < R; i++) {
    const bareRate = await bareRun();
    const t = performance.now();
    r = await embedSlide(slide, { coords: coordsPath, outDir: dir, encoder: enc, batchSize: B, force: true });
    rounds.push({ bare: bareRate, pipe: n / ((performance.now() - t) / 1000) });
  }
  const med = (xs) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const bare = med(rounds.map((q) => q.bare));
  const pipe = med(rounds.map((q) => q.pipe));
  const ratio = med(rounds.map((q) => q.pipe / q.bare));
  await enc.close();

  // PyTorch baseline: same threads and batch, enough iterations for ~n patches.
  const py = spawnSync(
    '/usr/bin/python3',
    [
      join(shared, 'bench', 'torch_resnet50trunc_baseline.py'),
      '--threads',
      String(T),
      '--batch-sizes',
      String(B),
      '--warmup',
      '1',
      '--iters',
      String(Math.max(1, Math.round(n / B))),
    ],
    { encoding: 'utf8', timeout: 900_000 },
  );
  let torch = null;
  try {
    const j = JSON.parse(py.stdout.trim().split('\n').pop());
    const res = j.results.find((q) => q.threads === T && q.batch_size === B) ?? j.results[0];
    torch = { patches_per_s: res.patches_per_s, torch: j.torch, env: j.env, impl: j.impl, mkldnn: j.mkldnn_enabled };
  } catch {
    torch = { error: (py.stderr || py.stdout || '').slice(-300) };
  }
  console.log(
    JSON.stringify({
      bench: 'embed',
      model: 'resnet50-trunc-random.onnx (ResNet50-trunc, 1024-d)',
      slide: basename(slide),
      patches: n,
      batch: B,
      threads: T,
      onnxruntime: ort.env.versions?.common ?? '1.30',
      bare_ort_patches_per_s: Number(bare.toFixed(2)),
      rounds: rounds.map((q) => ({ bare: Number(q.bare.toFixed(2)), pipeline: Number(q.pipe.toFixed(2)) })),
      pipeline_patches_per_s: Number(pipe.toFixed(2)),
      pipeline_over_bare: Number(ratio.toFixed(3)),
      torch_patches_per_s: torch.patches_per_s ?? null,
      ort_over_torch: torch.patches_per_s ? Number((bare / torch.patches_per_s).toFixed(3)) : null,
      pipeline_seconds: Number(r.seconds.toFixed(2)),
      malloc: {
        node_ort: { allocator: 'glibc malloc (process default) + ORT CPU arena', env: mallocEnv(process.env) },
        torch: { allocator: 'glibc malloc (process default)', env: torch.env ?? {} },
      },
      torch_detail: torch,
    }),
  );
} finally {
  await rm(dir, { recursive: true, force: true });
}
