/**
 * The evaluation metrics of `metrics.json` — `auc`, `accuracy`, `balanced_accuracy`, `kappa`, `mse`, `c_index` —
 * for every head, with seeded bootstrap confidence intervals. Definitions follow scikit-learn.
 */
import { Rng } from './engine/rng.js';
import { rocAuc } from './metrics.js';
import type { HeadKind, HeadOutput } from './models/heads.js';

/**
 * The metric keys of `metrics.json`, in order.
 *
 * @example
 * ```ts
 * for (const k of METRIC_KEYS) console.log(k, result.mean[k]);
 * ```
 */
export const METRIC_KEYS = ['auc', 'accuracy', 'balanced_accuracy', 'kappa', 'mse', 'c_index'] as const;

/**
 * One evaluation: every key of {@link METRIC_KEYS}, `loss` and `n`.
 *
 * @example
 * ```ts
 * const m: MetricSet = result.folds[0]!; // auc, accuracy, balanced_accuracy, kappa, mse, c_index, loss, n
 * ```
 */
export type MetricSet = Record<(typeof METRIC_KEYS)[number], number> & { loss: number; n: number };

const mean = (v: readonly number[]) => (v.length ? v.reduce((a, b) => a + b, 0) / v.length : Number.NaN);

/**
 * Balanced accuracy: mean recall over the classes present in `labels` (scikit-learn `balanced_accuracy_score`).
 *
 * @example
 * ```ts
 * balancedAccuracy([0, 1, 0, 0, 0, 1], [0, 1, 0, 0, 1, 0]); // 0.625
 * ```
 */
export function balancedAccuracy(pred: readonly number[], labels: readonly number[]): number {
  const hit = new Map<number, [number, number]>();
  labels.forEach((l, i) => {
    const e = hit.get(l) ?? [0, 0];
    e[1]++;
    if (pred[i] === l) e[0]++;
    hit.set(l, e);
  });
  return mean([...hit.values()].map(([h, n]) => h / n));
}

/**
 * Cohen's kappa with quadratic weights (scikit-learn `cohen_kappa_score(weights='quadratic')`: the weight of cell
 * (i, j) is (i − j)² over the indices of the sorted labels present in either vector).
 *
 * @example
 * ```ts
 * quadraticKappa([0, 1, 2], [0, 1, 2]); // 1
 * ```
 */
export function quadraticKappa(pred: readonly number[], labels: readonly number[]): number {
  const values = [...new Set([...labels, ...pred])].sort((a, b) => a - b);
  const k = values.length;
  const n = labels.length;
  if (n === 0) return Number.NaN;
  if (k < 2) return Number.NaN;
  const index = new Map(values.map((v, i) => [v, i]));
  const obs = new Float64Array(k * k);
  const rowSum = new Float64Array(k);
  const colSum = new Float64Array(k);
  labels.forEach((l, i) => {
    const a = index.get(l) as number;
    const b = index.get(pred[i] as number) as number;
    obs[a * k + b] = (obs[a * k + b] as number) + 1;
    rowSum[a] = (rowSum[a] as number) + 1;
    colSum[b] = (colSum[b] as number) + 1;
  });
  let num = 0;
  let den = 0;
  for (let a = 0; a < k; a++) {
    for (let b = 0; b < k; b++) {
      const w = (a - b) ** 2;
      num += w * (obs[a * k + b] as number);
      den += (w * (rowSum[a] as number) * (colSum[b] as number)) / n;
    }
  }
  return den === 0 ? Number.NaN : 1 - num / den;
}

/**
 * Harrell's concordance index of `scores` against ordered `labels`: over pairs with different labels, the share
 * ordered the same way by the scores (score ties count ½). Equals the ROC AUC for two classes.
 *
 * @example
 * ```ts
 * concordanceIndex([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1]); // 0.75
 * ```
 */
export function concordanceIndex(scores: readonly number[], labels: readonly number[]): number {
  // One sweep in score order with per-label counts of lower scores: O(n log n + n·L) for L distinct labels.
  const values = [...new Set(labels)].sort((a, b) => a - b);
  const L = values.length;
  const li = new Map(values.map((v, i) => [v, i]));
  const order = scores.map((_, i) => i).sort((a, b) => (scores[a] as number) - (scores[b] as number));
  const lower = new Float64Array(L);
  const group = new Float64Array(L);
  const size = new Float64Array(L);
  for (const l of labels) size[li.get(l) as number] = (size[li.get(l) as number] as number) + 1;
  let pairs = 0;
  let total = 0;
  for (let a = 0; a < L; a++) {
    pairs += (size[a] as number) * total;
    total += size[a] as number;
  }
  let ok = 0;
  for (let i = 0; i < order.length; ) {
    let j = i;
    while (j < order.length && scores[order[j] as number] === scores[order[i] as number]) j++;
    group.fill(0);
    for (let k = i; k < j; k++) {
      const l = li.get(labels[order[k] as number] as number) as number;
      group[l] = (group[l] as number) + 1;
    }
    let below = 0;
    let inGroup = 0;
    let sameSq = 0;
    for (let l = 0; l < L; l++) {
      ok += (group[l] as number) * below; // lower score and lower label: concordant
      below += lower[l] as number;
      inGroup += group[l] as number;
      sameSq += (group[l] as number) ** 2;
    }
    ok += 0.5 * ((inGroup * inGroup - sameSq) / 2); // tied scores, different labels
    for (let l = 0; l < L; l++) lower[l] = (lower[l] as number) + (group[l] as number);
    i = j;
  }
  return pairs ? ok / pairs : Number.NaN;
}

/**
 * The score a prediction is ranked by: the expected class `Σ k·p_k`, or the regression value.
 *
 * @example
 * ```ts
 * expectedScore({ pred: 1, probs: [0.2, 0.5, 0.3] }); // 1.1
 * ```
 */
export function expectedScore(o: HeadOutput): number {
  if (o.value !== undefined) return o.value;
  return o.probs.reduce((a, p, k) => a + k * p, 0);
}

/**
 * Every metric of a set of predictions. `auc`: binary ROC AUC of `prob_1` (regression: of the value), or the macro
 * one-vs-rest AUC over the classes present (regression: class k scored by −|value − k|). `mse` and `c_index` use
 * the expected class (or the value) against the label. `loss`: mean cross-entropy (regression: the MSE).
 *
 * @example
 * ```ts
 * const m = evaluatePredictions(outputs, labels, 'softmax', 2); // m.auc, m.kappa, …
 * ```
 */
export function evaluatePredictions(
  outputs: readonly HeadOutput[],
  labels: readonly number[],
  head: HeadKind | undefined,
  classes: number,
): MetricSet {
  const n = labels.length;
  const pred = outputs.map((o) => o.pred);
  const score = outputs.map(expectedScore);
  const scoreFor = (k: number) =>
    outputs.map((o, i) => (head === 'regression' ? -Math.abs((score[i] as number) - k) : (o.probs[k] ?? 0)));
  let auc: number;
  if (classes === 2) {
    auc = rocAuc(
      head === 'regression' ? score : scoreFor(1),
      labels.map((l) => l === 1),
    );
  } else {
    const per: number[] = [];
    for (let k = 0; k < classes; k++) {
      const a = rocAuc(
        scoreFor(k),
        labels.map((l) => l === k),
      );
      if (!Number.isNaN(a)) per.push(a);
    }
    auc = mean(per);
  }
  const sq = score.map((s, i) => (s - (labels[i] as number)) ** 2);
  const mse = mean(sq);
  const loss =
    head === 'regression'
      ? mse
      : mean(outputs.map((o, i) => -Math.log(Math.max(1e-12, o.probs[labels[i] as number] ?? 0))));
  return {
    auc,
    accuracy: mean(pred.map((p, i) => (p === labels[i] ? 1 : 0))),
    balanced_accuracy: balancedAccuracy(pred, labels),
    kappa: quadraticKappa(pred, labels),
    mse,
    c_index: concordanceIndex(score, labels),
    loss,
    n,
  };
}

/**
 * Percentile bootstrap 95 % confidence intervals of every metric: `resamples` draws of n bags with replacement
 * from a seeded generator; metrics that come out NaN in a draw (e.g. AUC with one class) are skipped.
 *
 * @example
 * ```ts
 * bootstrapCi(outputs, labels, 'softmax', 2, { seed: 0 }); // { auc: [0.81, 0.97], … }
 * ```
 */
export function bootstrapCi(
  outputs: readonly HeadOutput[],
  labels: readonly number[],
  head: HeadKind | undefined,
  classes: number,
  o: { resamples?: number; seed?: number } = {},
): Record<(typeof METRIC_KEYS)[number], [number, number]> {
  const rng = new Rng((o.seed ?? 0) ^ 0xb007);
  const resamples = o.resamples ?? 1000;
  const n = labels.length;
  const draws: Record<string, number[]> = {};
  for (const k of METRIC_KEYS) draws[k] = [];
  const outs: HeadOutput[] = new Array(n);
  const labs: number[] = new Array(n);
  for (let r = 0; r < resamples && n > 0; r++) {
    for (let i = 0; i < n; i++) {
      const j = rng.int(n);
      outs[i] = outputs[j] as HeadOutput;
      labs[i] = labels[j] as number;
    }
    const m = evaluatePredictions(outs, labs, head, classes);
    for (const k of METRIC_KEYS) if (Number.isFinite(m[k])) draws[k]?.push(m[k]);
  }
  const out = {} as Record<(typeof METRIC_KEYS)[number], [number, number]>;
  for (const k of METRIC_KEYS) {
    const v = (draws[k] as number[]).sort((a, b) => a - b);
    out[k] = v.length ? [quantile(v, 0.025), quantile(v, 0.975)] : [Number.NaN, Number.NaN];
  }
  return out;
}

function quantile(sorted: readonly number[], q: number): number {
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return (sorted[lo] as number) + ((sorted[hi] as number) - (sorted[lo] as number)) * (pos - lo);
}
