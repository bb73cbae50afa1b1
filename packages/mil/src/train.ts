/**
 * `train`: k-fold cross-validated training of a MIL model on a {@link BagSource}, with exported ONNX models,
 * checkpoints and `metrics.json`.
 */
import { mkdir, rename, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { throwIfAborted, WsiError } from '@wsi/core';
import { encodeModel, writeModelFile } from '@wsi/onnx';
import { type BagSource, validateLabels } from './data/bags.js';
import { stratifiedFolds } from './data/folds.js';
import { loadCheckpoint, saveCheckpoint } from './engine/checkpoint.js';
import { exportGraph } from './engine/graphs.js';
import { MilEngine } from './engine/mil-engine.js';
import type { LrSchedule } from './engine/optim.js';
import { Rng } from './engine/rng.js';
import { classificationMetrics, softmax, summarise } from './metrics.js';
import { abmilConfig } from './models/abmil.js';

/** MIL tasks supported by the engine. */
export type MilTask = 'binary' | 'multiclass';

/** Options of {@link train}. */
export interface TrainOptions {
  source: BagSource;
  task: MilTask;
  /** Model architecture (only `abmil` for now). */
  model?: 'abmil';
  /** Number of classes (binary: 2; multiclass: default max label + 1). */
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
  /** Output folder for models, checkpoints and metrics (nothing written when absent). */
  out?: string;
  /** Continue each fold from `out[/fold-<k>]/checkpoint.bin` when present (exactly, as if never stopped). */
  resume?: boolean;
  /** Progress lines (default: none). */
  log?: (line: string) => void;
  signal?: AbortSignal;
}

/** Per-fold results. */
export interface FoldResult {
  fold: number;
  /** `heldout` for k ≥ 2, `train` when the single model is evaluated on its training bags. */
  split: 'heldout' | 'train';
  auc: number;
  accuracy: number;
  loss: number;
  n: number;
  n_train: number;
  epochs: number;
  train_seconds: number;
  final_train_loss: number;
}

/** What {@link train} returns (and writes to `metrics.json`). */
export interface TrainResult {
  task: MilTask;
  model: string;
  classes: number;
  folds: FoldResult[];
  mean: Record<string, number>;
  sd: Record<string, number>;
  /** Exported models (standard ONNX bytes) per fold. */
  models: Uint8Array[];
  /** Held-out (or training-set) probabilities per bag index. */
  predictions: { bag: number; fold: number; probs: number[] }[];
}

async function writeJsonAtomic(path: string, value: unknown): Promise<void> {
  const tmp = `${path}.tmp-${process.pid}`;
  await writeFile(
    tmp,
    `${JSON.stringify(value, (_, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 2)}\n`,
  );
  await rename(tmp, path);
}

/**
 * Trains ABMIL with (optionally) stratified k-fold cross-validation. Labels are validated before any training.
 *
 * @throws WsiError `InvalidArgument` (labels outside 0..C−1, bad options), `Aborted`.
 * @example
 * ```ts
 * const res = await train({ source: memoryBags(bags, 1024), task: 'binary', folds: 5, epochs: 20, out: 'runs/a' });
 * console.log(res.mean.auc);
 * ```
 */
export async function train(o: TrainOptions): Promise<TrainResult> {
  const { source } = o;
  const labels = source.bags.map((b) => b.label ?? -1);
  const classes = o.task === 'binary' ? 2 : (o.classes ?? Math.max(1, ...labels) + 1);
  if (o.task !== 'binary' && o.task !== 'multiclass') throw new WsiError('InvalidArgument', `unknown task '${o.task}'`);
  if ((o.model ?? 'abmil') !== 'abmil') throw new WsiError('InvalidArgument', `unknown model '${o.model}' (abmil)`);
  validateLabels(source.bags, classes);
  const k = o.folds ?? 1;
  const epochs = o.epochs ?? 20;
  if (!(Number.isInteger(epochs) && epochs >= 1))
    throw new WsiError('InvalidArgument', `epochs must be ≥ 1, got ${epochs}`);
  const seed = o.seed ?? 0;
  const fold = k >= 2 ? stratifiedFolds(source.bags, k, seed) : source.bags.map(() => 0);
  const cfg = abmilConfig({
    inDim: source.dim,
    classes,
    ...(o.dropout === undefined ? {} : { dropout: o.dropout }),
    ...(o.hidden === undefined ? {} : { hidden: o.hidden }),
    ...(o.attnDim === undefined ? {} : { attnDim: o.attnDim }),
  });
  const results: FoldResult[] = [];
  const models: Uint8Array[] = [];
  const predictions: TrainResult['predictions'] = [];
  for (let f = 0; f < Math.max(1, k); f++) {
    const trainIdx = source.bags.map((_, i) => i).filter((i) => k < 2 || fold[i] !== f);
    const testIdx = k < 2 ? trainIdx : source.bags.map((_, i) => i).filter((i) => fold[i] === f);
    const counts = new Array<number>(classes).fill(0);
    for (const i of trainIdx) counts[labels[i] as number] = (counts[labels[i] as number] ?? 0) + 1;
    const steps = epochs * trainIdx.length;
    const schedule: LrSchedule =
      o.schedule === 'cosine'
        ? { kind: 'cosine', totalSteps: steps }
        : o.schedule === 'step'
          ? { kind: 'step', stepSize: Math.max(1, Math.floor(steps / 3)), gamma: 0.1 }
          : { kind: 'constant' };
    const engineOptions = {
      seed: seed + f,
      ...(o.threads === undefined ? {} : { threads: o.threads }),
      optimizer: { lr: o.lr ?? 2e-4, weightDecay: o.weightDecay ?? 1e-5, kind: o.optimizer ?? 'adam' },
      schedule,
      ...(o.clipNorm === undefined ? {} : { clipNorm: o.clipNorm }),
    } as const;
    const dir = o.out === undefined ? undefined : k >= 2 ? join(o.out, `fold-${f}`) : o.out;
    if (dir) await mkdir(dir, { recursive: true });
    const ckPath = dir ? join(dir, 'checkpoint.bin') : undefined;
    let startEpoch = 0;
    let engine: MilEngine;
    if (o.resume && ckPath && (await stat(ckPath).catch(() => undefined))) {
      const ck = await loadCheckpoint(ckPath);
      if (JSON.stringify(ck.config) !== JSON.stringify(cfg)) {
        throw new WsiError('InvalidArgument', `${ckPath} was trained with another model configuration`);
      }
      engine = await MilEngine.fromCheckpoint(ck, engineOptions);
      startEpoch = Math.min(ck.epoch, epochs);
    } else engine = await MilEngine.create(cfg, engineOptions);
    const order = new Rng((seed + f) ^ 0x0dde);
    for (let e = 0; e < startEpoch; e++) order.shuffle([...trainIdx]); // replay the shuffles of finished epochs
    const t0 = performance.now();
    let lastLoss = Number.NaN;
    try {
      for (let e = startEpoch; e < epochs; e++) {
        let sum = 0;
        for (const i of order.shuffle([...trainIdx])) {
          throwIfAborted(o.signal);
          const bag = await source.load(i);
          const label = labels[i] as number;
          const w = o.balance ? trainIdx.length / (classes * (counts[label] as number)) : 1;
          sum += (await engine.trainStep(bag.features, bag.n, label, w)).loss;
        }
        lastLoss = sum / trainIdx.length;
        o.log?.(`fold ${f} epoch ${e + 1}/${epochs} loss ${lastLoss.toFixed(4)}`);
        if (ckPath) await saveCheckpoint(ckPath, engine.checkpoint(e + 1, { task: o.task, fold: f }));
      }
      const trainSeconds = (performance.now() - t0) / 1000;
      const probs: number[][] = [];
      for (const i of testIdx) {
        const bag = await source.load(i);
        const p = softmax((await engine.predict(bag.features, bag.n)).logits);
        probs.push(p);
        predictions.push({ bag: i, fold: f, probs: p });
      }
      const m = classificationMetrics(
        probs,
        testIdx.map((i) => labels[i] as number),
      );
      results.push({
        fold: f,
        split: k >= 2 ? 'heldout' : 'train',
        auc: m.auc,
        accuracy: m.accuracy,
        loss: m.loss,
        n: m.n,
        n_train: trainIdx.length,
        epochs,
        train_seconds: Math.round(trainSeconds * 1000) / 1000,
        final_train_loss: lastLoss,
      });
      const bytes = encodeModel(
        exportGraph(cfg, engine.params, o.task, { 'wsi.fold': String(f), 'wsi.seed': String(seed) }),
      );
      models.push(bytes);
      if (dir) await writeModelFile(join(dir, 'model.onnx'), bytes);
    } finally {
      await engine.release();
    }
  }
  const { mean, sd } = summarise(results.map(({ split: _s, fold: _f, ...rest }) => rest));
  const result: TrainResult = { task: o.task, model: 'abmil', classes, folds: results, mean, sd, models, predictions };
  if (o.out) {
    await mkdir(o.out, { recursive: true });
    await writeJsonAtomic(join(o.out, 'metrics.json'), {
      task: o.task,
      model: 'abmil',
      classes,
      seed,
      folds: results,
      mean,
      sd,
    });
  }
  return result;
}
