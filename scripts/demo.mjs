#!/usr/bin/env node
// `npm run demo` (README command #1): a small labelled cohort of composed slides written as real files (Aperio SVS
// and 3DHISTECH MIRAX) → `wsi run` (tissue masks, patches, embeddings) → a MIL model trained with cross-validation
// → `wsi run --mil-model` again (only the predict stage runs: predictions, attention scores, heatmaps).
// Real H&E tiles from ../shared/fixtures/tiles when present, a generated tissue-like texture otherwise. Offline.
// Usage: node scripts/demo.mjs [OUT_DIR] [--slides N]
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { createProgressReporter, runCohort } from '@wsi/cli';
import { trainFromManifest } from '@wsi/mil';
import { composedSlide, defaultTilePaths, syntheticTissue, writeMirax, writeSvs } from '@wsi/testing';

const args = process.argv.slice(2);
const nIdx = args.indexOf('--slides');
const count = nIdx >= 0 ? Number(args[nIdx + 1]) : 12;
const out = resolve(args.find((a, i) => !a.startsWith('--') && args[i - 1] !== '--slides') ?? 'demo-out');
const started = performance.now();
const rel = (p) => relative(process.cwd(), p) || '.';
const secs = () => ((performance.now() - started) / 1000).toFixed(1);
const step = (s) => console.log(`\n[${secs()} s] ${s}`);

// 1. The cohort: half the slides carry tumour, half do not (label = 1 when tumour is present).
const W = 3072;
const H = 2048;
const tiles = defaultTilePaths();
const isTumour = (f) => /(^|\/)TUM-|TCGA-/.test(f);
const tumourFiles = tiles.filter(isTumour);
const normalFiles = tiles.filter((f) => !isTumour(f));
const real = tumourFiles.length > 0 && normalFiles.length > 0;
const slidesDir = join(out, 'slides');
mkdirSync(slidesDir, { recursive: true });
step(
  `writing ${count} slides (${W}×${H} at 0.5 µm/px, 20×) from ${
    real ? `${tiles.length} real H&E tiles (shared/fixtures/tiles)` : 'a generated tissue texture (no fixtures)'
  } into ${rel(slidesDir)}`,
);
const rows = [];
for (let i = 0; i < count; i++) {
  const label = i % 2;
  const seed = 101 + i;
  // tumour slides: mostly tumour tiles with some stroma/normal; others: no tumour tile at all
  const source = real
    ? await composedSlide({
        width: W,
        height: H,
        seed,
        islands: 3,
        files: label ? [...tumourFiles, ...normalFiles.slice(0, 3)] : normalFiles,
      })
    : syntheticTissue({ width: W, height: H, seed, nucleusPitch: label ? 12 : 30 });
  const mirax = i % 3 === 2;
  const name = `case${String(i + 1).padStart(2, '0')}`;
  const path = join(slidesDir, mirax ? `${name}.mrxs` : `${name}.svs`);
  if (mirax) {
    await writeMirax({
      path,
      source,
      mpp: 0.5,
      objectiveMagnification: 20,
      geometry: {
        imagesX: W / 256,
        imagesY: H / 256,
        divisions: 1,
        imageWidth: 256,
        imageHeight: 256,
        overlapX: 0,
        overlapY: 0,
        levels: 3,
        positions: 'none',
      },
    });
  } else await writeSvs(path, { source, mpp: 0.5, appMag: 20, seed });
  rows.push({ path, name, label, format: mirax ? 'MIRAX' : 'SVS' });
}
const manifest = join(out, 'cohort.csv');
writeFileSync(manifest, `slide,label,case_id\n${rows.map((r) => `${r.path},${r.label},${r.name}`).join('\n')}\n`);
console.log(
  `  ${rows.filter((r) => r.format === 'SVS').length} SVS + ${rows.filter((r) => r.format === 'MIRAX').length} MIRAX, manifest ${rel(manifest)}`,
);

// 2. wsi run: segmentation, patches, embeddings (the built-in weight-free encoder: offline, no weights).
const runDir = join(out, 'run');
const params = {
  patchSize: 256,
  magnification: 20,
  model: 'default',
  segmentation: { preset: 'tcga', aT: 1 },
  threads: availableParallelism(),
};
const tty = process.stderr.isTTY === true;
step(`wsi run --manifest ${rel(manifest)} --out ${rel(runDir)} (segment, patch, embed)`);
let progress = createProgressReporter({ tty });
const first = await runCohort({ manifest, outDir: runDir, params, onProgress: progress.onProgress });
progress.stop();
const t1 = first.totals;
console.log(`  ${t1.done} done, ${t1.skipped} already done, ${t1.failed} failed; ${t1.patches} patches`);
if (t1.failed)
  for (const s of first.slides.filter((x) => x.status === 'failed')) console.log(`  ${s.name}: ${s.error?.message}`);

// 3. MIL: attention MIL with 3-fold cross-validation on the features.
const features = join(runDir, 'features_default');
const modelDir = join(out, 'model');
step(
  `wsi train --manifest ${rel(manifest)} --features ${rel(features)} --task binary --folds 3 --out ${rel(modelDir)}`,
);
const trained = await trainFromManifest({
  manifest,
  features,
  out: modelDir,
  task: 'binary',
  folds: 3,
  epochs: 25,
  seed: 1,
  threads: availableParallelism(),
});
const m = trained.mean;
const sd = trained.sd;
const fmt = (k) =>
  m[k] === undefined ? 'n/a' : `${m[k].toFixed(3)}${sd[k] === undefined ? '' : ` ± ${sd[k].toFixed(3)}`}`;
console.log(`  cross-validated (out of fold): AUC ${fmt('auc')}, accuracy ${fmt('accuracy')}`);

// 4. wsi run --mil-model: the finished stages are kept; only predictions, attention scores and heatmaps are made.
step(`wsi run --manifest ${rel(manifest)} --out ${rel(runDir)} --mil-model ${rel(modelDir)} (resumes: predict only)`);
progress = createProgressReporter({ tty });
const second = await runCohort({
  manifest,
  outDir: runDir,
  params: { ...params, milModel: modelDir },
  onProgress: progress.onProgress,
});
progress.stop();

// 5. Where everything is.
const byName = new Map(rows.map((r) => [r.name, r]));
const { readFileSync } = await import('node:fs');
console.log('\n  slide    format  label  P(tumour)  patches  heatmap');
for (const s of second.slides) {
  const r = byName.get(s.name);
  let prob = 'n/a';
  try {
    const lines = readFileSync(join(runDir, 'predictions', `${s.name}.csv`), 'utf8')
      .trim()
      .split('\n');
    prob = Number(lines[1]?.split(',')[3]).toFixed(3);
  } catch {}
  console.log(
    `  ${s.name.padEnd(8)} ${r?.format.padEnd(7)} ${String(r?.label).padEnd(6)} ${prob.padEnd(10)} ${String(s.stages.patch.count).padEnd(8)} ${rel(join(runDir, 'heatmaps', `${s.name}.png`))}`,
  );
}
console.log(
  '  (P(tumour) on the training slides themselves: use the cross-validated metrics above to judge the model)',
);
console.log(`
@wsi demo finished in ${secs()} s on ${availableParallelism()} cores. Everything is in ${rel(out)}/:
  slides/                 the cohort (Aperio SVS and MIRAX .mrxs + folder), cohort.csv its manifest
  run/run.json            what wsi run did, per slide and stage (statuses, counts, seconds)
  run/segmentation/       tissue GeoJSON (QuPath), masks and overlays with the patch grid
  run/patches/            coords h5 (CLAM/Trident attributes)      run/features_default/  features h5
  run/predictions/        per-slide predictions                    run/scores/            attention per patch
  run/heatmaps/           attention heatmaps (PNG) + QuPath GeoJSON tiles
  model/                  fold-<k>/model.onnx, metrics.json, oof_predictions.csv
Next: npx wsi info ${rel(rows[0].path)}   ·   npx wsi run --help   ·   npx wsi doctor`);
