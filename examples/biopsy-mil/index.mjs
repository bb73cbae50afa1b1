#!/usr/bin/env node
// Biopsy-level MIL, end to end: a manifest of biopsies (bag_id) with several slides each and a stage label →
// features for every slide (`runCohort` = `wsi run`) → an attention MIL model over each biopsy's patches from all
// its slides, cross-validated by patient (case_id) → per-biopsy predictions → attention heatmaps per slide.
// Usage: node index.mjs [MANIFEST.csv] [OUT_DIR] [--folds 3] [--epochs 30]
//   MANIFEST columns: slide, bag_id (the biopsy), case_id (the patient), stage (any names; sorted → class 0..C-1)
//   Without a manifest a small cohort is generated in OUT_DIR (3 stages × 3 biopsies × 2 slides, 2048×1536).
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { renderHeatmap } from '@wsi/annotator';
import { createProgressReporter, runCohort } from '@wsi/cli';
import { parseManifest, slideName } from '@wsi/core';
import { readCoordsFile } from '@wsi/h5';
import { predictFromManifest, trainFromManifest } from '@wsi/mil';
import { openSlide, thumbnail } from '@wsi/reader';

const args = process.argv.slice(2);
const flag = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args.splice(i, 2)[1]) : fallback;
};
const folds = flag('--folds', 3);
const epochs = flag('--epochs', 30);
const biopsies = flag('--biopsies', 3);
let [manifest, outDir = 'biopsy-out'] = args.length === 1 && !args[0].endsWith('.csv') ? [undefined, args[0]] : args;
if (!manifest && existsSync(join(outDir, 'biopsies.csv'))) manifest = join(outDir, 'biopsies.csv');
if (!manifest) {
  const { generateCohort } = await import('./generate.mjs');
  console.log(`no manifest given: generating a small biopsy cohort in ${outDir}/slides`);
  manifest = await generateCohort(outDir, { biopsies });
}

// 1. Stage names → integer labels (the MIL trainer's classes), in a labelled copy of the manifest.
const m = parseManifest(readFileSync(manifest, 'utf8'), manifest);
const stageOf = (r) => r.extra.stage ?? r.label;
const stages = [...new Set(m.rows.map(stageOf))].sort();
if (stages.length < 2 || stages.includes(undefined)) throw new Error('every row needs a stage, with at least 2 stages');
const labelled = join(outDir, 'biopsies.labelled.csv');
writeFileSync(
  labelled,
  `slide,bag_id,case_id,label,stage\n${m.rows
    .map((r) =>
      [r.slide, r.bagId ?? slideName(r.slide), r.caseId ?? r.bagId ?? '', stages.indexOf(stageOf(r)), stageOf(r)].join(
        ',',
      ),
    )
    .join('\n')}\n`,
);
const bags = new Set(m.rows.map((r) => r.bagId ?? r.slide)).size;
console.log(`${m.rows.length} slides in ${bags} biopsies; stages ${stages.map((s, i) => `${i}=${s}`).join(', ')}`);

// 2. Features for every slide (resumable: run again and finished slides are kept).
const runDir = join(outDir, 'run');
const progress = createProgressReporter({ tty: process.stderr.isTTY === true });
const run = await runCohort({
  manifest: labelled,
  outDir: runDir,
  params: { model: 'default', patchSize: 256, magnification: 20, segmentation: { preset: 'bwh-biopsy', aT: 1 } },
  onProgress: progress.onProgress,
});
progress.stop();
console.log(
  `wsi run: ${run.totals.done + run.totals.skipped} slides ready, ${run.totals.failed} failed, ${run.totals.patches} patches`,
);
if (run.totals.failed) process.exit(3);

// 3. One bag per biopsy (all patches of its slides), k-fold by patient.
const features = join(runDir, 'features_default');
const modelDir = join(outDir, 'model');
const trained = await trainFromManifest({
  manifest: labelled,
  features,
  out: modelDir,
  task: stages.length === 2 ? 'binary' : 'multiclass',
  folds,
  epochs,
  seed: 7,
  threads: availableParallelism(),
});
const f = (k) => (trained.mean[k] === undefined ? 'n/a' : trained.mean[k].toFixed(3));
console.log(
  `cross-validated over ${folds} folds: AUC ${f('auc')}, accuracy ${f('accuracy')} (${modelDir}/metrics.json)`,
);

// 4. Per-biopsy predictions (the fold models averaged) with attention per patch, per slide.
const predictions = join(outDir, 'predictions.csv');
const attention = join(outDir, 'attention');
await predictFromManifest({ model: modelDir, manifest: labelled, features, out: predictions, attention });

// 5. A heatmap per slide from the attention.
mkdirSync(join(outDir, 'heatmaps'), { recursive: true });
for (const r of m.rows) {
  const name = slideName(r.slide);
  const { meta } = await readCoordsFile(join(runDir, 'patches', `${name}.h5`));
  const slide = await openSlide(r.slide);
  try {
    const thumb = await thumbnail(slide, 768);
    await renderHeatmap({
      thumbnail: thumb,
      downsample: slide.levels[0].width / thumb.width,
      scores: join(attention, `${name}.scores.csv`),
      patchSize: meta.patchSizeLevel0,
      out: join(outDir, 'heatmaps', `${name}.png`),
    });
  } finally {
    await slide.close();
  }
}

// 6. Stage vs predicted stage per biopsy.
const truth = new Map(m.rows.map((r) => [r.bagId ?? slideName(r.slide), stageOf(r)]));
const lines = readFileSync(predictions, 'utf8').trim().split('\n').slice(1);
console.log('\nbiopsy                       stage        predicted');
for (const line of lines) {
  const [id, pred] = line.split(',');
  console.log(`${id.padEnd(28)} ${String(truth.get(id)).padEnd(12)} ${stages[Number(pred)]}`);
}
console.log(`\npredictions: ${predictions}   attention: ${attention}/   heatmaps: ${join(outDir, 'heatmaps')}/`);
