#!/usr/bin/env node
// PatchDataset benchmark: prints ONE JSON line.
//  Writes --files patch h5 files of --per 224² patches each (the `wsi extract --format h5` layout: imgs N×224×224×3
//  uint8 chunked per patch + coords) under bench/out/dataset (pixels: a real H&E tile, shifted per patch), then
//  1. patches/s through PatchDataset into normalised Float32 NCHW batches of 64 (ImageNet mean/std, as the
//     resnet50/uni_v1 presets), in memory and on disk, in file order and shuffled, plus memory-mode load time;
//  2. the same with augmentation (flips + 90° rotations + HED jitter);
//  3. the cost of one random access (`read(i)`, i uniform) on disk vs in memory.
// usage: node bench/patcher/dataset-bench.mjs [--files 4] [--per 256] [--reps 3]
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PatchImagesWriter } from '@wsi/h5';
import { IMAGENET_NORMALIZATION, PatchDataset } from '@wsi/patcher';
import sharp from 'sharp';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const args = process.argv.slice(2);
const arg = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : dflt;
};
const nFiles = arg('--files', 4);
const per = arg('--per', 256);
const reps = arg('--reps', 3);
const S = 224;
const B = 64;
const log = (m) => process.stderr.write(`[dataset-bench] ${m}\n`);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const out = join(root, 'bench/out/dataset');
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });

// a 512² H&E tile as the pixel source (a grey ramp when the fixtures are absent)
const tilePath = resolve(root, '../shared/fixtures/tiles/histolab-tissue-qc/tissue-level2-4640-4649-8736-8746.png');
let src;
if (existsSync(tilePath)) src = await sharp(tilePath).removeAlpha().raw().toBuffer();
else src = Uint8Array.from({ length: 512 * 512 * 3 }, (_, i) => i & 255);

const paths = [];
const tw = performance.now();
for (let f = 0; f < nFiles; f++) {
  const p = join(out, `slide${f}.h5`);
  const meta = {
    name: `slide${f}`,
    patchSize: S,
    patchLevel: 0,
    downsample: [1, 1],
    patchSizeLevel0: S,
    levelDim: [100000, 100000],
    downsampledLevelDim: [100000, 100000],
    overlap: 0,
  };
  const w = await PatchImagesWriter.create(p, meta, { size: S });
  const rgb = new Uint8Array(B * S * S * 3);
  const xy = new Int32Array(B * 2);
  for (let k0 = 0; k0 < per; k0 += B) {
    const n = Math.min(B, per - k0);
    for (let k = 0; k < n; k++) {
      const ox = ((k0 + k) * 7) % (512 - S);
      const oy = ((k0 + k) * 13 + f * 31) % (512 - S);
      for (let y = 0; y < S; y++)
        rgb.set(src.subarray(((oy + y) * 512 + ox) * 3, ((oy + y) * 512 + ox + S) * 3), (k * S + y) * S * 3);
      xy[k * 2] = (k0 + k) * S;
      xy[k * 2 + 1] = f * S;
    }
    w.append(rgb.subarray(0, n * S * S * 3), xy.subarray(0, n * 2));
  }
  await w.finish();
  paths.push(p);
}
const total = nFiles * per;
log(
  `wrote ${nFiles} files × ${per} patches of ${S}² (${((total * S * S * 3) / 2 ** 20).toFixed(0)} MiB) in ${((performance.now() - tw) / 1000).toFixed(1)} s`,
);

const cpuRates = {};
async function epoch(ds, options, key) {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  let n = 0;
  let sink = 0;
  for await (const b of ds.batches({ batchSize: B, normalize: IMAGENET_NORMALIZATION, recycle: true, ...options })) {
    n += b.shape[0];
    sink += b.x[0];
  }
  if (n !== total || Number.isNaN(sink)) throw new Error(`epoch saw ${n} patches`);
  const c = process.cpuUsage(c0);
  if (key) (cpuRates[key] ??= []).push(total / ((c.user + c.system) / 1e6));
  return total / ((performance.now() - t0) / 1000);
}

function randomReads(ds, k) {
  const buf = new Uint8Array(S * S * 3);
  let seed = 12345;
  const t0 = performance.now();
  for (let j = 0; j < k; j++) {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    ds.read(seed % total, buf);
  }
  return ((performance.now() - t0) / k) * 1000; // µs per access
}

const result = {
  bench: 'patcher-dataset',
  patches: total,
  files: nFiles,
  patchSize: S,
  batchSize: B,
  reps,
  cores: cpus().length,
  loadavg: loadavg().map((x) => Number(x.toFixed(2))),
};
const aug = { flips: true, rot90: true, hed: { sigma: 0.05, bias: 0.05 } };
for (const mode of ['memory', 'disk']) {
  const loads = [];
  let ds;
  for (let r = 0; r < reps; r++) {
    const t0 = performance.now();
    ds = await PatchDataset.open(paths, { mode });
    loads.push((performance.now() - t0) / 1000);
    if (r < reps - 1) await ds.close();
  }
  const seq = [];
  const shuf = [];
  const augd = [];
  for (let r = 0; r < reps; r++) {
    seq.push(await epoch(ds, {}, `${mode}-seq`));
    shuf.push(await epoch(ds, { shuffle: true, seed: 1, epoch: r }, `${mode}-shuf`));
  }
  augd.push(await epoch(ds, { shuffle: true, seed: 1, augment: aug }, `${mode}-aug`));
  const reads = [];
  const readCpu = [];
  for (let r = 0; r < reps; r++) {
    const c0 = process.cpuUsage();
    reads.push(randomReads(ds, 2000));
    const c = process.cpuUsage(c0);
    readCpu.push((c.user + c.system) / 2000);
  }
  await ds.close();
  result[mode] = {
    openSeconds: Number(median(loads).toFixed(3)),
    ...(mode === 'memory' ? { loadMiBps: Number(((total * S * S * 3) / 2 ** 20 / median(loads)).toFixed(0)) } : {}),
    patchesPerSecond: Number(median(seq).toFixed(0)),
    patchesPerSecondShuffled: Number(median(shuf).toFixed(0)),
    patchesPerSecondShuffledAugmented: Number(augd[0].toFixed(0)),
    randomAccessMicros: Number(median(reads).toFixed(1)),
    randomAccessCpuMicros: Number(median(readCpu).toFixed(1)),
    cpuPatchesPerSecond: Number(median(cpuRates[`${mode}-seq`]).toFixed(0)),
    cpuPatchesPerSecondShuffled: Number(median(cpuRates[`${mode}-shuf`]).toFixed(0)),
    cpuPatchesPerSecondShuffledAugmented: Number(median(cpuRates[`${mode}-aug`]).toFixed(0)),
  };
  log(`${mode}: ${JSON.stringify(result[mode])}`);
}
result.diskVsMemoryRandomAccess = Number(
  (result.disk.randomAccessMicros / result.memory.randomAccessMicros).toFixed(1),
);
result.diskVsMemoryRandomAccessCpu = Number(
  (result.disk.randomAccessCpuMicros / result.memory.randomAccessCpuMicros).toFixed(1),
);
result.diskVsMemoryShuffledThroughput = Number(
  (result.memory.patchesPerSecondShuffled / result.disk.patchesPerSecondShuffled).toFixed(2),
);
rmSync(out, { recursive: true, force: true });
console.log(JSON.stringify(result));
