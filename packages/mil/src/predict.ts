/**
 * `predict`: runs exported MIL models (one, or the fold models of a cross-validation run, averaged) on bags.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { WsiError } from '@wsi/core';
import { decodeModel } from '@wsi/onnx';
import type { InferenceSession } from 'onnxruntime-node';
import type { BagSource } from './data/bags.js';
import { createSession, f32, outF32 } from './engine/session.js';
import { readEnsemble } from './ensemble.js';
import { averageOutputs, decodeLogits, type HeadKind, type HeadOutput, headForTask } from './models/heads.js';

/**
 * A loaded model ready to run.
 *
 * @example
 * ```ts
 * const m: LoadedModel = await loadMilModel('runs/abmil/fold-0/model.onnx');
 * console.log(m.task, m.classes, m.dim);
 * ```
 */
export interface LoadedModel {
  path: string;
  session: InferenceSession;
  classes: number;
  dim: number;
  task: string;
  /** How logits are decoded (from `wsi.config`'s head, else from the task). */
  head: HeadKind;
}

/**
 * Resolves `--model`: a `.onnx` file, or a folder holding `ensemble.json` (its members), `model.onnx` or
 * `fold-<k>/model.onnx` files (an ensemble).
 *
 * @throws WsiError `NotFound` when no model is there.
 * @example
 * ```ts
 * await resolveModelPaths('runs/abmil'); // ['runs/abmil/fold-0/model.onnx', …]
 * ```
 */
export async function resolveModelPaths(model: string): Promise<string[]> {
  const st = await stat(model).catch(() => undefined);
  if (!st) throw new WsiError('NotFound', `model ${model} does not exist`);
  if (st.isFile()) return [model];
  const ensemble = await readEnsemble(model);
  if (ensemble) {
    for (const m of ensemble.members) {
      if (!(await stat(m.path).catch(() => undefined)))
        throw new WsiError('NotFound', `ensemble member ${m.path} is missing`);
    }
    return ensemble.members.map((m) => m.path);
  }
  const single = join(model, 'model.onnx');
  if (await stat(single).catch(() => undefined)) return [single];
  const folds = (await readdir(model))
    .filter((d) => /^fold-\d+$/.test(d))
    .sort((a, b) => Number(a.slice(5)) - Number(b.slice(5)))
    .map((d) => join(model, d, 'model.onnx'));
  const present: string[] = [];
  for (const p of folds) if (await stat(p).catch(() => undefined)) present.push(p);
  if (!present.length) throw new WsiError('NotFound', `${model} holds no model.onnx nor fold-<k>/model.onnx`);
  return present;
}

/**
 * Loads a MIL model exported by `train` (reads `wsi.classes` / `wsi.task` metadata and the feature dimension).
 *
 * @throws WsiError `CorruptFile` (not ONNX / not a MIL model), `NotFound`.
 * @example
 * ```ts
 * const m = await loadMilModel('runs/abmil/model.onnx', { threads: 2 });
 * ```
 */
export async function loadMilModel(path: string, options: { threads?: number } = {}): Promise<LoadedModel> {
  const bytes = await readFile(path).catch((cause: unknown) => {
    throw new WsiError('NotFound', `cannot read model ${path}`, { cause });
  });
  return milModelFromBytes(bytes, path, options);
}

/**
 * {@link loadMilModel} for model bytes already in memory (`path` names it in messages).
 *
 * @example
 * ```ts
 * const m = await milModelFromBytes(result.models[0], 'fold-0', { threads: 1 });
 * ```
 */
export async function milModelFromBytes(
  bytes: Uint8Array,
  path: string,
  options: { threads?: number } = {},
): Promise<LoadedModel> {
  const info = decodeModel(bytes);
  const input = info.inputs.find((i) => i.name === 'features');
  const names = info.outputs.map((o) => o.name);
  if (!input || !names.includes('logits') || !names.includes('attention')) {
    throw new WsiError(
      'CorruptFile',
      `${path}: not a MIL model (needs input 'features', outputs 'logits' and 'attention')`,
    );
  }
  const dim = input.dims[1];
  const classes = Number(info.metadata['wsi.classes'] ?? info.outputs.find((o) => o.name === 'logits')?.dims[1]);
  if (typeof dim !== 'number' || !(classes >= 2))
    throw new WsiError('CorruptFile', `${path}: cannot tell the feature dimension or class count`);
  const task = info.metadata['wsi.task'] ?? 'multiclass';
  let head = headForTask(task);
  try {
    const cfg = JSON.parse(info.metadata['wsi.config'] ?? '{}') as { head?: HeadKind };
    if (cfg.head) head = cfg.head;
  } catch {
    // Older or foreign models: the task decides.
  }
  const session = await createSession(bytes, options);
  return { path, session, classes, dim, task, head };
}

/**
 * One bag's prediction.
 *
 * @example
 * ```ts
 * const [first]: BagPrediction[] = await predict({ models: [m], source });
 * console.log(first?.id, first?.pred, first?.probs, first?.attention.length);
 * ```
 */
export interface BagPrediction extends HeadOutput {
  id: string;
  /** Each member's own output (ensemble members in order). */
  members: HeadOutput[];
  /** Attention per instance (mean over ensemble members), in the bag's slide order. */
  attention: Float32Array;
}

/**
 * Predicts every bag of `source` with one model or an ensemble (probabilities — regression: values — and attention
 * averaged).
 *
 * @throws WsiError `InvalidArgument` when the features' dimension differs from the model's.
 * @example
 * ```ts
 * const preds = await predict({ models: [await loadMilModel('m.onnx')], source });
 * ```
 */
export async function predict(o: {
  models: LoadedModel[];
  source: BagSource;
  onBag?: (p: BagPrediction, index: number) => Promise<void> | void;
}): Promise<BagPrediction[]> {
  const first = o.models[0];
  if (!first) throw new WsiError('InvalidArgument', 'no model given');
  for (const m of o.models) {
    if (m.dim !== o.source.dim)
      throw new WsiError('InvalidArgument', `${m.path} expects ${m.dim}-d features, the bags have ${o.source.dim}`);
    if (m.classes !== first.classes || m.head !== first.head)
      throw new WsiError('InvalidArgument', `ensemble members disagree on the class count or the task`);
  }
  const out: BagPrediction[] = [];
  for (let i = 0; i < o.source.bags.length; i++) {
    const bag = await o.source.load(i);
    const attention = new Float32Array(bag.n);
    const members: HeadOutput[] = [];
    for (const m of o.models) {
      const r = await m.session.run({ features: f32(bag.features, [bag.n, o.source.dim]) });
      members.push(decodeLogits(outF32(r, 'logits'), m.head, m.classes));
      const a = outF32(r, 'attention');
      for (let j = 0; j < bag.n; j++) attention[j] = (attention[j] as number) + (a[j] as number) / o.models.length;
    }
    const avg = averageOutputs(members, first.head, first.classes);
    const p: BagPrediction = { id: (o.source.bags[i] as { id: string }).id, ...avg, members, attention };
    if (o.onBag) await o.onBag(p, i);
    out.push(p);
  }
  return out;
}
