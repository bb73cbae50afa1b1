import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isWsiError } from '@wsi/core';
import { trainFromManifest } from '@wsi/mil';
import { composedSlide, defaultTilePaths, syntheticTissue, writeSvs } from '@wsi/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCohort, runSlide } from '../src/run/index.js';

const params = { segmentation: { preset: 'tcga' as const, aT: 1 }, model: 'default', threads: 1 };

describe('runSlide / runCohort in process: predict stage, keys, failures, abort', () => {
  const dir = mkdtempSync(join(tmpdir(), 'wsi-run-predict-'));
  const out = join(dir, 'out');
  const slides = [join(dir, 'a.svs'), join(dir, 'b.svs')];
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  beforeAll(async () => {
    const real = defaultTilePaths().length > 0;
    for (const [i, path] of slides.entries()) {
      const source = real
        ? await composedSlide({ width: 2048, height: 1536, seed: 11 + i, islands: 2 })
        : syntheticTissue({ width: 2048, height: 1536, seed: 11 + i });
      await writeSvs(path, { source, mpp: 0.5, appMag: 20, seed: i });
    }
  }, 60_000);

  it('adds predictions, attention scores and heatmaps with a MIL model, keeping the finished stages', async () => {
    const first = await runCohort({ slides, outDir: out, params });
    expect(first.slides.map((s) => s.status)).toEqual(['done', 'done']);
    const manifest = join(dir, 'm.csv');
    writeFileSync(manifest, `slide,label\n${slides[0]},0\n${slides[1]},1\n`);
    const model = join(dir, 'model');
    await trainFromManifest({
      manifest,
      features: join(out, 'features_default'),
      out: model,
      task: 'binary',
      epochs: 2,
      threads: 1,
    });
    const events: string[] = [];
    const second = await runCohort({
      manifest,
      outDir: out,
      params: { ...params, milModel: model },
      onProgress: (e) => {
        if (e.type === 'stage' && e.progress.skipped) events.push(`${e.progress.slide}:${e.progress.stage}`);
      },
    });
    expect(events).toEqual(['a:segment', 'a:patch', 'a:embed', 'b:segment', 'b:patch', 'b:embed']);
    const a = second.slides[0];
    expect(a?.status).toBe('done');
    expect(a?.stages.predict.count).toBe(a?.stages.patch.count);
    const pred = readFileSync(join(out, 'predictions', 'a.csv'), 'utf8').split('\n');
    expect(pred[0]).toBe('bag_id,pred,prob_0,prob_1');
    expect(pred[1]).toMatch(/^a,[01],/);
    const scores = readFileSync(join(out, 'scores', 'a.scores.csv'), 'utf8')
      .trim()
      .split('\n');
    expect(scores[0]).toBe('x,y,score');
    expect(scores.length - 1).toBe(a?.stages.patch.count);
    const attention = scores.slice(1).reduce((s, l) => s + Number(l.split(',')[2]), 0);
    expect(attention).toBeCloseTo(1, 3);
    expect(existsSync(join(out, 'heatmaps', 'a.png'))).toBe(true);
    expect(existsSync(join(out, 'heatmaps', 'a.geojson'))).toBe(true);
    const run = JSON.parse(readFileSync(join(out, 'run.json'), 'utf8'));
    expect(run.params.milModel).toBe(model);
    expect(run.totals).toMatchObject({ slides: 2, done: 2, failed: 0 });

    const third = await runSlide({ slide: slides[0] as string, outDir: out, params: { ...params, milModel: model } });
    expect(third.status).toBe('skipped');
  }, 120_000);

  it('records a missing or corrupt slide as failed without throwing; an abort throws Aborted', async () => {
    writeFileSync(join(dir, 'bad.svs'), 'not a slide at all');
    const bad = await runSlide({ slide: join(dir, 'bad.svs'), outDir: out, params });
    expect(bad.status).toBe('failed');
    expect(bad.error?.code).toBe('UnsupportedFormat');
    const gone = await runSlide({ slide: join(dir, 'gone.svs'), outDir: out, params });
    expect(gone.error?.code).toBe('NotFound');
    const ac = new AbortController();
    ac.abort();
    const err = await runSlide({ slide: slides[0] as string, outDir: out, params, signal: ac.signal }).catch(
      (e: unknown) => e,
    );
    expect(isWsiError(err, 'Aborted')).toBe(true);
    await expect(runCohort({ slides: ['x/a.svs', 'y/a.svs'], outDir: out, params })).rejects.toThrow(/share the name/);
  });
});
