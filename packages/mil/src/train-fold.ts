/**
 * One fold of {@link train}: engine setup or exact resume, epochs of (balanced) bag sampling with per-epoch patch
 * subsampling, the top-k checkpoints by training loss, export, and held-out predictions.
 */
import { mkdir, readFile, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { throwIfAborted, WsiError } from '@wsi/core';
import { encodeModel, writeModelFile } from '@wsi/onnx';
import type { BagSource } from './data/bags.js';
import { epochOrder, type SubsampleBuffer, subsampleBag } from './data/sampling.js';
import { loadCheckpoint, saveCheckpoint } from './engine/checkpoint.js';
import { exportGraph } from './engine/graphs.js';
import { MilEngine } from './engine/mil-engine.js';
import type { LrSchedule } from './engine/optim.js';
import { Rng } from './engine/rng.js';
import type { EnsembleMember } from './ensemble.js';
import { decodeLogits, type HeadOutput } from './models/heads.js';
import type { MilConfig } from './models/registry.js';
import { milModelFromBytes, predict } from './predict.js';
import type { TrainOptions } from './train.js';

/**
 * Inputs of {@link trainFold}.
 *
 * @example
 * ```ts
 * const out = await trainFold({ ...options, cfg, fold: 0, trainIdx, testIdx, labels, epochs: 20, seed: 1, topK: 1, dir: 'runs/a/fold-0', relDir: 'fold-0' } satisfies FoldJob);
 * ```
 */
export interface FoldJob extends Omit<TrainOptions, 'out'> {
  cfg: MilConfig;
  fold: number;
  trainIdx: number[];
  testIdx: number[];
  labels: number[];
  epochs: number;
  seed: number;
  topK: number;
  /** Where this fold writes `model.onnx`, `checkpoint.bin`, top-k models (nothing written when undefined). */
  dir: string | undefined;
  /** `dir` relative to the run folder (for `ensemble.json`). */
  relDir: string;
}

/**
 * What one fold yields.
 *
 * @example
 * ```ts
 * const { predictions, finalBytes, trainSeconds }: FoldOutput = await trainFold(job);
 * ```
 */
export interface FoldOutput {
  predictions: HeadOutput[];
  ensemblePredictions?: HeadOutput[];
  finalBytes: Uint8Array;
  members: (EnsembleMember & { bytes: Uint8Array })[];
  trainSeconds: number;
  finalLoss: number;
}

interface Snapshot {
  epoch: number;
  loss: number;
  file: string;
  bytes?: Uint8Array;
}

/** A seed per (run seed, fold, epoch), so a resumed fold samples exactly as an uninterrupted one. */
function epochRng(seed: number, fold: number, epoch: number): Rng {
  return new Rng(
    (Math.imul(seed + 1, 0x9e3779b1) ^ Math.imul(fold + 1, 0x85ebca6b) ^ Math.imul(epoch + 1, 0x0dde)) >>> 0,
  );
}

function subSource(source: BagSource, idx: readonly number[]): BagSource {
  return {
    dim: source.dim,
    bags: idx.map((i) => source.bags[i] as BagSource['bags'][number]),
    load: (j) => source.load(idx[j] as number),
  };
}

/**
 * Trains and evaluates one fold.
 *
 * @throws WsiError `InvalidArgument` (a checkpoint of another configuration, divergence), `Aborted`.
 * @example
 * ```ts
 * const r = await trainFold({ ...options, cfg, fold: 0, trainIdx, testIdx, labels, epochs: 20, seed: 0, topK: 1, dir, relDir: 'fold-0' });
 * ```
 */
export async function trainFold(j: FoldJob): Promise<FoldOutput> {
  const { source, cfg, fold: f, trainIdx, labels, epochs } = j;
  const counts = new Map<number, number>();
  for (const i of trainIdx) counts.set(labels[i] as number, (counts.get(labels[i] as number) ?? 0) + 1);
  const steps = epochs * trainIdx.length;
  const schedule: LrSchedule =
    j.schedule === 'cosine'
      ? { kind: 'cosine', totalSteps: steps }
      : j.schedule === 'step'
        ? { kind: 'step', stepSize: Math.max(1, Math.floor(steps / 3)), gamma: 0.1 }
        : { kind: 'constant' };
  const engineOptions = {
    seed: j.seed + f,
    ...(j.threads === undefined ? {} : { threads: j.threads }),
    optimizer: { lr: j.lr ?? 2e-4, weightDecay: j.weightDecay ?? 1e-5, kind: j.optimizer ?? 'adam' },
    schedule,
    ...(j.clipNorm === undefined ? {} : { clipNorm: j.clipNorm }),
  } as const;
  const dir = j.dir;
  if (dir) await mkdir(dir, { recursive: true });
  const ckPath = dir ? join(dir, 'checkpoint.bin') : undefined;
  const snapPath = dir ? join(dir, 'top-k.json') : undefined;
  let snapshots: Snapshot[] = [];
  let startEpoch = 0;
  let engine: MilEngine;
  if (j.resume && ckPath && (await stat(ckPath).catch(() => undefined))) {
    const ck = await loadCheckpoint(ckPath);
    if (JSON.stringify(ck.config) !== JSON.stringify(cfg)) {
      throw new WsiError('InvalidArgument', `${ckPath} was trained with another model configuration`);
    }
    engine = await MilEngine.fromCheckpoint(ck, engineOptions);
    startEpoch = Math.min(ck.epoch, epochs);
    if (snapPath && j.topK > 1) {
      const text = await readFile(snapPath, 'utf8').catch(() => '[]');
      snapshots = (JSON.parse(text) as Snapshot[]).filter((s) => s.epoch <= startEpoch);
    }
  } else engine = await MilEngine.create(cfg, engineOptions);
  const maxPatches = j.maxPatches ?? 15000;
  const buffer: SubsampleBuffer = { features: new Float32Array(0), rows: new Int32Array(0) };
  const exportBytes = (epoch: number) =>
    encodeModel(
      exportGraph(cfg, engine.params, j.task, {
        'wsi.fold': String(f),
        'wsi.seed': String(j.seed),
        'wsi.epoch': String(epoch),
      }),
    );
  const t0 = performance.now();
  let lastLoss = Number.NaN;
  try {
    for (let e = startEpoch; e < epochs; e++) {
      const rng = epochRng(j.seed, f, e);
      const order = epochOrder(trainIdx, labels, rng, j.balancedSampling ?? false);
      let sum = 0;
      for (const i of order) {
        throwIfAborted(j.signal);
        const bag = await source.load(i);
        const sub = subsampleBag(bag.features, bag.n, source.dim, maxPatches, rng, buffer);
        const label = labels[i] as number;
        const w = j.balance ? trainIdx.length / (counts.size * (counts.get(label) as number)) : 1;
        sum += (await engine.trainStep(sub.features, sub.n, label, w)).loss;
      }
      lastLoss = sum / Math.max(1, order.length);
      j.log?.(`fold ${f} epoch ${e + 1}/${epochs} loss ${lastLoss.toFixed(4)}`);
      if (j.topK > 1) {
        const worst = snapshots.reduce((a, s) => Math.max(a, s.loss), -Infinity);
        if (snapshots.length < j.topK || lastLoss < worst) {
          const file = `top-e${e + 1}.onnx`;
          const bytes = exportBytes(e + 1);
          if (dir) await writeModelFile(join(dir, file), bytes);
          snapshots.push({ epoch: e + 1, loss: lastLoss, file, bytes });
          snapshots.sort((a, b) => a.loss - b.loss || b.epoch - a.epoch);
          for (const gone of snapshots.splice(j.topK))
            if (dir) await unlink(join(dir, gone.file)).catch(() => undefined);
          if (snapPath) {
            const tmp = `${snapPath}.tmp-${process.pid}`;
            await writeFile(tmp, JSON.stringify(snapshots.map(({ bytes: _b, ...s }) => s)));
            await rename(tmp, snapPath);
          }
        }
      }
      if (ckPath) await saveCheckpoint(ckPath, engine.checkpoint(e + 1, { task: j.task, fold: f }));
    }
    const trainSeconds = Math.round(performance.now() - t0) / 1000;
    const predictions: HeadOutput[] = [];
    for (const i of j.testIdx) {
      const bag = await source.load(i);
      predictions.push(decodeLogits((await engine.predict(bag.features, bag.n)).logits, cfg.head, cfg.classes));
    }
    const finalBytes = exportBytes(epochs);
    if (dir) await writeModelFile(join(dir, 'model.onnx'), finalBytes);
    const rel = (file: string) => (j.relDir ? `${j.relDir}/${file}` : file);
    if (j.topK <= 1) {
      return {
        predictions,
        finalBytes,
        members: [{ path: rel('model.onnx'), fold: f, epoch: epochs, kind: 'final', bytes: finalBytes }],
        trainSeconds,
        finalLoss: lastLoss,
      };
    }
    for (const s of snapshots) s.bytes ??= await readFile(join(dir as string, s.file));
    const loaded = await Promise.all(
      snapshots.map((s) =>
        milModelFromBytes(s.bytes as Uint8Array, s.file, j.threads === undefined ? {} : { threads: j.threads }),
      ),
    );
    let ensemblePredictions: HeadOutput[];
    try {
      ensemblePredictions = (await predict({ models: loaded, source: subSource(source, j.testIdx) })).map(
        ({ pred, probs, value }) => ({ pred, probs, ...(value === undefined ? {} : { value }) }),
      );
    } finally {
      await Promise.all(loaded.map((m) => m.session.release()));
    }
    return {
      predictions,
      ensemblePredictions,
      finalBytes,
      members: snapshots.map((s) => ({
        path: rel(s.file),
        fold: f,
        epoch: s.epoch,
        kind: 'top' as const,
        train_loss: s.loss,
        bytes: s.bytes as Uint8Array,
      })),
      trainSeconds,
      finalLoss: lastLoss,
    };
  } finally {
    await engine.release();
  }
}
