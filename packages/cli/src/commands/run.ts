import type { Command } from 'commander';
import { EXIT, UsageError } from '../exit-codes.js';
import { type CommandContext, note, printJson } from '../output.js';
import { intOption, positiveNumberOption } from '../parse.js';
import { segmentationOptions } from './segment.js';

interface RunFlags {
  segPreset: string;
  aT?: number;
  aH?: number;
  segLevel?: number;
  out: string;
  manifest?: string;
  patchSize: number;
  magnification: number;
  model: string;
  preset?: string;
  milModel?: string;
  slideMpp?: number;
  layout: string;
  batchSize?: number;
  threads?: number;
  json?: boolean;
}

/**
 * `wsi run SLIDE…|--manifest CSV --out DIR […]`: segmentation, coords, features and (with `--mil-model`)
 * predictions and heatmaps for every slide, resumable; `DIR/run.json` records what happened (docs/cli.md).
 * Exit 3 when some slides failed.
 *
 * @example
 * ```sh
 * wsi run slides/*.svs --out out --patch-size 256 --magnification 20 --model default --mil-model runs/abmil
 * ```
 */
export function registerRun(program: Command, ctx: CommandContext): void {
  program
    .command('run')
    .description('the whole pipeline over slides or a manifest (segment, patch, embed, predict), resumable')
    .argument('[slides...]', 'slide paths or URLs')
    .option('--manifest <csv>', 'manifest CSV (slide, mpp, …) instead of slide arguments')
    .requiredOption('--out <dir>', 'output folder (run.json and the layout of docs/formats.md)')
    .option(
      '--patch-size <px>',
      'patch side in pixels at the target resolution',
      intOption('--patch-size', { min: 1 }),
      256,
    )
    .option('--magnification <x>', 'target magnification', positiveNumberOption('--magnification'), 20)
    .option('--model <file>', "encoder .onnx file, or 'default' for the built-in weight-free encoder", 'default')
    .option('--preset <id>', 'encoder preset (Trident names) for an .onnx --model')
    .option('--mil-model <dir>', 'trained MIL model (wsi train folder or model.onnx): adds predictions + heatmaps')
    .option('--slide-mpp <um>', 'level-0 µm per pixel for slides that lack it', positiveNumberOption('--slide-mpp'))
    .option('--layout <name>', 'output layout: wsi, clam or trident', 'wsi')
    .option('--batch-size <n>', 'patches per inference batch', intOption('--batch-size', { min: 1, max: 4096 }))
    .option('--threads <n>', 'inference threads (default: all cores)', intOption('--threads', { min: 1 }))
    .option('--seg-preset <name>', 'segmentation preset: clam-default, tcga, bwh-biopsy, otsu', 'clam-default')
    .option('--a-t <n>', "override the preset's minimum tissue area (512² level-0 reference patches)", Number)
    .option('--a-h <n>', "override the preset's minimum hole area (reference patches)", Number)
    .option('--seg-level <n>', 'segmentation level (default: best level for downsample 64)', Number)
    .option('--json', 'print run.json on stdout')
    .action(async (slides: string[], o: RunFlags) => {
      if (!slides.length && !o.manifest) throw new UsageError('give slides or --manifest CSV');
      if (slides.length && o.manifest) throw new UsageError('give slides or --manifest CSV, not both');
      if (!['wsi', 'clam', 'trident'].includes(o.layout))
        throw new UsageError(`--layout must be wsi, clam or trident, got '${o.layout}'`);
      if (o.preset !== undefined && o.model === 'default')
        throw new UsageError('--preset goes with --model FILE.onnx (the default encoder has its own)');
      for (const [flag, v] of [
        ['--a-t', o.aT],
        ['--a-h', o.aH],
        ['--seg-level', o.segLevel],
      ] as const) {
        if (v !== undefined && !(Number.isFinite(v) && v >= 0)) throw new UsageError(`${flag} must be a number ≥ 0`);
      }
      const seg = segmentationOptions({
        preset: o.segPreset,
        ...(o.aT === undefined ? {} : { aT: o.aT }),
        ...(o.aH === undefined ? {} : { aH: o.aH }),
        ...(o.segLevel === undefined ? {} : { segLevel: o.segLevel }),
      });
      const { runCohort, createProgressReporter } = await import('../run/index.js');
      const progress = createProgressReporter({ tty: process.stderr.isTTY === true });
      const ac = new AbortController();
      const onSignal = () => ac.abort();
      process.once('SIGINT', onSignal);
      let run: Awaited<ReturnType<typeof runCohort>>;
      try {
        run = await runCohort({
          ...(o.manifest ? { manifest: o.manifest } : { slides }),
          outDir: o.out,
          params: {
            patchSize: o.patchSize,
            magnification: o.magnification,
            layout: o.layout as 'wsi',
            segmentation: { preset: seg.preset, ...seg.segmentation },
            model: o.model,
            ...(o.preset === undefined ? {} : { preset: o.preset }),
            ...(o.milModel === undefined ? {} : { milModel: o.milModel }),
            ...(o.slideMpp === undefined ? {} : { slideMpp: o.slideMpp }),
            ...(o.batchSize === undefined ? {} : { batchSize: o.batchSize }),
            ...(o.threads === undefined ? {} : { threads: o.threads }),
          },
          signal: ac.signal,
          onProgress: progress.onProgress,
        });
      } finally {
        progress.stop();
        process.off('SIGINT', onSignal);
      }
      const t = run.totals;
      if (t.failed > 0) ctx.setExit(EXIT.partial);
      if (o.json || ctx.globals().json) return printJson(run);
      note(
        `wsi run: ${t.slides} slides: ${t.done} done, ${t.skipped} already done, ${t.failed} failed; ${t.patches} patches in ${t.seconds.toFixed(1)} s → ${o.out}/run.json`,
      );
    });
}
