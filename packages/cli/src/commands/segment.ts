import { resolve } from 'node:path';
import type { Command } from 'commander';
import { UsageError } from '../exit-codes.js';
import { type CommandContext, note, printJson } from '../output.js';

/**
 * `wsi segment SLIDE --out DIR [--preset clam-default]` → `DIR/<name>.geojson`, `DIR/<name>_mask.png`,
 * `DIR/<name>_overlay.png` (docs/cli.md, docs/patcher.md).
 *
 * @example
 * ```sh
 * wsi segment slide.svs --out seg/ --preset tcga --json
 * ```
 */
export function registerSegment(program: Command, ctx: CommandContext): void {
  addSegmentationOptions(
    program
      .command('segment')
      .description("segment tissue (CLAM's method): GeoJSON polygons with holes, a 0/255 mask PNG and an overlay PNG")
      .argument('<slide>', 'slide path or http(s) URL')
      .requiredOption('--out <dir>', 'output folder'),
  )
    .option('--json', 'machine-readable summary')
    .action(async (location: string, o: SegmentationFlags & { out: string; json?: boolean }) => {
      const { PatchGenerator } = await import('@wsi/patcher');
      const { slideName } = await import('@wsi/core');
      const gen = new PatchGenerator(segmentationOptions(o));
      const name = slideName(location);
      const t0 = performance.now();
      const seg = await gen.segment(location);
      const files = await gen.writeSegmentation(seg, o.out, name);
      const summary = {
        slide: location,
        name,
        preset: o.preset,
        level: seg.level,
        downsample: seg.downsample,
        threshold: seg.threshold,
        regions: seg.regions.length,
        holes: seg.regions.reduce((a, r) => a + r.holes.length, 0),
        tissueFraction: seg.mask.data.reduce((a, v) => a + (v ? 1 : 0), 0) / Math.max(1, seg.mask.data.length),
        files,
        seconds: (performance.now() - t0) / 1000,
      };
      if (seg.regions.length === 0) {
        note(`warning: ${name}: no tissue kept; the preset's a_t may drop all tissue on small slides (try --a-t 1)`);
      }
      if (o.json || ctx.globals().json) return printJson(summary);
      note(
        `segmented ${name}: ${summary.regions} regions, ${summary.holes} holes at level ${seg.level} → ${resolve(o.out)}`,
      );
      process.stdout.write(`${files.geojson}\n${files.mask}\n${files.overlay}\n`);
    });
}

/**
 * The segmentation flags shared by `wsi segment` and `wsi patch`.
 *
 * @example
 * ```ts
 * addSegmentationOptions(program.command('segment'));
 * ```
 */
export function addSegmentationOptions(cmd: Command): Command {
  return cmd
    .option('--preset <name>', 'segmentation preset: clam-default, tcga, bwh-biopsy, otsu', 'clam-default')
    .option(
      '--a-t <n>',
      "override the preset's minimum tissue area (in 512² level-0 reference patches)",
      nonNegative('--a-t'),
    )
    .option('--a-h <n>', "override the preset's minimum hole area (reference patches)", nonNegative('--a-h'))
    .option(
      '--seg-level <n>',
      'segmentation level (default: best level for downsample 64)',
      nonNegative('--seg-level'),
    );
}

function nonNegative(flag: string): (v: string) => number {
  return (v: string) => {
    const n = Number(v);
    if (!(Number.isFinite(n) && n >= 0)) throw new UsageError(`${flag} must be a number ≥ 0, got '${v}'`);
    return n;
  };
}

/** The parsed segmentation flags. */
export interface SegmentationFlags {
  preset: string;
  aT?: number;
  aH?: number;
  segLevel?: number;
}

const PRESET_NAMES = ['clam-default', 'tcga', 'bwh-biopsy', 'otsu'];

/**
 * The `PatchGenerator` options of the segmentation flags (usage error for an unknown preset).
 *
 * @example
 * ```ts
 * new PatchGenerator({ ...segmentationOptions(opts), patchSize: 256 });
 * ```
 */
export function segmentationOptions(o: SegmentationFlags): {
  preset: 'clam-default' | 'tcga' | 'bwh-biopsy' | 'otsu';
  segmentation: Record<string, number>;
} {
  if (!PRESET_NAMES.includes(o.preset))
    throw new UsageError(`--preset must be one of ${PRESET_NAMES.join(', ')}, got '${o.preset}'`);
  if (o.segLevel !== undefined && !Number.isInteger(o.segLevel))
    throw new UsageError(`--seg-level must be an integer, got '${o.segLevel}'`);
  const segmentation: Record<string, number> = {};
  if (o.aT !== undefined) segmentation.aT = o.aT;
  if (o.aH !== undefined) segmentation.aH = o.aH;
  if (o.segLevel !== undefined) segmentation.segLevel = o.segLevel;
  return { preset: o.preset as 'clam-default', segmentation };
}
