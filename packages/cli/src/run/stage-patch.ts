/**
 * The `segment` and `patch` stages: tissue segmentation files and the coords file, through `PatchGenerator`.
 */
import { join } from 'node:path';
import { throwIfAborted } from '@wsi/core';
import type { StageContext, StageOutput } from './context.js';
import { stageKey } from './params.js';

/**
 * Runs (or keeps) the segmentation and coords of a slide. Both are redone together when either key differs: the
 * overlay PNG draws the patch grid, and segmenting again costs little next to embedding.
 *
 * @example
 * ```ts
 * const { segment, patch } = await patchStages(ctx);
 * console.log(patch.path, patch.count);
 * ```
 */
export async function patchStages(ctx: StageContext): Promise<{ segment: StageOutput; patch: StageOutput }> {
  const { PatchGenerator, layoutPaths } = await import('@wsi/patcher');
  const p = ctx.params;
  const seg = p.segmentation;
  const gen = new PatchGenerator({
    preset: seg.preset,
    segmentation: {
      ...(seg.aT === undefined ? {} : { aT: seg.aT }),
      ...(seg.aH === undefined ? {} : { aH: seg.aH }),
      ...(seg.segLevel === undefined ? {} : { segLevel: seg.segLevel }),
    },
    patchSize: p.patchSize,
    magnification: p.magnification,
    layout: p.layout,
    ...(p.slideMpp === undefined ? {} : { slideMpp: p.slideMpp }),
  });
  const segKey = stageKey(ctx.fingerprint, { segmentation: gen.params });
  const patchKey = stageKey(segKey, gen.provenanceParams());
  const t0 = performance.now();
  const segDone = ctx.state.done('segment', segKey);
  const patchDone = ctx.state.done('patch', patchKey);
  if (segDone && patchDone && patchDone.outputs[0] !== undefined) {
    const seconds = (performance.now() - t0) / 1000;
    ctx.progress('segment', 1, 1, true);
    ctx.progress('patch', 1, 1, true);
    return {
      segment: { key: segKey, skipped: true, seconds, count: segDone.count },
      patch: {
        key: patchKey,
        skipped: true,
        seconds: 0,
        count: patchDone.count,
        path: join(ctx.outDir, patchDone.outputs[0]),
      },
    };
  }
  await ctx.state.invalidate('segment');
  ctx.progress('segment', 0, 1);
  const { openSlide } = await import('@wsi/reader');
  const slide = await openSlide(ctx.location);
  try {
    const tissue = await gen.segment(slide, ctx.signal);
    const t1 = performance.now();
    const set = await gen.grid(slide, ctx.name, tissue);
    throwIfAborted(ctx.signal);
    const paths = layoutPaths(ctx.outDir, ctx.name, p.layout, set.meta);
    const t2 = performance.now();
    const files = await gen.writeSegmentation(tissue, paths.segmentation, ctx.name, set);
    await ctx.state.finish('segment', segKey, tissue.regions.length, [files.geojson, files.mask, files.overlay]);
    ctx.progress('segment', 1, 1);
    ctx.progress('patch', 0, 1);
    const t3 = performance.now();
    throwIfAborted(ctx.signal);
    await gen.writeCoords(set, paths.coords, ctx.fileFingerprint);
    const count = set.coords.length >> 1;
    await ctx.state.finish('patch', patchKey, count, [paths.coords]);
    ctx.progress('patch', 1, 1);
    const t4 = performance.now();
    return {
      segment: {
        key: segKey,
        skipped: false,
        seconds: (t1 - t0 + (t3 - t2)) / 1000,
        count: tissue.regions.length,
      },
      patch: { key: patchKey, skipped: false, seconds: (t2 - t1 + (t4 - t3)) / 1000, count, path: paths.coords },
    };
  } finally {
    await slide.close();
  }
}
