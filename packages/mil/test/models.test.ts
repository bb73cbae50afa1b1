import { encodeModel } from '@wsi/onnx';
import { describe, expect, it } from 'vitest';
import { exportGraph } from '../src/engine/graphs.js';
import { MilEngine } from '../src/engine/mil-engine.js';
import { createSession, f32, outF32 } from '../src/engine/session.js';
import { coralProbs, decodeLogits, ordinalPred } from '../src/models/heads.js';
import { type MilConfig, modelConfig } from '../src/models/registry.js';
import { seeded } from './gradcheck.js';

async function worstGradError(cfg: MilConfig, n: number, label: number): Promise<{ worst: number; checked: number }> {
  const engine = await MilEngine.create(cfg, { seed: 3, threads: 1 });
  const x = seeded(n * cfg.inDim, 5);
  const { grads } = await engine.gradients(x, n, label);
  const eps = 1e-2;
  let worst = 0;
  let checked = 0;
  for (const [name, p] of engine.params) {
    const g = grads.get(name) as Float32Array;
    for (let i = 0; i < p.length; i++) {
      const v = p[i] as number;
      p[i] = v + eps;
      const lp = (await engine.gradients(x, n, label)).loss;
      p[i] = v - eps;
      const lm = (await engine.gradients(x, n, label)).loss;
      p[i] = v;
      const num = (lp - lm) / (2 * eps);
      worst = Math.max(worst, Math.abs((g[i] as number) - num) / (1 + Math.abs(num)));
      checked++;
    }
  }
  await engine.release();
  return { worst, checked };
}

async function exportMatches(cfg: MilConfig, task: string): Promise<number> {
  const engine = await MilEngine.create(cfg, { seed: 1, threads: 1, optimizer: { lr: 1e-2 } });
  const x = seeded(30 * cfg.inDim, 7);
  for (let s = 0; s < 3; s++) await engine.trainStep(x, 30 - s, s % cfg.classes);
  const session = await createSession(encodeModel(exportGraph(cfg, engine.params, task)), { threads: 1 });
  let diff = 0;
  for (const n of [1, 12, 30]) {
    const ref = await engine.predict(x, n);
    const out = await session.run({ features: f32(x, [n, cfg.inDim]) });
    outF32(out, 'logits').forEach((v, i) => {
      diff = Math.max(diff, Math.abs(v - (ref.logits[i] as number)));
    });
    outF32(out, 'attention').forEach((v, i) => {
      diff = Math.max(diff, Math.abs(v - (ref.attention[i] as number)));
    });
  }
  await session.release();
  await engine.release();
  return diff;
}

describe('heads', () => {
  it('CORAL probabilities are cumulative differences and the prediction is the median class', () => {
    const p = coralProbs([0, Math.log(3)]); // P(y>0) = 0.5, P(y>1) = 0.75 → clipped to 0.5
    expect(p[0]).toBeCloseTo(0.5, 12);
    expect(p[1]).toBeCloseTo(0, 12);
    expect(p[2]).toBeCloseTo(0.5, 12);
    expect(ordinalPred([0.1, 0.2, 0.7])).toBe(2);
    expect(ordinalPred([0.3, 0.3, 0.4])).toBe(1);
    expect(decodeLogits([2.6], 'regression', 3)).toEqual({ pred: 2, probs: [], value: expect.closeTo(2.6, 6) });
    expect(decodeLogits([-0.7], 'regression', 3).pred).toBe(0);
    expect(decodeLogits([9.4], 'regression', 3).pred).toBe(2);
  });
});

describe('model gradients match finite differences', () => {
  const small = { inDim: 5, hidden: 4, attnDim: 3, classes: 3, dropout: 0 };
  it('ABMIL with a CORAL head and with a regression head', async () => {
    const coral = await worstGradError(modelConfig('abmil', { ...small, head: 'coral' }), 6, 2);
    expect(coral.checked).toBe(5 * 4 + 4 + 2 * (4 * 3 + 3) + 3 + 1 + 4 + 2);
    expect(coral.worst).toBeLessThan(2e-3);
    const reg = await worstGradError(modelConfig('abmil', { ...small, head: 'regression' }), 6, 1);
    expect(reg.worst).toBeLessThan(2e-3);
  });

  it('CLAM-SB (bag + instance clustering loss on top-k/bottom-k attended patches)', async () => {
    const cfg = modelConfig('clam-sb', small);
    expect(cfg).toMatchObject({ model: 'clam-sb', kSample: 8, subtyping: true });
    const r = await worstGradError({ ...cfg, kSample: 2 } as MilConfig, 7, 1);
    expect(r.worst).toBeLessThan(2e-3);
    // k larger than the bag: every patch is taken, still finite.
    const tiny = await worstGradError(cfg, 3, 0);
    expect(tiny.worst).toBeLessThan(2e-3);
  });

  it('biopsy transformer (2 encoder layers, multi-head self-attention, LayerNorm)', async () => {
    const cfg = modelConfig('biopsy-transformer', { ...small, hidden: 4, attnDim: 3 });
    const r = await worstGradError({ ...cfg, heads: 2, ffDim: 6 } as MilConfig, 5, 1);
    expect(r.worst).toBeLessThan(3e-3);
  });
});

describe('exported models match the engine', () => {
  const base = { inDim: 8, hidden: 16, attnDim: 8, classes: 3 };
  it.each([
    ['abmil', 'coral'],
    ['abmil', 'regression'],
    ['clam-sb', 'softmax'],
    ['biopsy-transformer', 'coral'],
  ] as const)('%s with a %s head', async (model, head) => {
    const cfg = modelConfig(model, { ...base, head });
    expect(await exportMatches(cfg, head)).toBeLessThanOrEqual(2e-5);
  });
});
