/**
 * ABMIL (Ilse et al. 2018) with gated attention, as CLAM-SB without its instance loss:
 * D → H (ReLU, dropout) → gated attention (A: tanh branch ⊙ sigmoid branch → 1) → softmax over instances →
 * bag embedding (attention-weighted mean of the H-d instances) → linear classifier over C classes.
 */
import { WsiError } from '@wsi/core';
import type { Sym, Tracer } from '../autodiff/tracer.js';
import type { TensorMap } from '../engine/optim.js';
import type { Rng } from '../engine/rng.js';
import { type HeadKind, headLayer, headWeightShape } from './heads.js';

/**
 * Architecture of an ABMIL model.
 *
 * @example
 * ```ts
 * const cfg: AbmilConfig = abmilConfig({ inDim: 1024, classes: 2 }); // hidden 512, attnDim 256, dropout 0.25
 * ```
 */
export interface AbmilConfig {
  model: 'abmil';
  /** Feature dimension D. */
  inDim: number;
  /** Hidden size H (default 512). */
  hidden: number;
  /** Attention size (default 256). */
  attnDim: number;
  /** Number of classes C (2 for binary). */
  classes: number;
  /** Dropout after the first layer during training (default 0.25). */
  dropout: number;
  /** Output head (default softmax classification). */
  head?: HeadKind;
}

/**
 * A parameter's name and shape (weights are stored [in, out]); `init: 'ones'` for LayerNorm scales.
 *
 * @example
 * ```ts
 * const specs: ParamSpec[] = abmilParams(cfg); // [{ name: 'fc_w', shape: [1024, 512] }, …]
 * ```
 */
export interface ParamSpec {
  name: string;
  shape: number[];
  init?: 'ones';
}

/**
 * Fills in defaults and validates an ABMIL configuration.
 *
 * @example
 * ```ts
 * const cfg = abmilConfig({ inDim: 1024, classes: 2 });
 * ```
 */
export function abmilConfig(c: Partial<AbmilConfig> & { inDim: number; classes: number }): AbmilConfig {
  const cfg: AbmilConfig = { model: 'abmil', hidden: 512, attnDim: 256, dropout: 0.25, ...c };
  for (const k of ['inDim', 'hidden', 'attnDim', 'classes'] as const) {
    if (!(Number.isInteger(cfg[k]) && cfg[k] >= 1))
      throw new WsiError('InvalidArgument', `ABMIL ${k} must be a positive integer, got ${cfg[k]}`);
  }
  checkCommon('ABMIL', cfg);
  return cfg;
}

/**
 * Validation shared by every model configuration (class count, dropout, head).
 *
 * @throws WsiError `InvalidArgument`.
 * @example
 * ```ts
 * checkCommon('CLAM-SB', cfg);
 * ```
 */
export function checkCommon(
  name: string,
  cfg: { classes: number; dropout: number; head?: HeadKind | undefined },
): void {
  if (cfg.classes < 2) throw new WsiError('InvalidArgument', `${name} needs at least 2 classes, got ${cfg.classes}`);
  if (!(cfg.dropout >= 0 && cfg.dropout < 1))
    throw new WsiError('InvalidArgument', `dropout must be in [0, 1), got ${cfg.dropout}`);
  if (cfg.head !== undefined && !['softmax', 'coral', 'regression'].includes(cfg.head))
    throw new WsiError('InvalidArgument', `unknown head '${cfg.head}'`);
}

/**
 * The parameters of an ABMIL model, in a fixed order.
 *
 * @example
 * ```ts
 * abmilParams(cfg).map((p) => p.name); // ['fc_w', 'fc_b', 'attn_a_w', …]
 * ```
 */
export function abmilParams(c: AbmilConfig): ParamSpec[] {
  return [
    { name: 'fc_w', shape: [c.inDim, c.hidden] },
    { name: 'fc_b', shape: [c.hidden] },
    { name: 'attn_a_w', shape: [c.hidden, c.attnDim] },
    { name: 'attn_a_b', shape: [c.attnDim] },
    { name: 'attn_b_w', shape: [c.hidden, c.attnDim] },
    { name: 'attn_b_b', shape: [c.attnDim] },
    { name: 'attn_c_w', shape: [c.attnDim, 1] },
    { name: 'attn_c_b', shape: [1] },
    ...headParams(c),
  ];
}

/**
 * The classifier parameters `cls_w`, `cls_b` for a config's head (see {@link headWeightShape}).
 *
 * @example
 * ```ts
 * headParams({ hidden: 64, classes: 5, head: 'coral' }); // cls_w [64, 1], cls_b [4]
 * ```
 */
export function headParams(c: { hidden: number; classes: number; head?: HeadKind | undefined }): ParamSpec[] {
  const w = headWeightShape(c.head, c.hidden, c.classes);
  const b = c.head === 'coral' ? c.classes - 1 : (w[1] as number);
  return [
    { name: 'cls_w', shape: w },
    { name: 'cls_b', shape: [b] },
  ];
}

/**
 * Xavier-normal weights and zero biases (CLAM's `initialize_weights`), from a seeded generator.
 *
 * @example
 * ```ts
 * const params = initParams(abmilParams(cfg), new Rng(0));
 * ```
 */
export function initParams(specs: ParamSpec[], rng: Rng): TensorMap {
  const out: TensorMap = new Map();
  for (const s of specs) {
    const n = s.shape.reduce((a, b) => a * b, 1);
    const data = new Float32Array(n);
    if (s.init === 'ones') data.fill(1);
    else if (s.shape.length === 2) {
      const std = Math.sqrt(2 / ((s.shape[0] as number) + (s.shape[1] as number)));
      for (let i = 0; i < n; i++) data[i] = rng.normal() * std;
    }
    out.set(s.name, data);
  }
  return out;
}

/**
 * Outputs of {@link abmilForward}.
 *
 * @example
 * ```ts
 * const { logits, attention }: AbmilOutputs = abmilForward(t, cfg, x, params);
 * ```
 */
export interface AbmilOutputs {
  /** [1, C]. */
  logits: Sym;
  /** Softmax-normalised attention [1, N]. */
  attention: Sym;
}

/**
 * Records the ABMIL forward pass. `mask` (an [N, H] inverted-dropout mask) is applied after the ReLU when given.
 *
 * @example
 * ```ts
 * const { logits, attention } = abmilForward(t, x, params, mask);
 * ```
 */
export function abmilForward(
  t: Tracer,
  x: Sym,
  p: Record<string, Sym>,
  mask?: Sym,
  head?: HeadKind,
): AbmilOutputs & { h: Sym } {
  const P = paramGetter(p, 'ABMIL');
  let h = t.relu(t.gemm(x, P('fc_w'), P('fc_b')));
  if (mask) h = t.mul(h, mask);
  const { attention, logits } = gatedAttentionHead(t, h, P, head);
  return { logits, attention, h };
}

/**
 * A lookup of recorded parameters that fails with a typed error when one is missing.
 *
 * @example
 * ```ts
 * const P = paramGetter(p, 'CLAM-SB'); P('fc_w');
 * ```
 */
export function paramGetter(p: Record<string, Sym>, model: string): (k: string) => Sym {
  return (k) => {
    const s = p[k];
    if (!s) throw new WsiError('InvalidArgument', `${model} parameter '${k}' missing`);
    return s;
  };
}

/**
 * Gated attention pooling of instance embeddings `h` [N, H] and the classifier head: parameters `attn_*`, `cls_*`.
 *
 * @example
 * ```ts
 * const { attention, logits } = gatedAttentionHead(t, h, P, 'softmax');
 * ```
 */
export function gatedAttentionHead(
  t: Tracer,
  h: Sym,
  P: (k: string) => Sym,
  head?: HeadKind,
): { attention: Sym; logits: Sym } {
  const a = t.tanh(t.gemm(h, P('attn_a_w'), P('attn_a_b')));
  const b = t.sigmoid(t.gemm(h, P('attn_b_w'), P('attn_b_b')));
  const s = t.gemm(t.mul(a, b), P('attn_c_w'), P('attn_c_b')); // [N, 1]
  const attention = t.softmax(t.transpose(s, [1, 0]), 1); // [1, N]
  const bag = t.matmul(attention, h); // [1, H]
  const logits = headLayer(t, bag, P('cls_w'), P('cls_b'), head); // [1, C] (coral: C−1; regression: 1)
  return { attention, logits };
}

/**
 * Cross-entropy of `[1, C]` logits against a `[1, C]` target row (one-hot, optionally class-weighted).
 *
 * @example
 * ```ts
 * const loss = crossEntropy(t, logits, t.input('target', [1, C]));
 * ```
 */
export function crossEntropy(t: Tracer, logits: Sym, target: Sym): Sym {
  return t.neg(t.reduceSum(t.mul(target, t.logSoftmax(logits, 1)), [0, 1], false));
}
