import type { Command } from 'commander';
import { type CommandContext, note, printJson } from '../output.js';
import { intOption, positiveNumberOption } from '../parse.js';

/**
 * `wsi doctor [SLIDE] [--model FILE.onnx] [--slides N] [--json]`: measures disk, decode and encoder throughput,
 * cores and memory, names the bottleneck and estimates the hours for N slides (docs/cli.md).
 *
 * @example
 * ```sh
 * wsi doctor /data/slides/a.svs --slides 500 --json
 * ```
 */
export function registerDoctor(program: Command, ctx: CommandContext): void {
  program
    .command('doctor')
    .description('measure disk, tile decode and encoder throughput, cores and memory; name the bottleneck')
    .argument('[slide]', 'a slide of the cohort (default: a generated test slide in the temp folder)')
    .option('--model <file>', "encoder .onnx file, or 'default'", 'default')
    .option('--preset <id>', 'encoder preset (Trident names) for an .onnx --model')
    .option('--slides <n>', 'slides in the cohort, for the estimate', intOption('--slides', { min: 1 }), 100)
    .option(
      '--slide-gb <gb>',
      'size of one slide in GB (default: SLIDE’s size, else 1)',
      positiveNumberOption('--slide-gb'),
    )
    .option('--patch-size <px>', 'patch side at the target magnification', intOption('--patch-size', { min: 1 }), 256)
    .option('--magnification <x>', 'target magnification', positiveNumberOption('--magnification'), 20)
    .option('--seconds <s>', 'seconds per measurement', positiveNumberOption('--seconds'), 2)
    .option('--json', 'machine-readable report')
    .action(
      async (
        slide: string | undefined,
        o: {
          model: string;
          preset?: string;
          slides: number;
          slideGb?: number;
          patchSize: number;
          magnification: number;
          seconds: number;
          json?: boolean;
        },
      ) => {
        const { runDoctor } = await import('../doctor/index.js');
        const r = await runDoctor({
          ...(slide === undefined ? {} : { slide }),
          model: o.model,
          ...(o.preset === undefined ? {} : { preset: o.preset }),
          slides: o.slides,
          ...(o.slideGb === undefined ? {} : { slideBytes: o.slideGb * 1e9 }),
          patchSize: o.patchSize,
          magnification: o.magnification,
          seconds: o.seconds,
        });
        if (o.json || ctx.globals().json) return printJson(r);
        const gb = (b: number) => `${(b / 2 ** 30).toFixed(1)} GiB`;
        const e = r.estimate;
        const lines = [
          `machine   ${r.machine.cores} cores (${r.machine.cpu}), ${gb(r.machine.freeMemoryBytes)} free of ${gb(r.machine.totalMemoryBytes)}`,
          `disk      ${r.disk.megabytesPerSecond} MB/s sequential read of ${r.disk.path} (${r.disk.note})`,
          `decode    ${r.decode.tilesPerSecondPerCore} tiles/s per core, ${r.decode.tilesPerSecond} tiles/s on all cores (${r.decode.tileWidth}×${r.decode.tileHeight}, ${r.decode.format})`,
          `encoder   ${r.encoder.patchesPerSecond} patches/s (${r.encoder.id}, ${r.encoder.inputSize}², batch ${r.encoder.batchSize})`,
          `patches/s disk ${e.patchesPerSecond.disk}, decode ${e.patchesPerSecond.decode}, encoder ${e.patchesPerSecond.encoder}`,
          `bottleneck ${e.bottleneck}`,
          `estimate  ${e.slides} slides × ${e.patchesPerSlide} patches ≈ ${e.hours} h`,
          ...r.notes.map((n) => `note      ${n}`),
        ];
        process.stdout.write(`${lines.join('\n')}\n`);
        note(`wsi doctor: estimate ${e.hours} h for ${e.slides} slides; bottleneck ${e.bottleneck}`);
      },
    );
}
