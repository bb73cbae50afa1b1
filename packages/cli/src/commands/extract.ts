import { join } from 'node:path';
import type { Command } from 'commander';
import { UsageError } from '../exit-codes.js';
import { type CommandContext, note, printJson } from '../output.js';
import { intOption } from '../parse.js';

/**
 * `wsi extract SLIDE --coords H5 --out DIR [--format h5|png|jpeg]`: the patches of a coords file as an h5 patch
 * file (`DIR/<name>.h5`: `imgs` + `coords`) or image files `DIR/<name>/<name>_<x>_<y>.png|jpg`.
 *
 * @example
 * ```sh
 * wsi extract slide.svs --coords out/patches/slide.h5 --out patches/ --format h5
 * ```
 */
export function registerExtract(program: Command, ctx: CommandContext): void {
  program
    .command('extract')
    .description('extract the patches of a coords file to an h5 patch file or PNG/JPEG files')
    .argument('<slide>', 'slide path or http(s) URL')
    .requiredOption('--coords <h5>', 'coords file (ours, CLAM or Trident)')
    .requiredOption('--out <dir>', 'output folder')
    .option('--format <f>', 'h5, png or jpeg', 'h5')
    .option('--concurrency <n>', 'patch reads in flight', intOption('--concurrency', { min: 1 }), 8)
    .option('--json', 'machine-readable summary')
    .action(
      async (
        location: string,
        o: { coords: string; out: string; format: string; concurrency: number; json?: boolean },
      ) => {
        if (!['h5', 'png', 'jpeg'].includes(o.format))
          throw new UsageError(`--format must be h5, png or jpeg, got '${o.format}'`);
        const { readCoordsFile } = await import('@wsi/h5');
        const { openSlide } = await import('@wsi/reader');
        const { writePatchesH5, writePatchImages } = await import('@wsi/patcher');
        const set = await readCoordsFile(o.coords);
        const name = set.meta.name;
        const slide = await openSlide(location);
        const t0 = performance.now();
        let output: string;
        let count: number;
        try {
          const progress = (done: number, total: number): void => {
            if (done % 1024 === 0 || done === total) note(`${done}/${total} patches`);
          };
          if (o.format === 'h5') {
            output = join(o.out, `${name}.h5`);
            count = await writePatchesH5(slide, set, output, { concurrency: o.concurrency, onProgress: progress });
          } else {
            output = join(o.out, name);
            count = (
              await writePatchImages(slide, set, output, {
                format: o.format as 'png',
                concurrency: o.concurrency,
                onProgress: progress,
              })
            ).length;
          }
        } finally {
          await slide.close();
        }
        const summary = {
          slide: location,
          name,
          coords: o.coords,
          format: o.format,
          patches: count,
          patchSize: set.meta.targetPatchSize ?? set.meta.patchSize,
          output,
          seconds: (performance.now() - t0) / 1000,
        };
        if (o.json || ctx.globals().json) return printJson(summary);
        note(`${name}: ${count} patches → ${output}`);
        process.stdout.write(`${output}\n`);
      },
    );
}
