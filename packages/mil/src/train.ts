/**
 * `train`: k-fold cross-validated training (stratified by label, grouped by case) of a MIL model on a
 * {@link BagSource}, with exported ONNX models, checkpoints, `metrics.json` (per fold, mean ± sd, pooled
 * out-of-fold metrics with bootstrap CIs) and `ensemble.json`.
 */
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { WsiError } from '@wsi/core';
import { type BagSource, validateLabels } from './data/bags.js';
import { stratifiedFolds } from './data/folds.js';
import { type EnsembleMember, writeEnsemble } from './ensemble.js';
import { bootstrapCi, evaluatePredictions, type METRIC_KEYS, type MetricSet } from './evaluation.js';
import { summarise } from './metrics.js';
import { type HeadKind, type HeadOutput, headForTask } from './models/heads.js';
import { type MilConfig, type MilModelName, modelConfig } from './models/registry.js';
import { trainFold } from './train-fold.js';

/**
 * MIL tasks supported by the engine.
 *
 * @example
 * ```ts
 * const task: MilTask = 'ordinal';
 * ```
 */
export type MilTask = 'binary' | 'multiclass' | 'ordinal' | 'regression';

/**
 * The tasks, for CLI validation.
 *
 * @example
 * ```ts
 * MIL_TASKS.includes('regression'); // true
 * ```
 */
export const MIL_TASKS: readonly MilTask[] = ['binary', 'multiclass', 'ordinal', 'regression'];

/**
 * Options of {@link train}.
 *
 * @example
 * ```ts
 * const o: TrainOptions = { source: memoryBags(bags, 16), task: 'binary', folds: 5, epochs: 20, seed: 1 };
 * const result = await train(o);
 * ```
 */
export interface TrainOptions {
  source: BagSource;
  /** `binary`/`multiclass` (softmax), `ordinal` (CORAL, logits [1, C−1]) or `regression` (MSE, logits [1, 1]). */
  task: MilTask;
  /** Model architecture (default `abmil`). */
  model?: MilModelName;
  /** Number of classes (binary: 2; otherwise default max label + 1; regression: the label range 0..C−1). */
  classes?: number;
  /** Cross-validation folds (default 1: train on every bag, metrics on the training set). */
  folds?: number;
  epochs?: number;
  seed?: number;
  threads?: number;
  lr?: number;
  weightDecay?: number;
  optimizer?: 'adam' | 'adamw';
  schedule?: 'constant' | 'cosine' | 'step';
  clipNorm?: number;
  dropout?: number;
  hidden?: number;
  attnDim?: number;
  /** Weight each bag's loss by inverse class frequency (default false). */
  balance?: boolean;
  /** Class-balanced resampling of the training bags each epoch (default false: a shuffle). */
  balancedSampling?: boolean;
  /** Cap on patches per bag and epoch, by seeded random subsampling (default 15000). */
  maxPatches?: number;
  /** Keep the `topK` epochs with the lowest training loss per fold as ensemble members (default 1: the final model). */
  topK?: number;
  /** Bootstrap resamples for the 95 % CIs (default 1000). */
  bootstrap?: number;
  /** Output folder for models, checkpoints and metrics (nothing written when absent). */
  out?: string;
  /** Continue each fold from `out[/fold-<k>]/checkpoint.bin` when present (exactly, as if never stopped). */
  resume?: boolean;
  /** Progress lines (default: none). */
  log?: (line: string) => void;
  signal?: AbortSignal;
}

/**
 * Per-fold results: every metric key, plus sizes and timing.
 *
 * @example
 * ```ts
 * const folds: FoldResult[] = result.folds;
 * for (const f of folds) console.log(f.fold, f.auc, f.train_seconds);
 * ```
 */
export interface FoldResult extends MetricSet {
  fold: number;
  /** `heldout` for k ≥ 2, `train` when the single model is evaluated on its training bags. */
  split: 'heldout' | 'train';
  n_train: number;
  epochs: number;
  train_seconds: number;
  final_train_loss: number;
}

/**
 * Pooled metrics of a set of out-of-fold predictions with their bootstrap CIs.
 *
 * @example
 * ```ts
 * const { metrics, ci95 }: PooledMetrics = result.pooled;
 * console.log(metrics.auc, ci95.auc); // 0.91 [0.85, 0.96]
 * ```
 */
export interface PooledMetrics {
  metrics: MetricSet;
  ci95: Record<(typeof METRIC_KEYS)[number], [number, number]>;
}

/**
 * What {@link train} returns (and writes to `metrics.json`).
 *
 * @example
 * ```ts
 * const r: TrainResult = await train({ source, task: 'binary', folds: 5 });
 * console.log(r.mean.auc, r.sd.auc, r.pooled.ci95.auc);
 * ```
 */
export interface TrainResult {
  task: MilTask;
  model: string;
  classes: number;
  folds: FoldResult[];
  mean: Record<string, number>;
  sd: Record<string, number>;
  /** Metrics of all out-of-fold predictions together, with bootstrap 95 % CIs. */
  pooled: PooledMetrics;
  /** With `topK` > 1: each fold's top-k checkpoint ensemble on its held-out bags. */
  ensemble?: { members_per_fold: number; folds: (MetricSet & { fold: number })[]; pooled: PooledMetrics };
  /** Exported final models (standard ONNX bytes) per fold. */
  models: Uint8Array[];
  /** Every ensemble member's bytes with its description (paths relative to `out`). */
  members: (EnsembleMember & { bytes: Uint8Array })[];
  /** Held-out (or training-set) predictions per bag index (the fold's final model). */
  predictions: ({ bag: number; fold: number } & HeadOutput)[];
  /** The same bags predicted by the fold's top-k ensemble (only with `topK` > 1). */
  ensemblePredictions?: ({ bag: number; fold: number } & HeadOutput)[];
}

async function writeJsonAtomic(path: string, value: unknown): Promise<void> {
  const tmp = `${path}.tmp-${process.pid}`;
  await writeFile(
    tmp,
    `${JSON.stringify(value, (_, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 2)}\n`,
  );
  await rename(tmp, path);
}

function pooled(
  preds: readonly HeadOutput[],
  labels: readonly number[],
  head: HeadKind,
  classes: number,
  o: { resamples: number; seed: number },
): PooledMetrics {
  return {
    metrics: evaluatePredictions(preds, labels, head, classes),
    ci95: bootstrapCi(preds, labels, head, classes, o),
  };
}

/**
 * Trains a MIL model with (optionally) stratified, case-grouped k-fold cross-validation. Labels are validated
 * before any training.
 *
 * @throws WsiError `InvalidArgument` (labels outside 0..C−1, bad options), `Aborted`.
 * @example
 * ```ts
 * const res = await train({ source: memoryBags(bags, 1024), task: 'ordinal', model: 'clam-sb', folds: 5, out: 'runs/a' });
 * console.log(res.mean.kappa, res.pooled.ci95.kappa);
 * ```
 */
export async function train(o: TrainOptions): Promise<TrainResult> {
  const { source } = o;
  if (!MIL_TASKS.includes(o.task))
    throw new WsiError('InvalidArgument', `unknown task '${o.task}' (${MIL_TASKS.join(', ')})`);
  const labels = source.bags.map((b) => b.label ?? -1);
  const classes = o.task === 'binary' ? 2 : (o.classes ?? Math.max(1, ...labels) + 1);
  validateLabels(source.bags, classes);
  const head = headForTask(o.task);
  const model = o.model ?? 'abmil';
  const k = o.folds ?? 1;
  const epochs = o.epochs ?? 20;
  if (!(Number.isInteger(epochs) && epochs >= 1))
    throw new WsiError('InvalidArgument', `epochs must be ≥ 1, got ${epochs}`);
  const topK = o.topK ?? 1;
  if (!(Number.isInteger(topK) && topK >= 1 && topK <= epochs))
    throw new WsiError('InvalidArgument', `top-k must be an integer in 1..epochs, got ${topK}`);
  const seed = o.seed ?? 0;
  const fold = k >= 2 ? stratifiedFolds(source.bags, k, seed) : source.bags.map(() => 0);
  const cfg: MilConfig = modelConfig(model, {
    inDim: source.dim,
    classes,
    head,
    ...(o.dropout === undefined ? {} : { dropout: o.dropout }),
    ...(o.hidden === undefined ? {} : { hidden: o.hidden }),
    ...(o.attnDim === undefined ? {} : { attnDim: o.attnDim }),
  });
  const boot = { resamples: o.bootstrap ?? 1000, seed };
  const results: FoldResult[] = [];
  const models: Uint8Array[] = [];
  const members: TrainResult['members'] = [];
  const predictions: TrainResult['predictions'] = [];
  const ensemblePredictions: NonNullable<TrainResult['ensemblePredictions']> = [];
  const ensembleFolds: (MetricSet & { fold: number })[] = [];
  for (let f = 0; f < Math.max(1, k); f++) {
    const all = source.bags.map((_, i) => i);
    const trainIdx = all.filter((i) => k < 2 || fold[i] !== f);
    const testIdx = k < 2 ? trainIdx : all.filter((i) => fold[i] === f);
    const r = await trainFold({
      ...o,
      cfg,
      task: o.task,
      fold: f,
      trainIdx,
      testIdx,
      labels,
      epochs,
      seed,
      topK,
      dir: o.out === undefined ? undefined : k >= 2 ? join(o.out, `fold-${f}`) : o.out,
      relDir: k >= 2 ? `fold-${f}` : '',
    });
    const testLabels = testIdx.map((i) => labels[i] as number);
    const m = evaluatePredictions(r.predictions, testLabels, head, classes);
    results.push({
      fold: f,
      split: k >= 2 ? 'heldout' : 'train',
      ...m,
      n_train: trainIdx.length,
      epochs,
      train_seconds: r.trainSeconds,
      final_train_loss: r.finalLoss,
    });
    testIdx.forEach((bag, j) => {
      predictions.push({ bag, fold: f, ...(r.predictions[j] as HeadOutput) });
      if (r.ensemblePredictions)
        ensemblePredictions.push({ bag, fold: f, ...(r.ensemblePredictions[j] as HeadOutput) });
    });
    if (r.ensemblePredictions)
      ensembleFolds.push({ fold: f, ...evaluatePredictions(r.ensemblePredictions, testLabels, head, classes) });
    models.push(r.finalBytes);
    members.push(...r.members);
  }
  const { mean, sd } = summarise(results.map(({ split: _s, fold: _f, ...rest }) => rest));
  const pooledSingle = pooled(
    predictions,
    predictions.map((p) => labels[p.bag] as number),
    head,
    classes,
    boot,
  );
  const result: TrainResult = {
    task: o.task,
    model,
    classes,
    folds: results,
    mean,
    sd,
    pooled: pooledSingle,
    models,
    members: members,
    predictions,
  };
  if (topK > 1) {
    result.ensemble = {
      members_per_fold: topK,
      folds: ensembleFolds,
      pooled: pooled(
        ensemblePredictions,
        ensemblePredictions.map((p) => labels[p.bag] as number),
        head,
        classes,
        boot,
      ),
    };
    result.ensemblePredictions = ensemblePredictions;
  }
  if (o.out) {
    await mkdir(o.out, { recursive: true });
    const ens = result.ensemble;
    await writeJsonAtomic(join(o.out, 'metrics.json'), {
      task: o.task,
      model,
      classes,
      seed,
      folds: results,
      mean,
      sd,
      pooled: pooledSingle.metrics,
      ci95: pooledSingle.ci95,
      bootstrap: { resamples: boot.resamples, seed, level: 0.95, over: k >= 2 ? 'out-of-fold bags' : 'training bags' },
      ...(ens
        ? {
            ensemble: {
              members_per_fold: ens.members_per_fold,
              folds: ens.folds,
              ...summarise(ens.folds.map(({ fold: _f, ...rest }) => rest)),
              pooled: ens.pooled.metrics,
              ci95: ens.pooled.ci95,
            },
          }
        : {}),
    });
    if (k >= 2 || topK > 1) {
      await writeEnsemble(o.out, {
        version: 1,
        task: o.task,
        model,
        classes,
        combine: 'mean',
        members: members.map(({ bytes: _b, ...m }) => m),
      });
    }
  }
  return result;
}
