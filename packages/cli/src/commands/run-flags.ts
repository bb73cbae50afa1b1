/**
 * The `wsi run` pipeline flags, shared by `wsi run` and `wsi queue submit` (the same options, the same parameters).
 */
import type { Command } from 'commander';
import { UsageError } from '../exit-codes.js';
import { intOption, positiveNumberOption } from '../parse.js';
import type { RunParams } from '../run/index.js';
import { segmentationOptions } from './segment.js';

/**
 * The parsed `wsi run` flags.
 *
 * @example
 * ```ts
 * const f: RunFlags = { segPreset: 'clam-default', patchSize: 256, magnification: 20, model: 'default', layout: 'wsi' };
 * ```
 */
export interface RunFlags {
  segPreset: string;
  aT?: number;
  aH?: number;
  segLevel?: number;
  patchSize: number;
  magnification: number;
  model: string;
  preset?: string;
  milModel?: string;
  slideMpp?: number;
  layout: string;
  batchSize?: number;
  threads?: number;
}

/**
 * Adds the pipeline options of `wsi run` (patch size, magnification, models, layout, segmentation) to a command.
 *
 * @example
 * ```ts
 * addRunOptions(program.command('submit'));
 * ```
 */
export function addRunOptions(cmd: Command): Command {
  return cmd
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
    .option('--seg-level <n>', 'segmentation level (default: best level for downsample 64)', Number);
}

/**
 * The run parameters of parsed {@link addRunOptions} flags, checked like `wsi run` does.
 *
 * @throws UsageError for a bad layout, preset or segmentation override.
 * @example
 * ```ts
 * const params = runParamsFromFlags(opts);
 * ```
 */
export function runParamsFromFlags(o: RunFlags): Partial<RunParams> {
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
  return {
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
  };
}
