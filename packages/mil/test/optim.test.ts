import { describe, expect, it } from 'vitest';
import { Adam, clipGradNorm, lrAt } from '../src/engine/optim.js';
import { Rng } from '../src/engine/rng.js';
import { classificationMetrics, rocAuc, summarise } from '../src/metrics.js';

describe('optimisers, schedules, metrics', () => {
  it('Adam and AdamW follow the PyTorch update rule', () => {
    const run = (kind: 'adam' | 'adamw') => {
      const p = new Map([['w', Float32Array.of(1, -2)]]);
      const opt = new Adam(p, { lr: 0.1, weightDecay: 0.5, kind });
      opt.step(new Map([['w', Float32Array.of(0.5, 0.5)]]));
      opt.step(new Map([['w', Float32Array.of(-0.5, 0.25)]]));
      return Array.from(p.get('w') as Float32Array);
    };
    // Reference in float64, written out from torch's formulas.
    const ref = (kind: 'adam' | 'adamw', w0: number, gs: number[]) => {
      let w = w0;
      let m = 0;
      let v = 0;
      gs.forEach((g0, i) => {
        const t = i + 1;
        const g = kind === 'adam' ? g0 + 0.5 * w : g0;
        if (kind === 'adamw') w *= 1 - 0.1 * 0.5;
        m = 0.9 * m + 0.1 * g;
        v = 0.999 * v + 0.001 * g * g;
        w -= ((0.1 / (1 - 0.9 ** t)) * m) / (Math.sqrt(v) / Math.sqrt(1 - 0.999 ** t) + 1e-8);
      });
      return w;
    };
    for (const kind of ['adam', 'adamw'] as const) {
      const got = run(kind);
      expect(got[0]).toBeCloseTo(ref(kind, 1, [0.5, -0.5]), 5);
      expect(got[1]).toBeCloseTo(ref(kind, -2, [0.5, 0.25]), 5);
    }
  });

  it('clips the global norm and schedules the learning rate', () => {
    const g = new Map([
      ['a', Float32Array.of(3)],
      ['b', Float32Array.of(4)],
    ]);
    expect(clipGradNorm(g, 1)).toBeCloseTo(5);
    expect((g.get('a') as Float32Array)[0]).toBeCloseTo(0.6, 4);
    expect(lrAt({ kind: 'cosine', totalSteps: 100 }, 1, 0)).toBeCloseTo(1);
    expect(lrAt({ kind: 'cosine', totalSteps: 100 }, 1, 50)).toBeCloseTo(0.5);
    expect(lrAt({ kind: 'cosine', totalSteps: 100 }, 1, 100)).toBeCloseTo(0);
    expect(lrAt({ kind: 'step', stepSize: 10, gamma: 0.5 }, 1, 25)).toBeCloseTo(0.25);
  });

  it('dropout masks are seeded and have the right rate and scale', () => {
    const m1 = new Float32Array(40000);
    const m2 = new Float32Array(40000);
    new Rng(5).dropoutMask(m1, m1.length, 0.25);
    new Rng(5).dropoutMask(m2, m2.length, 0.25);
    expect(Buffer.from(m1.buffer).equals(Buffer.from(m2.buffer))).toBe(true);
    const zeros = m1.filter((v) => v === 0).length / m1.length;
    expect(zeros).toBeGreaterThan(0.23);
    expect(zeros).toBeLessThan(0.27);
    expect(m1.find((v) => v !== 0)).toBeCloseTo(4 / 3, 6);
  });

  it('AUC handles ties and macro one-vs-rest', () => {
    expect(rocAuc([0.1, 0.4, 0.35, 0.8], [false, false, true, true])).toBe(0.75);
    expect(rocAuc([0.5, 0.5], [false, true])).toBe(0.5);
    const m = classificationMetrics(
      [
        [0.8, 0.1, 0.1],
        [0.1, 0.8, 0.1],
        [0.1, 0.1, 0.8],
        [0.6, 0.05, 0.35],
      ],
      [0, 1, 2, 1],
    );
    expect(m.accuracy).toBe(0.75);
    expect(m.auc).toBeCloseTo((1 + 0.5 + 1) / 3, 6);
    const s = summarise([{ auc: 0.9 }, { auc: 0.7 }]);
    expect(s.mean.auc).toBeCloseTo(0.8);
    expect(s.sd.auc).toBeCloseTo(Math.SQRT2 * 0.1);
  });
});
