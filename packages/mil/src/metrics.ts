/**
 * Classification metrics: ROC AUC (binary; macro one-vs-rest for more classes), accuracy, softmax.
 */

/**
 * Softmax of a logits row (numerically stable).
 *
 * @example
 * ```ts
 * softmax(Float32Array.of(0, 0)); // [0.5, 0.5]
 * ```
 */
export function softmax(logits: ArrayLike<number>): number[] {
  let max = -Infinity;
  for (let i = 0; i < logits.length; i++) max = Math.max(max, logits[i] as number);
  const e = Array.from({ length: logits.length }, (_, i) => Math.exp((logits[i] as number) - max));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
}

/**
 * Binary ROC AUC of `scores` for `positive` (Mann–Whitney U with average ranks for ties); NaN when one class is
 * absent.
 *
 * @example
 * ```ts
 * rocAuc([0.1, 0.9, 0.8], [false, true, false]); // 1
 * ```
 */
export function rocAuc(scores: readonly number[], positive: readonly boolean[]): number {
  const idx = scores.map((_, i) => i).sort((a, b) => (scores[a] as number) - (scores[b] as number));
  const ranks = new Array<number>(scores.length);
  for (let i = 0; i < idx.length; ) {
    let j = i;
    while (j + 1 < idx.length && scores[idx[j + 1] as number] === scores[idx[i] as number]) j++;
    const r = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) ranks[idx[k] as number] = r;
    i = j + 1;
  }
  let nPos = 0;
  let rankSum = 0;
  positive.forEach((p, i) => {
    if (p) {
      nPos++;
      rankSum += ranks[i] as number;
    }
  });
  const nNeg = positive.length - nPos;
  if (nPos === 0 || nNeg === 0) return Number.NaN;
  return (rankSum - (nPos * (nPos + 1)) / 2) / (nPos * nNeg);
}

/**
 * Metrics of one evaluation.
 *
 * @example
 * ```ts
 * const { auc, accuracy }: ClassificationMetrics = classificationMetrics([[0.2, 0.8], [0.9, 0.1]], [1, 0]);
 * ```
 */
export interface ClassificationMetrics {
  /** Binary AUC (class 1), or the macro one-vs-rest AUC over classes present. */
  auc: number;
  accuracy: number;
  /** Mean cross-entropy. */
  loss: number;
  /** Number of bags evaluated. */
  n: number;
}

/**
 * AUC, accuracy and mean cross-entropy of predicted probabilities against integer labels.
 *
 * @example
 * ```ts
 * classificationMetrics([[0.2, 0.8], [0.7, 0.3]], [1, 0]); // { auc: 1, accuracy: 1, … }
 * ```
 */
export function classificationMetrics(probs: readonly number[][], labels: readonly number[]): ClassificationMetrics {
  const c = probs[0]?.length ?? 0;
  let correct = 0;
  let loss = 0;
  probs.forEach((p, i) => {
    const pred = argmax(p);
    if (pred === labels[i]) correct++;
    loss -= Math.log(Math.max(1e-12, p[labels[i] as number] ?? 0));
  });
  let auc: number;
  if (c === 2)
    auc = rocAuc(
      probs.map((p) => p[1] as number),
      labels.map((l) => l === 1),
    );
  else {
    const per: number[] = [];
    for (let k = 0; k < c; k++) {
      const a = rocAuc(
        probs.map((p) => p[k] as number),
        labels.map((l) => l === k),
      );
      if (!Number.isNaN(a)) per.push(a);
    }
    auc = per.length ? per.reduce((x, y) => x + y, 0) / per.length : Number.NaN;
  }
  const n = labels.length;
  return { auc, accuracy: n ? correct / n : Number.NaN, loss: n ? loss / n : Number.NaN, n };
}

/**
 * Index of the largest value (first on ties).
 *
 * @example
 * ```ts
 * argmax([0.2, 0.5, 0.3]); // 1
 * ```
 */
export function argmax(v: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < v.length; i++) if ((v[i] as number) > (v[best] as number)) best = i;
  return best;
}

/**
 * Mean and sample standard deviation of each numeric key over folds (NaNs skipped).
 *
 * @example
 * ```ts
 * summarise([{ auc: 0.9 }, { auc: 0.8 }]); // { mean: { auc: 0.85 }, sd: { auc: 0.0707… } }
 * ```
 */
export function summarise(folds: readonly Record<string, unknown>[]): {
  mean: Record<string, number>;
  sd: Record<string, number>;
} {
  const mean: Record<string, number> = {};
  const sd: Record<string, number> = {};
  const keys = new Set(folds.flatMap((f) => Object.keys(f).filter((k) => typeof f[k] === 'number')));
  for (const k of keys) {
    const v = folds.map((f) => f[k] as number).filter((x) => Number.isFinite(x));
    const m = v.length ? v.reduce((a, b) => a + b, 0) / v.length : Number.NaN;
    mean[k] = m;
    sd[k] = v.length > 1 ? Math.sqrt(v.reduce((a, b) => a + (b - m) ** 2, 0) / (v.length - 1)) : 0;
  }
  return { mean, sd };
}
