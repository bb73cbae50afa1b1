import type { Command } from 'commander';
import { UsageError } from '../exit-codes.js';
import { type CommandContext, note, printJson } from '../output.js';
import { intOption } from '../parse.js';

interface EmbedFlags {
  coords: string;
  out: string;
  model: string;
  preset?: string;
  batchSize: number;
  device: string;
  threads?: number;
  layout: string;
  regions: boolean;
  regionModel?: string;
  scores: boolean;
  force: boolean;
  json?: boolean;
}

/**
 * `wsi embed SLIDE --coords H5 --out DIR [--model FILE.onnx --preset ID | --model default] [--batch-size 64]
 * [--device cpu|cuda] [--layout wsi|trident|clam]` → `DIR/features_<encoder>/<name>.h5` (docs/formats.md).
 * `--scores` runs a per-patch model into `DIR/scores/<name>.scores.csv` instead; `--regions` adds 4096² region
 * features (`DIR/region_features_<encoder>/<name>.h5`).
 *
 * @example
 * ```sh
 * wsi embed slide.svs --coords out/patches/slide.h5 --out out --model resnet50.onnx --preset resnet50 --json
 * ```
 */
export function registerEmbed(program: Command, ctx: CommandContext): void {
  program
    .command('embed')
    .description('embed every patch of a coords file with an ONNX encoder (or the built-in default) into a features h5')
    .argument('<slide>', 'slide path')
    .requiredOption('--coords <h5>', 'coords file of this slide (patches/<name>.h5)')
    .requiredOption('--out <dir>', 'output folder')
    .option('--model <file>', "encoder .onnx file, or 'default' for the built-in weight-free H&E descriptor", 'default')
    .option(
      '--preset <id>',
      'encoder preset (Trident names: resnet50, ctranspath, uni_v1, uni_v2, conch_v1, virchow2, hoptimus0, hoptimus1, gigapath, phikon, phikon_v2)',
    )
    .option('--batch-size <n>', 'patches per inference batch', intOption('--batch-size', { min: 1, max: 4096 }), 64)
    .option('--device <name>', 'cpu or cuda', 'cpu')
    .option('--threads <n>', 'inference threads (default: all cores)', intOption('--threads', { min: 1 }))
    .option('--layout <name>', 'features layout: wsi, trident or clam', 'wsi')
    .option('--regions', 'also write 4096² region features (mean of the 16×16 patch features)', false)
    .option('--region-model <file>', 'ONNX model over the [R, D, 16, 16] feature grid for --regions')
    .option('--scores', 'treat --model as a per-patch classifier: write scores/<name>.scores.csv', false)
    .option('--force', 'redo even when a finished file with the same key exists', false)
    .option('--json', 'machine-readable summary')
    .action(async (slide: string, o: EmbedFlags) => {
      if (!['wsi', 'clam', 'trident'].includes(o.layout))
        throw new UsageError(`--layout must be wsi, clam or trident, got '${o.layout}'`);
      if (o.device !== 'cpu' && o.device !== 'cuda')
        throw new UsageError(`--device must be cpu or cuda, got '${o.device}'`);
      if (o.scores && o.model === 'default')
        throw new UsageError('--scores needs --model FILE.onnx (a per-patch classifier)');
      const embed = await import('@wsi/embed');
      const encoder = await embed.loadEncoder({
        model: o.model,
        device: o.device,
        ...(o.preset === undefined ? {} : { preset: o.preset }),
        ...(o.threads === undefined ? {} : { threads: o.threads }),
      });
      let lastPct = -1;
      const onProgress = (done: number, total: number) => {
        const pct = Math.floor((100 * done) / Math.max(1, total));
        if (pct !== lastPct) note(`embed: ${done}/${total} patches (${pct}%)`);
        lastPct = pct;
      };
      try {
        const common = { coords: o.coords, outDir: o.out, batchSize: o.batchSize, onProgress };
        if (o.scores) {
          const r = await embed.scoreSlide(slide, { ...common, model: encoder });
          if (o.json || ctx.globals().json) printJson({ slide, scores: r.path, patches: r.count, columns: r.columns });
          else console.log(r.path);
          return;
        }
        const r = await embed.embedSlide(slide, { ...common, encoder, layout: o.layout as 'wsi', force: o.force });
        if (r.skipped) note(`embed: ${r.path} is already complete (same slide and parameters); skipped`);
        let regions: string | undefined;
        if (o.regions) {
          const { readCoordsFile } = await import('@wsi/h5');
          const meta = (await readCoordsFile(o.coords)).meta;
          regions = embed.regionFeaturesPath(o.out, encoder.id, meta.name);
          await embed.embedRegions(r.path, regions, {
            patchSizeLevel0: meta.patchSizeLevel0,
            ...(o.regionModel === undefined ? {} : { model: o.regionModel }),
          });
        }
        const summary = {
          slide,
          encoder: encoder.id,
          features: r.path,
          ...(r.ptPath === undefined ? {} : { pt: r.ptPath }),
          ...(regions === undefined ? {} : { regions }),
          patches: r.count,
          dim: r.dim,
          skipped: r.skipped,
          seconds: Number(r.seconds.toFixed(3)),
        };
        if (o.json || ctx.globals().json) printJson(summary);
        else console.log(r.path);
      } finally {
        await encoder.close();
      }
    });
}
