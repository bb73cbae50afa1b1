/**
 * The `embed` stage: the features file of a slide through `embedSlide` (@wsi/embed).
 */
import { join } from 'node:path';
import type { StageContext, StageOutput } from './context.js';
import { fileFingerprint } from './fingerprint.js';
import { stageKey } from './params.js';

/**
 * The key part of the encoder: `default`, or the model file's fingerprint and preset.
 *
 * @example
 * ```ts
 * await encoderKey({ model: 'default' }); // { model: 'default' }
 * ```
 */
export async function encoderKey(p: { model: string; preset?: string }): Promise<Record<string, unknown>> {
  if (p.model === 'default') return { model: 'default', preset: p.preset };
  return { model: await fileFingerprint(p.model), preset: p.preset };
}

/**
 * Runs (or keeps) the embedding of a slide's patches. A slide without patches gets no features file (count 0).
 *
 * @example
 * ```ts
 * const embed = await embedStage(ctx, patch);
 * console.log(embed.path);
 * ```
 */
export async function embedStage(ctx: StageContext, patch: StageOutput, encKey: unknown): Promise<StageOutput> {
  const t0 = performance.now();
  const key = stageKey(patch.key, { encoder: encKey, layout: ctx.params.layout });
  const done = ctx.state.done('embed', key);
  if (done) {
    ctx.progress('embed', done.count, done.count, true);
    const path = done.outputs[0];
    return {
      key,
      skipped: true,
      seconds: (performance.now() - t0) / 1000,
      count: done.count,
      ...(path === undefined ? {} : { path: join(ctx.outDir, path) }),
    };
  }
  await ctx.state.invalidate('embed');
  if (patch.count === 0 || patch.path === undefined) {
    await ctx.state.finish('embed', key, 0, []);
    ctx.progress('embed', 0, 0);
    return { key, skipped: false, seconds: (performance.now() - t0) / 1000, count: 0 };
  }
  const { embedSlide } = await import('@wsi/embed');
  const encoder = await ctx.resources.encoder();
  ctx.progress('embed', 0, patch.count);
  const r = await embedSlide(ctx.location, {
    coords: patch.path,
    outDir: ctx.outDir,
    encoder,
    layout: ctx.params.layout,
    ...(ctx.params.batchSize === undefined ? {} : { batchSize: ctx.params.batchSize }),
    ...(ctx.signal ? { signal: ctx.signal } : {}),
    onProgress: (n, total) => ctx.progress('embed', n, total),
  });
  await ctx.state.finish('embed', key, r.count, r.ptPath === undefined ? [r.path] : [r.path, r.ptPath]);
  ctx.progress('embed', r.count, r.count);
  return { key, skipped: false, seconds: (performance.now() - t0) / 1000, count: r.count, path: r.path };
}
