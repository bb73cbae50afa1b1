#!/usr/bin/env node
// CLAM-compatible preprocessing of a folder of slides, in one resumable call (`runCohort` = `wsi run`):
//   OUT/masks/            tissue masks, GeoJSON and overlays           (CLAM: masks/)
//   OUT/patches/<id>.h5   coords with CLAM's attributes                (CLAM: create_patches_fp.py)
//   OUT/h5_files/<id>.h5  features + coords                            (CLAM: extract_features_fp.py)
//   OUT/pt_files/<id>.pt  the features as a torch tensor                (what CLAM's training script loads)
//   OUT/dataset.csv       case_id,slide_id,label — fill in the labels for CLAM's main.py
// Usage: node index.mjs SLIDES_DIR OUT_DIR [--model FILE.onnx --preset resnet50] [--magnification 20]
import { readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createProgressReporter, runCohort } from '@wsi/cli';

const args = process.argv.slice(2);
const flag = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 ? args.splice(i, 2)[1] : fallback;
};
const model = flag('--model', 'default');
const preset = flag('--preset', undefined);
const magnification = Number(flag('--magnification', '20'));
const [slidesDir, outDir] = args;
if (!slidesDir || !outDir) {
  console.error('usage: node index.mjs SLIDES_DIR OUT_DIR [--model FILE.onnx --preset resnet50] [--magnification 20]');
  process.exit(2);
}

const SLIDE = /\.(svs|tif|tiff|ndpi|mrxs|scn|bif|vms|svslide|dcm)$/i;
const slides = readdirSync(slidesDir)
  .filter((f) => SLIDE.test(f) && statSync(join(slidesDir, f)).isFile())
  .sort()
  .map((f) => join(slidesDir, f));
if (!slides.length) {
  console.error(`no slides in ${slidesDir}`);
  process.exit(1);
}

const progress = createProgressReporter({ tty: process.stderr.isTTY === true });
const run = await runCohort({
  slides,
  outDir,
  params: {
    layout: 'clam',
    patchSize: 256,
    magnification,
    model,
    ...(preset ? { preset } : {}),
    // CLAM's biopsy-friendly settings; use 'clam-default' for resections
    segmentation: { preset: 'bwh-biopsy', aT: 1 },
  },
  onProgress: progress.onProgress,
});
progress.stop();

const ok = run.slides.filter((s) => s.status !== 'failed');
writeFileSync(
  join(outDir, 'dataset.csv'),
  `case_id,slide_id,label\n${ok.map((s) => `${s.name},${s.name},`).join('\n')}\n`,
);
for (const s of run.slides) {
  console.log(
    s.status === 'failed'
      ? `${s.name}: FAILED [${s.error?.code}] ${s.error?.message}`
      : `${s.name}: ${s.stages.patch.count} patches → patches/${s.name}.h5, h5_files/${s.name}.h5, pt_files/${s.name}.pt`,
  );
}
console.log(`\n${ok.length}/${run.slides.length} slides ready for CLAM in ${outDir} (run.json says what happened).`);
console.log(`CLAM: python main.py --data_root_dir ${outDir} … with a dataset CSV like ${join(outDir, 'dataset.csv')}`);
process.exitCode = run.totals.failed ? 3 : 0;
