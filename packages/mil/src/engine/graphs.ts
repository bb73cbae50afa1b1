/**
 * The three graphs of a MIL model: training (loss + logits + every gradient, parameters and dropout mask fed as
 * inputs), evaluation (parameters as inputs) and export (parameters baked in as initializers).
 */
import { WSI_VERSION } from '@wsi/core';
import type { ModelSpec } from '@wsi/onnx';
import { addGradients } from '../autodiff/backward.js';
import { type Sym, Tracer } from '../autodiff/tracer.js';
import { type AbmilConfig, abmilForward, abmilParams, crossEntropy } from '../models/abmil.js';
import type { TensorMap } from './optim.js';

/** Any model config the engine trains (ABMIL for now). */
export type MilConfig = AbmilConfig;

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
 * The training graph: inputs `features` [N, D], `mask` [N, H] (when dropout > 0), `target` [1, C] and every
 * parameter; outputs `loss`, `logits` and `grad_<param>`.
 *
 * @example
 * ```ts
 * const spec = trainingGraph(cfg); // encodeModel(spec) → createSession
 * ```
 */
export function trainingGraph(cfg: MilConfig): ModelSpec {
  const t = new Tracer('mil_train');
  const x = t.input(NAMES.features, ['N', cfg.inDim]);
  const params = abmilParams(cfg);
  const p: Record<string, Sym> = {};
  for (const s of params) p[s.name] = t.input(s.name, s.shape);
  const mask = cfg.dropout > 0 ? t.input(NAMES.mask, ['N', cfg.hidden]) : undefined;
  const target = t.input(NAMES.target, [1, cfg.classes]);
  const { logits } = abmilForward(t, x, p, mask);
  const loss = crossEntropy(t, logits, target);
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
  for (const s of abmilParams(cfg)) {
    const w = weights?.get(s.name);
    p[s.name] = w ? t.weight(s.name, w, s.shape) : t.input(s.name, s.shape);
  }
  const { logits, attention } = abmilForward(t, x, p);
  return { t, logits, attention };
}

function finishForward(t: Tracer, logits: Sym, attention: Sym): void {
  t.output(logits, NAMES.logits);
  const flat = t.b.op('Reshape', [attention.name, t.ints([-1])], {}, NAMES.attention);
  t.b.output(flat, 'float', ['N']);
}

/**
 * The evaluation graph (no dropout, parameters as inputs): outputs `logits` [1, C] and `attention` [N].
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
