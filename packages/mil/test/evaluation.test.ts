import { describe, expect, it } from 'vitest';
import {
  balancedAccuracy,
  bootstrapCi,
  concordanceIndex,
  evaluatePredictions,
  quadraticKappa,
} from '../src/evaluation.js';
import { argmax, rocAuc } from '../src/metrics.js';
import { decodeLogits } from '../src/models/heads.js';

// Expected values: scikit-learn documentation examples, and numbers computed from the definitions (pairwise AUC,
// confusion-matrix kappa with (i−j)² weights over the sorted union of labels, brute-force concordant pairs) by a
// separate numpy script — Debian's python has no scikit-learn.
const y = [0, 1, 2, 2, 1, 0, 2, 1, 0, 2, 1, 0];
const P = [
  [0.7, 0.2, 0.1],
  [0.2, 0.5, 0.3],
  [0.1, 0.3, 0.6],
  [0.3, 0.3, 0.4],
  [0.5, 0.4, 0.1],
  [0.6, 0.3, 0.1],
  [0.2, 0.2, 0.6],
  [0.1, 0.6, 0.3],
  [0.4, 0.4, 0.2],
  [0.25, 0.5, 0.25],
  [0.3, 0.3, 0.4],
  [0.8, 0.1, 0.1],
];

describe('metrics against scikit-learn definitions', () => {
  it('documented scikit-learn examples', () => {
    expect(balancedAccuracy([0, 1, 0, 0, 0, 1], [0, 1, 0, 0, 1, 0])).toBeCloseTo(0.625, 12);
    expect(rocAuc([0.1, 0.4, 0.35, 0.8], [false, false, true, true])).toBeCloseTo(0.75, 12);
    expect(concordanceIndex([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1])).toBeCloseTo(0.75, 12);
  });

  it('quadratic weighted kappa over the union of present labels', () => {
    expect(quadraticKappa([0, 1, 1, 1, 2, 3, 3], [0, 0, 1, 1, 2, 2, 3])).toBeCloseTo(0.8727272727272727, 12);
    expect(quadraticKappa([0, 2, 2, 4], [0, 2, 4, 4])).toBeCloseTo(0.8, 12);
    expect(quadraticKappa([0, 1, 2], [0, 1, 2])).toBe(1);
  });

  it('concordance index with score ties and label ties', () => {
    expect(concordanceIndex([1, 1, 2, 3, 0.5], [0, 1, 1, 2, 0])).toBeCloseTo(0.9375, 12);
  });

  it('a 3-class evaluation: every key of metrics.json', () => {
    const outs = P.map((p) => ({ pred: argmax(p), probs: p }));
    expect(outs.map((o) => o.pred)).toEqual([0, 1, 2, 2, 0, 0, 2, 1, 0, 1, 2, 0]);
    const m = evaluatePredictions(outs, y, 'softmax', 3);
    expect(m.auc).toBeCloseTo(0.8958333333333334, 10);
    expect(m.accuracy).toBeCloseTo(0.75, 12);
    expect(m.balanced_accuracy).toBeCloseTo(0.75, 12);
    expect(m.kappa).toBeCloseTo(0.8235294117647058, 10);
    expect(m.mse).toBeCloseTo(0.315, 10);
    expect(m.c_index).toBeCloseTo(0.875, 10);
    expect(m.n).toBe(12);
  });

  it('bootstrap CIs are seeded, bracket the point estimate and differ with the seed', () => {
    const outs = P.map((p) => ({ pred: argmax(p), probs: p }));
    const a = bootstrapCi(outs, y, 'softmax', 3, { seed: 1, resamples: 300 });
    const b = bootstrapCi(outs, y, 'softmax', 3, { seed: 1, resamples: 300 });
    const c = bootstrapCi(outs, y, 'softmax', 3, { seed: 2, resamples: 300 });
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
    expect(a.accuracy[0]).toBeLessThanOrEqual(0.75);
    expect(a.accuracy[1]).toBeGreaterThanOrEqual(0.75);
    expect(a.auc[0]).toBeLessThan(a.auc[1]);
  });

  it('regression: AUC and c-index of the value, pred rounded and clamped', () => {
    const outs = [0.2, 1.4, -0.6, 2.9, 1.6].map((v) => decodeLogits([v], 'regression', 3));
    expect(outs.map((o) => o.pred)).toEqual([0, 1, 0, 2, 2]);
    const m = evaluatePredictions(outs, [0, 1, 0, 2, 1], 'regression', 3);
    expect(m.accuracy).toBeCloseTo(0.8, 12);
    expect(m.mse).toBeCloseTo((0.04 + 0.16 + 0.36 + 0.81 + 0.36) / 5, 6);
    expect(m.c_index).toBe(1);
  });
});
