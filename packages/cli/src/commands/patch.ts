import type { Command } from 'commander';
import { UsageError } from '../exit-codes.js';
import { type CommandContext, note, printJson } from '../output.js';
import { intOption, positiveNumberOption } from '../parse.js';
import { addSegmentationOptions, type SegmentationFlags, segmentationOptions } from './segment.js';

interface PatchFlags extends SegmentationFlags {
  out: string;
  patchSize: number;
  magnification?: number;
  mpp?: number;
  level?: number;
  overlap: number;
  slideMpp?: number;
  layout: string;
  rule?: string;
  minTissue?: number;
  qc: boolean;
  json?: boolean;
}

/**
 * `wsi patch SLIDE --out DIR --patch-size 256 [--magnification 20 | --mpp 0.5 | --level L] …` → the segmentation
 * files and the coords file in the chosen layout (docs/formats.md).
 *
 * @example
 * ```sh
 * wsi patch slide.svs --out out/ --patch-size 256 --magnification 20 --layout trident --json
 * ```
 */
export function registerPatch(program: Command, ctx: CommandContext): void {
  addSegmentationOptions(
    program
      .command('patch')
      .description('segment tissue and write the patch coordinates (coords h5) in the wsi, clam or trident layout')
      .argument('<slide>', 'slide path or http(s) URL')
      .requiredOption('--out <dir>', 'output folder')
      .option(
        '--patch-size <px>',
        'patch side in pixels at the target resolution',
        intOption('--patch-size', { min: 1 }),
        256,
      )
      .option('--magnification <x>', 'target magnification (e.g. 20)', positiveNumberOption('--magnification'))
      .option('--mpp <um>', 'target resolution in µm per pixel', positiveNumberOption('--mpp'))
      .option(
        '--level <n>',
        'pyramid level to patch at (default 0 when no resolution is given)',
        intOption('--level', { min: 0 }),
      )
      .option('--overlap <px>', 'overlap between neighbours in target pixels', intOption('--overlap', { min: 0 }), 0)
      .option('--slide-mpp <um>', 'level-0 µm per pixel for slides that lack it', positiveNumberOption('--slide-mpp'))
      .option('--layout <name>', 'coords file layout: wsi, clam or trident', 'wsi')
      .option('--rule <name>', 'acceptance rule: four_pt (CLAM), center, tissue', 'four_pt')
      .option('--min-tissue <f>', 'minimum tissue fraction of a patch (0..1)', Number)
      .option('--no-qc', 'skip per-patch quality control (the qc dataset of the coords file)'),
  )
    .option('--json', 'machine-readable summary')
    .action(async (location: string, o: PatchFlags) => {
      const given = [o.magnification, o.mpp, o.level].filter((v) => v !== undefined).length;
      if (given > 1) throw new UsageError('give at most one of --magnification, --mpp and --level');
      if (!['wsi', 'clam', 'trident'].includes(o.layout))
        throw new UsageError(`--layout must be wsi, clam or trident, got '${o.layout}'`);
      if (!['four_pt', 'center', 'tissue'].includes(o.rule ?? 'four_pt'))
        throw new UsageError(`--rule must be four_pt, center or tissue, got '${o.rule}'`);
      if (o.minTissue !== undefined && !(o.minTissue >= 0 && o.minTissue <= 1))
        throw new UsageError(`--min-tissue must be in [0, 1], got '${o.minTissue}'`);
      if (o.overlap >= o.patchSize)
        throw new UsageError(`--overlap ${o.overlap} must be smaller than --patch-size ${o.patchSize}`);
      const { PatchGenerator } = await import('@wsi/patcher');
      const gen = new PatchGenerator({
        ...segmentationOptions(o),
        patchSize: o.patchSize,
        overlap: o.overlap,
        layout: o.layout as 'wsi',
        qc: o.qc,
        rule: (o.rule ?? 'four_pt') as 'four_pt',
        ...(o.minTissue === undefined ? {} : { minTissueFraction: o.minTissue }),
        ...(o.magnification === undefined ? {} : { magnification: o.magnification }),
        ...(o.mpp === undefined ? {} : { mpp: o.mpp }),
        ...(o.level === undefined ? {} : { level: o.level }),
        ...(o.slideMpp === undefined ? {} : { slideMpp: o.slideMpp }),
      });
      const r = await gen.run(location, o.out, { onWarning: (m) => note(`warning: ${m}`) });
      const summary = {
        slide: location,
        name: r.name,
        layout: o.layout,
        patches: r.count,
        regions: r.regions,
        holes: r.holes,
        segmentationLevel: r.segmentationLevel,
        patchLevel: r.meta.patchLevel,
        patchSize: r.meta.patchSize,
        patchSizeLevel0: r.meta.patchSizeLevel0,
        ...(r.meta.targetPatchSize === undefined ? {} : { targetPatchSize: r.meta.targetPatchSize }),
        ...(r.meta.targetMagnification === undefined ? {} : { targetMagnification: r.meta.targetMagnification }),
        qc: r.qc === undefined ? false : { flagged: r.qc.flagged, level: r.qc.level, side: r.qc.side },
        files: { coords: r.coordsPath, geojson: r.geojsonPath, mask: r.maskPath, overlay: r.overlayPath },
        seconds: r.seconds,
      };
      if (o.json || ctx.globals().json) return printJson(summary);
      const qcNote = r.qc === undefined ? '' : `, ${r.qc.flagged} flagged by QC`;
      note(`${r.name}: ${r.count} patches (${r.regions} tissue regions${qcNote}) → ${r.coordsPath}`);
      process.stdout.write(`${r.coordsPath}\n`);
    });
}
