/**
 * The three graphs of a MIL model: training (loss + logits + every gradient, parameters and dropout mask fed as
 * inputs), evaluation (parameters as inputs) and export (parameters baked in as initializers).
 */
import { WSI_VERSION } from '@wsi/core';
import type { ModelSpec } from '@wsi/onnx';
import { addGradients } from '../autodiff/backward.js';
import { type Sym, Tracer } from '../autodiff/tracer.js';
import { clamInstanceLoss, INST_NAMES } from '../models/clam-sb.js';
import { headLoss, headSize } from '../models/heads.js';
import { type MilConfig, modelForward, modelParams } from '../models/registry.js';
import type { TensorMap } from './optim.js';

/**
 * Graph input/output names shared by the engine and exported models.
 *
 * @example
 * ```ts
 * session.run({ [NAMES.features]: x }); // then read NAMES.logits, NAMES.attention
 * ```
 */
export const NAMES = {
  features: 'features',
  mask: 'mask',
  target: 'target',
  weight: 'weight',
  loss: 'loss',
  logits: 'logits',
  attention: 'attention',
} as const;

/**
 * Gradient output name of a parameter.
 *
 * @example
 * ```ts
 * gradName('fc_w'); // 'grad_fc_w'
 * ```
 */
export const gradName = (param: string): string => `grad_${param}`;

/**
 * The training graph: inputs `features` [N, D], `mask` [N, H] (when dropout > 0), `target` [1, outputs],
 * `weight` [1, 1] (coral and regression heads), `inst_top`/`inst_bottom` [C, 2] (CLAM-SB) and every parameter;
 * outputs `loss`, `logits` and `grad_<param>`.
 *
 * @example
 * ```ts
 * const spec = trainingGraph(cfg); // encodeModel(spec) → createSession
 * ```
 */
export function trainingGraph(cfg: MilConfig): ModelSpec {
  const t = new Tracer('mil_train');
  const x = t.input(NAMES.features, ['N', cfg.inDim]);
  const params = modelParams(cfg);
  const p: Record<string, Sym> = {};
  for (const s of params) p[s.name] = t.input(s.name, s.shape);
  const mask = cfg.dropout > 0 ? t.input(NAMES.mask, ['N', cfg.hidden]) : undefined;
  const target = t.input(NAMES.target, [1, headSize(cfg.head, cfg.classes)]);
  const weight = cfg.head && cfg.head !== 'softmax' ? t.input(NAMES.weight, [1, 1]) : undefined;
  const { logits, attention, h } = modelForward(t, x, p, cfg, mask);
  let loss = headLoss(t, logits, target, weight, cfg.head);
  if (cfg.model === 'clam-sb') {
    const top = t.input(INST_NAMES.top, [cfg.classes, 2]);
    const bottom = t.input(INST_NAMES.bottom, [cfg.classes, 2]);
    loss = t.add(loss, clamInstanceLoss(t, cfg, attention, h, p, top, bottom));
  }
  t.output(loss, NAMES.loss);
  t.output(logits, NAMES.logits);
  const grads = addGradients(
    t,
    loss,
    params.map((s) => p[s.name] as Sym),
  );
  grads.forEach((g, i) => {
    t.output(g, gradName((params[i] as { name: string }).name));
  });
  return t.b.build();
}

function forwardGraph(cfg: MilConfig, name: string, weights?: TensorMap): { t: Tracer; logits: Sym; attention: Sym } {
  const t = new Tracer(name);
  const x = t.input(NAMES.features, ['N', cfg.inDim]);
  const p: Record<string, Sym> = {};
  for (const s of modelParams(cfg)) {
    if (s.name.startsWith('inst_')) continue; // CLAM-SB's instance classifiers only shape training
    const w = weights?.get(s.name);
    p[s.name] = w ? t.weight(s.name, w, s.shape) : t.input(s.name, s.shape);
  }
  const { logits, attention } = modelForward(t, x, p, cfg);
  return { t, logits, attention };
}

function finishForward(t: Tracer, logits: Sym, attention: Sym): void {
  t.output(logits, NAMES.logits);
  const flat = t.b.op('Reshape', [attention.name, t.ints([-1])], {}, NAMES.attention);
  t.b.output(flat, 'float', ['N']);
}

/**
 * The evaluation graph (no dropout, parameters as inputs except CLAM-SB's instance classifiers): outputs
 * `logits` [1, outputs] and `attention` [N].
 *
 * @example
 * ```ts
 * const session = await createSession(encodeModel(evalGraph(cfg)));
 * ```
 */
export function evalGraph(cfg: MilConfig): ModelSpec {
  const { t, logits, attention } = forwardGraph(cfg, 'mil_eval');
  finishForward(t, logits, attention);
  return t.b.build();
}

/**
 * The standard ONNX export: input `features` [N, D]; outputs `logits` [1, C] and `attention` [N]; the
 * configuration in `metadata_props` (`wsi.model`, `wsi.task`, `wsi.classes`, `wsi.config`).
 *
 * @example
 * ```ts
 * await writeModelFile('out/model.onnx', exportGraph(cfg, engine.params, 'binary'));
 * ```
 */
export function exportGraph(
  cfg: MilConfig,
  params: TensorMap,
  task: string,
  extra: Record<string, string> = {},
): ModelSpec {
  const { t, logits, attention } = forwardGraph(cfg, `wsi_${cfg.model}`, params);
  finishForward(t, logits, attention);
  return t.b.build({
    // Opset 17 (IR 8): every op of the forward graph has the same semantics there, and older tools (onnx ≥ 1.12) load it.
    opsets: [{ domain: '', version: 17 }],
    metadata: {
      'wsi.model': cfg.model,
      'wsi.task': task,
      'wsi.classes': String(cfg.classes),
      'wsi.config': JSON.stringify(cfg),
      'wsi.version': WSI_VERSION,
      ...extra,
    },
  });
}
