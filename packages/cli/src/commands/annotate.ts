import type { Command } from 'commander';
import { UsageError } from '../exit-codes.js';
import { type CommandContext, note, printJson } from '../output.js';
import { intOption } from '../parse.js';
import { withSlide } from './slide-info.js';

/**
 * `wsi annotate convert | rasterize | label-patches` (shapes relied on; docs/cli.md).
 *
 * @example
 * ```sh
 * wsi annotate convert tumour.geojson --to asap --out tumour.xml
 * wsi annotate rasterize tumour.geojson --slide slide.svs --level 2 --out mask.png
 * wsi annotate label-patches tumour.geojson --coords out/patches/slide.h5 --rule threshold:0.5 --out labels.csv
 * ```
 */
export function registerAnnotate(program: Command, ctx: CommandContext): void {
  const annotate = program
    .command('annotate')
    .description('annotations: convert QuPath GeoJSON / ASAP XML / Aperio XML, rasterise to masks, label patches');

  annotate
    .command('convert')
    .description('convert annotations between formats, reporting anything the target cannot hold')
    .argument('<in>', 'annotations (GeoJSON, ASAP XML, Aperio XML or CSV; detected by content)')
    .requiredOption('--to <format>', 'geojson | asap | aperio')
    .requiredOption('--out <file>', 'output file')
    .option('--json', 'machine-readable output')
    .action(async (input: string, o: { to: string; out: string; json?: boolean }) => {
      const { ANNOTATION_FORMATS, convertAnnotations } = await import('@wsi/annotator');
      if (!(ANNOTATION_FORMATS as readonly string[]).includes(o.to)) {
        throw new UsageError(`--to must be one of ${ANNOTATION_FORMATS.join(', ')}, got '${o.to}'`);
      }
      const r = await convertAnnotations(input, { to: o.to as (typeof ANNOTATION_FORMATS)[number], out: o.out });
      if (o.json || ctx.globals().json) printJson({ out: o.out, warnings: r.warnings });
      else {
        for (const w of r.warnings) note(`warning: ${w}`);
        note(`wrote ${o.out}`);
      }
    });

  annotate
    .command('rasterize')
    .description('rasterise annotations by class to an 8-bit mask PNG at a pyramid level (legend JSON beside it)')
    .argument('<annotations>', 'annotations file')
    .requiredOption('--slide <slide>', 'the slide the annotations belong to (for the level size)')
    .option('--level <level>', 'pyramid level', intOption('--level', { min: 0 }), 0)
    .requiredOption('--out <mask>', 'output PNG')
    .option('--json', 'machine-readable output')
    .action(async (ann: string, o: { slide: string; level: number; out: string; json?: boolean }) => {
      const { rasterizeAnnotations } = await import('@wsi/annotator');
      const lvl = await withSlide(o.slide, async (s) => {
        const l = s.levels[o.level];
        if (!l) throw new UsageError(`--level ${o.level}: the slide has levels 0..${s.levels.length - 1}`);
        return l;
      });
      const r = await rasterizeAnnotations(ann, {
        width: lvl.width,
        height: lvl.height,
        downsample: lvl.downsample,
        out: o.out,
      });
      if (o.json || ctx.globals().json)
        printJson({ out: r.out, legend: r.legendPath, classes: r.legend, warnings: r.warnings });
      else {
        for (const w of r.warnings) note(`warning: ${w}`);
        note(`wrote ${r.out} (${lvl.width} × ${lvl.height}) and ${r.legendPath}`);
      }
    });

  annotate
    .command('label-patches')
    .description('per-class covered fraction of every patch of a coords file, and a label by rule')
    .argument('<annotations>', 'annotations file')
    .requiredOption('--coords <h5>', 'coords file (patches/<name>.h5)')
    .option('--rule <rule>', 'majority | threshold:X | any', 'majority')
    .option('--out <file>', 'write labels to .csv or .h5 (default: CSV on stdout)')
    .option('--json', 'print a summary as JSON')
    .action(async (ann: string, o: { coords: string; rule: string; out?: string; json?: boolean }) => {
      const { formatLabelsCsv, labelPatches, parseLabelRule } = await import('@wsi/annotator');
      let rule: ReturnType<typeof parseLabelRule>;
      try {
        rule = parseLabelRule(o.rule);
      } catch (err) {
        throw new UsageError(`--rule: ${(err as Error).message}`);
      }
      const r = await labelPatches(ann, o.coords, { rule, ...(o.out ? { out: o.out } : {}) });
      const summary = {
        patches: r.labels.length,
        labelNames: r.labelNames,
        counts: r.counts,
        ...(o.out ? { out: o.out } : {}),
        warnings: r.warnings,
      };
      if (o.json || ctx.globals().json) printJson(summary);
      else if (!o.out) process.stdout.write(formatLabelsCsv(r.coords, r));
      else {
        for (const w of r.warnings) note(`warning: ${w}`);
        note(`wrote ${o.out}: ${r.labelNames.map((n, i) => `${n} ${r.counts[i]}`).join(', ')}`);
      }
    });
}
