/**
 * The `predict` stage (with a MIL model): the slide's prediction, its attention scores and a heatmap.
 */
import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { csvField, WsiError } from '@wsi/core';
import type { StageContext, StageOutput } from './context.js';
import { fileFingerprint } from './fingerprint.js';
import { stageKey } from './params.js';
import { writeFileAtomic } from './state.js';

/**
 * The files of the predict stage under the output folder (docs/formats.md, "`wsi run` outputs").
 *
 * @example
 * ```ts
 * predictPaths('out', 'slide-1').heatmap; // 'out/heatmaps/slide-1.png'
 * ```
 */
export function predictPaths(
  outDir: string,
  name: string,
): { prediction: string; scores: string; heatmap: string; geojson: string } {
  return {
    prediction: join(outDir, 'predictions', `${name}.csv`),
    scores: join(outDir, 'scores', `${name}.scores.csv`),
    heatmap: join(outDir, 'heatmaps', `${name}.png`),
    geojson: join(outDir, 'heatmaps', `${name}.geojson`),
  };
}

/**
 * The key part of a MIL model (`wsi train` folder or file): the fingerprints of its model files.
 *
 * @throws WsiError `NotFound` when there is no model.
 * @example
 * ```ts
 * await milModelKey('runs/abmil'); // ['fp1:…', …]
 * ```
 */
export async function milModelKey(model: string): Promise<string[]> {
  const { resolveModelPaths } = await import('@wsi/mil');
  return Promise.all((await resolveModelPaths(model)).map(fileFingerprint));
}

/**
 * Runs (or keeps) the prediction of one slide as its own bag: `predictions/<name>.csv`
 * (`bag_id,pred,prob_0..`), `scores/<name>.scores.csv` (`x,y,score` attention) and `heatmaps/<name>.png` +
 * `.geojson`. A slide without patches gets nothing (count 0).
 *
 * @example
 * ```ts
 * const r = await predictStage(ctx, embed, patch.path, await milModelKey('runs/abmil'));
 * ```
 */
export async function predictStage(
  ctx: StageContext,
  embed: StageOutput,
  coords: string | undefined,
  milKey: unknown,
): Promise<StageOutput> {
  const t0 = performance.now();
  const key = stageKey(embed.key, { mil: milKey });
  const done = ctx.state.done('predict', key);
  if (done) {
    ctx.progress('predict', 1, 1, true);
    return { key, skipped: true, seconds: (performance.now() - t0) / 1000, count: done.count };
  }
  await ctx.state.invalidate('predict');
  if (embed.count === 0 || embed.path === undefined) {
    await ctx.state.finish('predict', key, 0, []);
    return { key, skipped: false, seconds: (performance.now() - t0) / 1000, count: 0 };
  }
  ctx.progress('predict', 0, 1);
  const [{ memoryBags, predict }, { readCoordsFile, readFeaturesFile }, { renderHeatmap }, { openSlide, thumbnail }] =
    await Promise.all([import('@wsi/mil'), import('@wsi/h5'), import('@wsi/annotator'), import('@wsi/reader')]);
  const models = await ctx.resources.milModels();
  const f = await readFeaturesFile(embed.path);
  if (!f.coords) throw new WsiError('CorruptFile', `${embed.path} has no coords`);
  const source = memoryBags([{ id: ctx.name, features: f.features, n: f.count, coords: f.coords }], f.dim);
  const [p] = await predict({ models, source });
  if (!p) throw new WsiError('InvalidArgument', 'no prediction');
  const out = predictPaths(ctx.outDir, ctx.name);
  const header = ['bag_id', 'pred', ...p.probs.map((_, c) => `prob_${c}`)].join(',');
  const row = [csvField(ctx.name), p.pred, ...p.probs.map((x) => x.toPrecision(6))].join(',');
  await writeFileAtomic(out.prediction, `${header}\n${row}\n`);
  const lines = ['x,y,score'];
  for (let i = 0; i < f.count; i++) {
    lines.push(`${f.coords[2 * i]},${f.coords[2 * i + 1]},${(p.attention[i] as number).toPrecision(6)}`);
  }
  await writeFileAtomic(out.scores, `${lines.join('\n')}\n`);
  if (coords === undefined) throw new WsiError('NotFound', `no coords file for ${ctx.name}`);
  const patchSize = (await readCoordsFile(coords)).meta.patchSizeLevel0;
  await mkdir(dirname(out.heatmap), { recursive: true });
  const slide = await openSlide(ctx.location);
  try {
    const thumb = await thumbnail(slide, 1024);
    const downsample = (slide.levels[0]?.width ?? thumb.width) / thumb.width;
    await renderHeatmap({
      thumbnail: thumb,
      downsample,
      scores: out.scores,
      patchSize,
      out: out.heatmap,
      geojson: out.geojson,
    });
  } finally {
    await slide.close();
  }
  await ctx.state.finish('predict', key, f.count, [out.prediction, out.scores, out.heatmap, out.geojson]);
  ctx.progress('predict', 1, 1);
  return { key, skipped: false, seconds: (performance.now() - t0) / 1000, count: f.count };
}
