import type { Command } from 'commander';
import { EXIT, UsageError } from '../exit-codes.js';
import { type CommandContext, note, printJson } from '../output.js';
import { addRunOptions, type RunFlags, runParamsFromFlags } from './run-flags.js';

interface RunCommandFlags extends RunFlags {
  out: string;
  manifest?: string;
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
  const cmd = program
    .command('run')
    .description('the whole pipeline over slides or a manifest (segment, patch, embed, predict), resumable')
    .argument('[slides...]', 'slide paths or URLs')
    .option('--manifest <csv>', 'manifest CSV (slide, mpp, …) instead of slide arguments')
    .requiredOption('--out <dir>', 'output folder (run.json and the layout of docs/formats.md)');
  addRunOptions(cmd)
    .option('--json', 'print run.json on stdout')
    .action(async (slides: string[], o: RunCommandFlags) => {
      if (!slides.length && !o.manifest) throw new UsageError('give slides or --manifest CSV');
      if (slides.length && o.manifest) throw new UsageError('give slides or --manifest CSV, not both');
      const params = runParamsFromFlags(o);
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
          params,
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
