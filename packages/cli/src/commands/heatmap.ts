import type { Command } from 'commander';
import { type CommandContext, note, printJson } from '../output.js';
import { intOption } from '../parse.js';
import { withSlide } from './slide-info.js';

/**
 * `wsi heatmap SLIDE --coords H5 --scores FILE --out OVERLAY.png [--geojson OUT.geojson]` (relied on).
 *
 * @example
 * ```sh
 * wsi heatmap slide.svs --coords out/patches/slide.h5 --scores out/scores/slide.scores.csv --out heat.png
 * ```
 */
export function registerHeatmap(program: Command, ctx: CommandContext): void {
  program
    .command('heatmap')
    .description('draw per-patch scores as a colour-mapped overlay on the thumbnail (and QuPath GeoJSON tiles)')
    .argument('<slide>', 'slide path or URL')
    .requiredOption('--coords <h5>', 'coords file the scores belong to (gives the patch size)')
    .requiredOption('--scores <file>', '<name>.scores.csv (x,y,score[,…]) or an h5 with coords + scores')
    .requiredOption('--out <png>', 'overlay PNG')
    .option('--geojson <file>', 'also write QuPath GeoJSON tiles with the score in measurements')
    .option('--column <name>', 'score column to draw (default: the first)')
    .option('--max-size <n>', 'longer side of the overlay in pixels', intOption('--max-size', { min: 16 }), 2048)
    .option('--json', 'machine-readable output')
    .action(
      async (
        location: string,
        o: {
          coords: string;
          scores: string;
          out: string;
          geojson?: string;
          column?: string;
          maxSize: number;
          json?: boolean;
        },
      ) => {
        const [{ renderHeatmap }, { readCoordsFile }, { thumbnail }] = await Promise.all([
          import('@wsi/annotator'),
          import('@wsi/h5'),
          import('@wsi/reader'),
        ]);
        const { meta } = await readCoordsFile(o.coords);
        const r = await withSlide(location, async (slide) => {
          const thumb = await thumbnail(slide, o.maxSize);
          const downsample = (slide.levels[0]?.width ?? thumb.width) / thumb.width;
          return renderHeatmap({
            thumbnail: thumb,
            downsample,
            scores: o.scores,
            patchSize: meta.patchSizeLevel0,
            out: o.out,
            ...(o.geojson ? { geojson: o.geojson } : {}),
            ...(o.column ? { column: o.column } : {}),
          });
        });
        if (o.json || ctx.globals().json) printJson(r);
        else
          note(
            `wrote ${r.out} (${r.patches} patches, ${r.column} in [${r.vmin}, ${r.vmax}])${r.geojson ? ` and ${r.geojson}` : ''}`,
          );
      },
    );
}
