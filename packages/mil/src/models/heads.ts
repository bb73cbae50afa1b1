/**
 * Output heads of a MIL model: softmax classification, ordinal (CORAL cumulative link) and regression — their
 * logit sizes, losses (recorded for differentiation) and how logits turn into `pred`, `prob_k` or `value`.
 */
import { WsiError } from '@wsi/core';
import type { Sym, Tracer } from '../autodiff/tracer.js';

/**
 * `softmax`: C logits; `coral`: C−1 cumulative logits (rank-consistent); `regression`: one value.
 *
 * @example
 * ```ts
 * const head: HeadKind = headForTask('ordinal'); // 'coral'
 * ```
 */
export type HeadKind = 'softmax' | 'coral' | 'regression';

/**
 * Number of logits a head emits for `classes` classes (the label range 0..C−1 for regression).
 *
 * @example
 * ```ts
 * headSize('coral', 5); // 4
 * ```
 */
export function headSize(head: HeadKind | undefined, classes: number): number {
  if (head === 'coral') return classes - 1;
  if (head === 'regression') return 1;
  return classes;
}

/**
 * The final linear layer for a head: a plain `[H, C]` layer for softmax/regression; for CORAL one shared weight
 * column plus C−1 biases (`logits_k = w·z + b_k`), which keeps the cumulative probabilities rank-consistent.
 *
 * @example
 * ```ts
 * const logits = headLayer(t, bag, p.cls_w, p.cls_b, 'coral'); // [1, C−1]
 * ```
 */
export function headLayer(t: Tracer, bag: Sym, w: Sym, b: Sym, head: HeadKind | undefined): Sym {
  if (head === 'coral') return t.add(t.gemm(bag, w), b);
  return t.gemm(bag, w, b);
}

/**
 * Shape of the `cls_w` parameter for a head.
 *
 * @example
 * ```ts
 * headWeightShape('softmax', 512, 3); // [512, 3]
 * headWeightShape('coral', 512, 4); // [512, 1]: shared weight, C−1 biases
 * ```
 */
export function headWeightShape(head: HeadKind | undefined, hidden: number, classes: number): number[] {
  return [hidden, head === 'coral' ? 1 : headSize(head, classes)];
}

/** softplus(z) = log(1 + e^z), stable for large |z|: relu(z) + log(1 + e^(−|z|)). */
function softplus(t: Tracer, z: Sym): Sym {
  const abs = t.add(t.relu(z), t.relu(t.neg(z)));
  return t.add(t.relu(z), t.log(t.add(t.scalar(1), t.exp(t.neg(abs)))));
}

/**
 * Records the loss of a head. `target` is the one-hot row scaled by the bag weight (softmax, [1, C]), the
 * cumulative targets `[label > k]` (coral, [1, C−1]) or the label value (regression, [1, 1]); `weight` ([1, 1])
 * scales coral and regression losses.
 *
 * @example
 * ```ts
 * const loss = headLoss(t, logits, target, weight, 'coral');
 * ```
 */
export function headLoss(
  t: Tracer,
  logits: Sym,
  target: Sym,
  weight: Sym | undefined,
  head: HeadKind | undefined,
): Sym {
  if (head === undefined || head === 'softmax') {
    return t.neg(t.reduceSum(t.mul(target, t.logSoftmax(logits, 1)), [0, 1], false));
  }
  if (!weight) throw new WsiError('InvalidArgument', `the ${head} head needs a weight input`);
  if (head === 'coral') {
    // Binary cross-entropy with logits per threshold: softplus(z) − t·z, summed over thresholds.
    const bce = t.sub(softplus(t, logits), t.mul(target, logits));
    return t.reduceSum(t.mul(bce, weight), [0, 1], false);
  }
  const d = t.sub(logits, target);
  return t.reduceSum(t.mul(t.mul(d, d), weight), [0, 1], false);
}

/**
 * A decoded prediction.
 *
 * @example
 * ```ts
 * const out: HeadOutput = decodeLogits(logits, 'softmax', 2); // { pred, probs }
 * ```
 */
export interface HeadOutput {
  /** Predicted class (regression: the value rounded and clamped to 0..C−1). */
  pred: number;
  /** Class probabilities (empty for regression). */
  probs: number[];
  /** Regression value (undefined otherwise). */
  value?: number;
}

const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));

/**
 * Class probabilities of CORAL logits: `P(y > k) = σ(z_k)` made non-increasing, then `p_k = P(y > k−1) − P(y > k)`.
 *
 * @example
 * ```ts
 * coralProbs([10, -10]); // ≈ [0, 1, 0]
 * ```
 */
export function coralProbs(logits: ArrayLike<number>): number[] {
  const gt: number[] = [];
  let prev = 1;
  for (let k = 0; k < logits.length; k++) {
    prev = Math.min(prev, sigmoid(logits[k] as number));
    gt.push(prev);
  }
  const probs: number[] = [];
  for (let k = 0; k <= gt.length; k++) probs.push((k === 0 ? 1 : (gt[k - 1] as number)) - (gt[k] ?? 0));
  return probs;
}

/**
 * The ordinal prediction of class probabilities: the number of thresholds k with `P(y > k) > 0.5` (the median
 * class; CORAL's rule for a single model, also right for averaged ensemble probabilities).
 *
 * @example
 * ```ts
 * ordinalPred([0.1, 0.2, 0.7]); // 2
 * ```
 */
export function ordinalPred(probs: readonly number[]): number {
  let above = 1;
  let pred = 0;
  for (let k = 0; k < probs.length - 1; k++) {
    above -= probs[k] as number;
    if (above > 0.5) pred = k + 1;
  }
  return pred;
}

/**
 * Rounds a regression value to the nearest class in 0..C−1.
 *
 * @example
 * ```ts
 * regressionPred(3.7, 3); // 2
 * ```
 */
export function regressionPred(value: number, classes: number): number {
  if (!Number.isFinite(value)) return 0;
  return Math.min(classes - 1, Math.max(0, Math.round(value)));
}

/**
 * Turns one model's logits into a prediction.
 *
 * @example
 * ```ts
 * decodeLogits(Float32Array.of(0.3), 'regression', 5); // { pred: 0, probs: [], value: 0.3 }
 * ```
 */
export function decodeLogits(logits: ArrayLike<number>, head: HeadKind | undefined, classes: number): HeadOutput {
  if (head === 'regression') {
    const value = logits[0] as number;
    return { pred: regressionPred(value, classes), probs: [], value };
  }
  if (head === 'coral') {
    const probs = coralProbs(logits);
    return { pred: ordinalPred(probs), probs };
  }
  let max = -Infinity;
  for (let i = 0; i < logits.length; i++) max = Math.max(max, logits[i] as number);
  const e = Array.from({ length: logits.length }, (_, i) => Math.exp((logits[i] as number) - max));
  const s = e.reduce((a, b) => a + b, 0);
  const probs = e.map((v) => v / s);
  let pred = 0;
  for (let i = 1; i < probs.length; i++) if ((probs[i] as number) > (probs[pred] as number)) pred = i;
  return { pred, probs };
}

/**
 * Averages ensemble members' decoded outputs (probabilities, or values for regression) and re-derives `pred`.
 *
 * @example
 * ```ts
 * averageOutputs([a, b], 'softmax', 2);
 * ```
 */
export function averageOutputs(outs: readonly HeadOutput[], head: HeadKind | undefined, classes: number): HeadOutput {
  const n = outs.length;
  if (head === 'regression') {
    const value = outs.reduce((a, o) => a + (o.value ?? 0), 0) / n;
    return { pred: regressionPred(value, classes), probs: [], value };
  }
  const probs = new Array<number>(classes).fill(0);
  for (const o of outs) o.probs.forEach((p, c) => (probs[c] = (probs[c] as number) + p / n));
  if (head === 'coral') return { pred: ordinalPred(probs), probs };
  let pred = 0;
  for (let i = 1; i < probs.length; i++) if ((probs[i] as number) > (probs[pred] as number)) pred = i;
  return { pred, probs };
}

/**
 * The head used for a task name (`ordinal` → coral, `regression` → regression, otherwise softmax).
 *
 * @example
 * ```ts
 * headForTask('ordinal'); // 'coral'
 * ```
 */
export function headForTask(task: string): HeadKind {
  return task === 'ordinal' ? 'coral' : task === 'regression' ? 'regression' : 'softmax';
}
