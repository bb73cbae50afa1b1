/**
 * The functions behind `wsi train` and `wsi predict`: manifest + features folder in, files out.
 */
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { WsiError } from '@wsi/core';
import { manifestBags } from './data/manifest-bags.js';
import { evaluatePredictions, type MetricSet } from './evaluation.js';
import type { HeadKind, HeadOutput } from './models/heads.js';
import type { MilModelName } from './models/registry.js';
import { loadMilModel, predict, resolveModelPaths } from './predict.js';
import { type MilTask, type TrainOptions, type TrainResult, train } from './train.js';

/**
 * Options of {@link trainFromManifest} (the flags of `wsi train`).
 *
 * @example
 * ```ts
 * const o: TrainFromManifestOptions = { manifest: 'cohort.csv', features: 'feats', out: 'runs/a', task: 'binary', folds: 5 };
 * ```
 */
export interface TrainFromManifestOptions extends Omit<TrainOptions, 'source' | 'out'> {
  /** `--manifest CSV`. */
  manifest: string;
  /** `--features DIR` with `<name>.h5` files. */
  features: string;
  /** `--out DIR`: `model.onnx` (or `fold-<k>/model.onnx`), `checkpoint.bin`, `metrics.json`, `ensemble.json`. */
  out: string;
  /** `--model abmil|clam-sb|biopsy-transformer`. */
  model?: MilModelName;
  /** `--task binary|multiclass|ordinal|regression`. */
  task: MilTask;
  /** Keep bags in memory up to this many bytes (default 4 GiB); the rest is re-read from disk each epoch. */
  cacheBytes?: number;
}

/**
 * `wsi train`: validates the manifest and every features file, then trains (k-fold when `folds` ≥ 2) and writes
 * `DIR/model.onnx` or `DIR/fold-<k>/model.onnx`, `DIR/metrics.json` and out-of-fold predictions
 * `DIR/oof_predictions.csv` (`bag_id,fold,label,pred,prob_0..`; the training set itself when `folds` < 2).
 *
 * @throws WsiError `NotFound` (manifest/features missing), `InvalidArgument` (0-patch bags, labels out of range,
 *   differing feature dimensions) — all before training starts.
 * @example
 * ```ts
 * const r = await trainFromManifest({ manifest: 'cohort.csv', features: 'feats', out: 'runs/a', task: 'binary', folds: 5 });
 * console.log(r.mean.auc);
 * ```
 */
export async function trainFromManifest(o: TrainFromManifestOptions): Promise<TrainResult> {
  const source = await manifestBags({
    manifest: o.manifest,
    features: o.features,
    ...(o.cacheBytes === undefined ? {} : { cacheBytes: o.cacheBytes }),
  });
  const { manifest: _m, features: _f, cacheBytes: _c, ...rest } = o;
  const result = await train({ ...rest, source });
  const header = ['bag_id', 'fold', 'label', ...outputColumns(o.task, result.classes)];
  const lines = result.predictions.map((p) => {
    const b = source.bags[p.bag];
    return [csvField(b?.id ?? ''), p.fold, b?.label ?? '', ...outputCells(p)].join(',');
  });
  await writeTextAtomic(join(o.out, 'oof_predictions.csv'), `${header.join(',')}\n${lines.join('\n')}\n`);
  return result;
}

/** `pred,prob_0..prob_{C-1}`, or `pred,value` for regression. */
function outputColumns(task: string, classes: number): string[] {
  return task === 'regression'
    ? ['pred', 'value']
    : ['pred', ...Array.from({ length: classes }, (_, c) => `prob_${c}`)];
}

function outputCells(p: HeadOutput): (string | number)[] {
  return p.value !== undefined ? [p.pred, p.value.toPrecision(6)] : [p.pred, ...p.probs.map((x) => x.toPrecision(6))];
}

/**
 * Options of {@link predictFromManifest} (the flags of `wsi predict`).
 *
 * @example
 * ```ts
 * const o: PredictFromManifestOptions = { model: 'runs/a', manifest: 'test.csv', features: 'feats', out: 'preds.csv', attention: 'attn' };
 * ```
 */
export interface PredictFromManifestOptions {
  /** `--model DIR|FILE`: a model file, a training folder (`model.onnx`), or its `fold-<k>` models (averaged). */
  model: string;
  manifest: string;
  features: string;
  /** `--out FILE.csv`: `bag_id,pred,prob_0..prob_{C-1}` (regression: `bag_id,pred,value`). */
  out: string;
  /**
   * `--metrics FILE.json`: when the manifest has labels, the metrics of the ensemble and of each member model on
   * these bags.
   */
  metrics?: string;
  /** `--attention DIR`: one `<name>.scores.csv` (`x,y,score`) per slide; needs `coords` in every features file. */
  attention?: string;
  threads?: number;
}

function csvField(s: string): string {
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

async function writeTextAtomic(path: string, text: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.tmp-${process.pid}`;
  await writeFile(tmp, text);
  await rename(tmp, path);
}

/**
 * `wsi predict`: runs a trained model (or the mean of a run's fold models) over a manifest's bags.
 *
 * @throws WsiError `NotFound` (model, manifest or features missing), `InvalidArgument` (feature dimension differs
 *   from the model's; `--attention` without coords).
 * @example
 * ```ts
 * await predictFromManifest({ model: 'runs/a', manifest: 'test.csv', features: 'feats', out: 'preds.csv', attention: 'attn' });
 * ```
 */
export async function predictFromManifest(o: PredictFromManifestOptions): Promise<{
  bags: number;
  models: string[];
  /** With labels in the manifest: the ensemble's metrics and each member's. */
  metrics?: { ensemble: MetricSet; members: (MetricSet & { model: string })[] };
}> {
  const paths = await resolveModelPaths(o.model);
  const source = await manifestBags({ manifest: o.manifest, features: o.features, requireLabels: false });
  if (o.attention) {
    const noCoords = source.bags.flatMap((b) => b.slides.filter((s) => !s.hasCoords).map((s) => s.name));
    if (noCoords.length) {
      throw new WsiError(
        'InvalidArgument',
        `--attention needs coords, missing in: ${noCoords.slice(0, 5).join(', ')}`,
        { details: { slides: noCoords } },
      );
    }
    await mkdir(o.attention, { recursive: true });
  }
  const models = await Promise.all(
    paths.map((p) => loadMilModel(p, o.threads === undefined ? {} : { threads: o.threads })),
  );
  const { classes, head, task } = models[0] as { classes: number; head: HeadKind; task: string };
  const rows: string[] = [];
  const outputs: HeadOutput[] = [];
  const memberOutputs: HeadOutput[][] = models.map(() => []);
  try {
    await predict({
      models,
      source,
      onBag: async (p, i) => {
        const extra = source.bags[i]?.extra ?? {};
        outputs.push(p);
        p.members.forEach((m, k) => memberOutputs[k]?.push(m));
        rows.push(
          [csvField(p.id), ...outputCells(p), ...source.extraColumns.map((c) => csvField(extra[c] ?? ''))].join(','),
        );
        if (!o.attention) return;
        const bag = await source.load(i);
        let row = 0;
        for (const s of (source.bags[i] as { slides: { name: string; count: number }[] }).slides) {
          const lines = ['x,y,score'];
          for (let j = 0; j < s.count; j++, row++) {
            lines.push(
              `${bag.coords?.[row * 2]},${bag.coords?.[row * 2 + 1]},${(p.attention[row] as number).toPrecision(6)}`,
            );
          }
          await writeTextAtomic(join(o.attention, `${s.name}.scores.csv`), `${lines.join('\n')}\n`);
        }
      },
    });
  } finally {
    await Promise.all(models.map((m) => m.session.release()));
  }
  const header = ['bag_id', ...outputColumns(task, classes), ...source.extraColumns.map(csvField)];
  await writeTextAtomic(o.out, `${header.join(',')}\n${rows.join('\n')}\n`);
  const labels = source.bags.map((b) => b.label);
  if (!labels.every((l): l is number => l !== undefined && l < classes)) return { bags: rows.length, models: paths };
  const metrics = {
    ensemble: evaluatePredictions(outputs, labels, head, classes),
    members: memberOutputs.map((m, k) => ({
      model: paths[k] as string,
      ...evaluatePredictions(m, labels, head, classes),
    })),
  };
  if (o.metrics) {
    await writeTextAtomic(
      o.metrics,
      `${JSON.stringify({ task, classes, bags: rows.length, ...metrics }, (_, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 2)}\n`,
    );
  }
  return { bags: rows.length, models: paths, metrics };
}
