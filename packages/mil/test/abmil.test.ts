import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeModel, encodeModel } from '@wsi/onnx';
import { afterAll, describe, expect, it } from 'vitest';
import { loadCheckpoint, saveCheckpoint } from '../src/engine/checkpoint.js';
import { exportGraph } from '../src/engine/graphs.js';
import { MilEngine } from '../src/engine/mil-engine.js';
import { createSession, f32, outF32 } from '../src/engine/session.js';
import { abmilConfig } from '../src/models/abmil.js';
import { seeded } from './gradcheck.js';

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

describe('ABMIL layer', () => {
  it('gradients of the whole model match finite differences', async () => {
    const cfg = abmilConfig({ inDim: 6, hidden: 5, attnDim: 4, classes: 3, dropout: 0 });
    const engine = await MilEngine.create(cfg, { seed: 3, threads: 1 });
    const n = 7;
    const x = seeded(n * 6, 5);
    const { grads } = await engine.gradients(x, n, 2);
    const eps = 1e-2;
    let worst = 0;
    let checked = 0;
    for (const [name, p] of engine.params) {
      const g = grads.get(name) as Float32Array;
      for (let i = 0; i < p.length; i++) {
        const v = p[i] as number;
        p[i] = v + eps;
        const lp = (await engine.gradients(x, n, 2)).loss;
        p[i] = v - eps;
        const lm = (await engine.gradients(x, n, 2)).loss;
        p[i] = v;
        const num = (lp - lm) / (2 * eps);
        worst = Math.max(worst, Math.abs((g[i] as number) - num) / (1 + Math.abs(num)));
        checked++;
      }
    }
    await engine.release();
    expect(checked).toBe(6 * 5 + 5 + 2 * (5 * 4 + 4) + 4 + 1 + 5 * 3 + 3);
    expect(worst).toBeLessThan(2e-3);
  });

  it('the exported ONNX model matches the engine (≤ 1e-5) and has the standard interface', async () => {
    const cfg = abmilConfig({ inDim: 16, hidden: 32, attnDim: 8, classes: 2 });
    const engine = await MilEngine.create(cfg, { seed: 1, threads: 1 });
    const x = seeded(40 * 16, 7);
    for (let s = 0; s < 3; s++) await engine.trainStep(x, 40, s % 2);
    const bytes = encodeModel(exportGraph(cfg, engine.params, 'binary'));
    const info = decodeModel(bytes);
    expect(info.inputs).toEqual([{ name: 'features', elemType: 1, dims: ['N', 16] }]);
    expect(info.outputs.map((o) => [o.name, o.dims])).toEqual([
      ['logits', [1, 2]],
      ['attention', ['N']],
    ]);
    expect(info.metadata['wsi.classes']).toBe('2');
    const session = await createSession(bytes, { threads: 1 });
    for (const n of [1, 25, 40]) {
      const ref = await engine.predict(x, n);
      const out = await session.run({ features: f32(x, [n, 16]) });
      const logits = outF32(out, 'logits');
      const attention = outF32(out, 'attention');
      expect(attention.length).toBe(n);
      expect(attention.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
      let diff = 0;
      logits.forEach((v, i) => {
        diff = Math.max(diff, Math.abs(v - (ref.logits[i] as number)));
      });
      attention.forEach((v, i) => {
        diff = Math.max(diff, Math.abs(v - (ref.attention[i] as number)));
      });
      expect(diff).toBeLessThanOrEqual(1e-5);
    }
    await session.release();
    await engine.release();
  });

  it('runs are reproducible from a seed (dropout included) and a checkpoint resumes exactly', async () => {
    const cfg = abmilConfig({ inDim: 8, hidden: 16, attnDim: 8, classes: 3, dropout: 0.25 });
    const x = seeded(30 * 8, 11);
    const run = async (e: MilEngine, steps: number, from = 0) => {
      for (let s = from; s < from + steps; s++) await e.trainStep(x, 30 - s, s % 3);
    };
    const a = await MilEngine.create(cfg, {
      seed: 9,
      threads: 1,
      optimizer: { lr: 1e-3, kind: 'adamw', weightDecay: 1e-2 },
      clipNorm: 1,
    });
    const b = await MilEngine.create(cfg, {
      seed: 9,
      threads: 1,
      optimizer: { lr: 1e-3, kind: 'adamw', weightDecay: 1e-2 },
      clipNorm: 1,
    });
    await run(a, 2);
    await run(b, 2);
    expect(a.params.get('fc_w')).toEqual(b.params.get('fc_w'));
    const dir = await mkdtemp(join(tmpdir(), 'wsi-mil-ck-'));
    dirs.push(dir);
    await saveCheckpoint(join(dir, 'ck.bin'), a.checkpoint(1));
    await run(a, 3, 2);
    const c = await MilEngine.fromCheckpoint(await loadCheckpoint(join(dir, 'ck.bin')), {
      threads: 1,
      optimizer: { lr: 1e-3, kind: 'adamw', weightDecay: 1e-2 },
      clipNorm: 1,
    });
    await run(c, 3, 2);
    for (const [k, v] of a.params) expect(c.params.get(k)).toEqual(v);
    expect(a.params.get('fc_w')).not.toEqual(b.params.get('fc_w'));
    const other = await MilEngine.create(cfg, { seed: 10, threads: 1 });
    expect(other.params.get('fc_w')).not.toEqual(b.params.get('fc_w'));
    await Promise.all([a.release(), b.release(), c.release(), other.release()]);
  });

  it('rejects bad labels, empty bags and corrupt checkpoints with typed errors', async () => {
    const cfg = abmilConfig({ inDim: 4, hidden: 4, attnDim: 2, classes: 2 });
    const e = await MilEngine.create(cfg, { threads: 1 });
    await expect(e.trainStep(new Float32Array(8), 2, 2)).rejects.toMatchObject({ code: 'InvalidArgument' });
    await expect(e.trainStep(new Float32Array(0), 0, 0)).rejects.toMatchObject({ code: 'InvalidArgument' });
    await e.release();
    await expect(loadCheckpoint('/nonexistent/ck.bin')).rejects.toMatchObject({ code: 'NotFound' });
    expect(() => abmilConfig({ inDim: 4, classes: 1 })).toThrow(/at least 2 classes/);
  });
});
