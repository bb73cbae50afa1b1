import type { Command } from 'commander';
import { UsageError } from '../exit-codes.js';
import { type CommandContext, note, printJson } from '../output.js';
import { intOption } from '../parse.js';
import { writeRasterPng } from '../png.js';
import { slideInfo, withSlide } from './slide-info.js';

/**
 * `wsi info`, `wsi region`, `wsi thumbnail`, `wsi associated` (shapes relied on; docs/cli.md).
 *
 * @example
 * ```sh
 * wsi info slide.svs --json
 * wsi region slide.svs --x 1000 --y 2000 --level 0 --width 512 --height 512 --out r.png
 * wsi thumbnail slide.svs --max-size 1024 --out thumb.png
 * wsi associated slide.svs label --out label.png
 * ```
 */
export function registerSlideCommands(program: Command, ctx: CommandContext): void {
  program
    .command('info')
    .description("print a slide's format, levels, mpp, objective, associated images and properties")
    .argument('<slide>', 'slide path or http(s) URL')
    .option('--json', 'machine-readable output')
    .action(async (location: string, opts: { json?: boolean }) => {
      const info = await withSlide(location, async (s) => slideInfo(s));
      if (opts.json || ctx.globals().json) return printJson(info);
      const out = [
        `format: ${info.format}`,
        `dimensions: ${info.width} × ${info.height}`,
        `mpp: ${info.mpp ? `${info.mpp.x} × ${info.mpp.y} µm/px` : 'unknown'}`,
        `objective: ${info.objectivePower ?? 'unknown'}`,
        `levels:`,
        ...info.levels.map(
          (l, i) =>
            `  ${i}: ${l.width} × ${l.height}  downsample ${+l.downsample.toFixed(4)}  tiles ${l.tileWidth}×${l.tileHeight}`,
        ),
        `associated images: ${info.associatedImages.join(', ') || 'none'}`,
      ];
      process.stdout.write(`${out.join('\n')}\n`);
    });

  program
    .command('region')
    .description('read a region (x, y in level-0 pixels; width, height in pixels of the level) to an RGBA PNG')
    .argument('<slide>', 'slide path or http(s) URL')
    .requiredOption('--x <x>', 'left, level-0 pixels', intOption('--x'))
    .requiredOption('--y <y>', 'top, level-0 pixels', intOption('--y'))
    .option('--level <level>', 'pyramid level', intOption('--level', { min: 0 }), 0)
    .requiredOption('--width <w>', 'width in pixels of the level', intOption('--width', { min: 1 }))
    .requiredOption('--height <h>', 'height in pixels of the level', intOption('--height', { min: 1 }))
    .requiredOption('--out <file>', 'output PNG')
    .action(
      async (
        location: string,
        o: { x: number; y: number; level: number; width: number; height: number; out: string },
      ) => {
        await withSlide(location, async (slide) => {
          if (o.level >= slide.levels.length) {
            throw new UsageError(`--level ${o.level}: the slide has levels 0..${slide.levels.length - 1}`);
          }
          const r = await slide.readRegion({ x: o.x, y: o.y, level: o.level, width: o.width, height: o.height });
          await writeRasterPng(r, o.out);
          note(`wrote ${o.out} (${r.width} × ${r.height}, ${r.channels} channels)`);
        });
      },
    );

  program
    .command('thumbnail')
    .description('write a thumbnail whose longer side is at most --max-size pixels')
    .argument('<slide>', 'slide path or http(s) URL')
    .option('--max-size <n>', 'longer side in pixels', intOption('--max-size', { min: 1 }), 1024)
    .requiredOption('--out <file>', 'output PNG')
    .action(async (location: string, o: { maxSize: number; out: string }) => {
      const { thumbnail } = await import('@wsi/reader');
      await withSlide(location, async (slide) => {
        const r = await thumbnail(slide, o.maxSize);
        await writeRasterPng(r, o.out);
        note(`wrote ${o.out} (${r.width} × ${r.height})`);
      });
    });

  program
    .command('associated')
    .description('write an associated image (label, macro, thumbnail, …) as PNG')
    .argument('<slide>', 'slide path or http(s) URL')
    .argument('<name>', 'associated image name (see wsi info)')
    .requiredOption('--out <file>', 'output PNG')
    .action(async (location: string, name: string, o: { out: string }) => {
      await withSlide(location, async (slide) => {
        const r = await slide.readAssociatedImage(name);
        await writeRasterPng(r, o.out);
        note(`wrote ${o.out} (${r.width} × ${r.height})`);
      });
    });
}
