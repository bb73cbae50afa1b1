/**
 * The biopsy transformer: Linear (D → H, ReLU, dropout) → a stack of post-norm Transformer encoder layers over all
 * patches of the bag (multi-head self-attention and a ReLU feed-forward, each with residual + LayerNorm, as
 * `torch.nn.TransformerEncoderLayer` with `norm_first=False`) → gated attention pooling → head. No positional
 * encoding: a bag is a set. Self-attention costs N² per head, so cap bags with `maxPatches` for large N.
 */
import { WsiError } from '@wsi/core';
import type { Sym, Tracer } from '../autodiff/tracer.js';
import {
  type AbmilConfig,
  abmilConfig,
  abmilParams,
  checkCommon,
  gatedAttentionHead,
  type ParamSpec,
} from './abmil.js';
import type { HeadKind } from './heads.js';

/**
 * Architecture of a biopsy transformer.
 *
 * @example
 * ```ts
 * const cfg: BiopsyTransformerConfig = biopsyTransformerConfig({ inDim: 1024, classes: 4, head: 'coral' });
 * ```
 */
export interface BiopsyTransformerConfig extends Omit<AbmilConfig, 'model'> {
  model: 'biopsy-transformer';
  /** Attention heads per layer (default 4; must divide `hidden`). */
  heads: number;
  /** Encoder layers (default 2). */
  layers: number;
  /** Feed-forward width (default 2 × hidden). */
  ffDim: number;
}

/**
 * Fills in defaults (hidden 256, attention 128, 4 heads, 2 layers) and validates.
 *
 * @example
 * ```ts
 * const cfg = biopsyTransformerConfig({ inDim: 1024, classes: 5, head: 'coral' });
 * ```
 */
export function biopsyTransformerConfig(
  c: Partial<Omit<BiopsyTransformerConfig, 'model'>> & { inDim: number; classes: number },
): BiopsyTransformerConfig {
  const { heads, layers, ffDim, ...rest } = c;
  const base = abmilConfig({ hidden: 256, attnDim: 128, ...rest });
  const cfg: BiopsyTransformerConfig = {
    ...base,
    model: 'biopsy-transformer',
    heads: heads ?? 4,
    layers: layers ?? 2,
    ffDim: ffDim ?? 2 * base.hidden,
  };
  for (const k of ['heads', 'layers', 'ffDim'] as const) {
    if (!(Number.isInteger(cfg[k]) && cfg[k] >= 1))
      throw new WsiError('InvalidArgument', `biopsy transformer ${k} must be a positive integer, got ${cfg[k]}`);
  }
  if (cfg.hidden % cfg.heads !== 0)
    throw new WsiError('InvalidArgument', `hidden ${cfg.hidden} is not divisible by ${cfg.heads} heads`);
  checkCommon('biopsy transformer', cfg);
  return cfg;
}

/**
 * Parameters: ABMIL's (`fc_*`, `attn_*`, `cls_*`) plus, per layer `l` and head `h`, `tf<l>_{q,k,v}<h>_{w,b}`,
 * `tf<l>_o<h>_w`, `tf<l>_o_b`, `tf<l>_ln{1,2}_{g,b}`, `tf<l>_ff{1,2}_{w,b}` (a head's slice of the joint
 * projections of `nn.MultiheadAttention`).
 *
 * @example
 * ```ts
 * biopsyTransformerParams(cfg).length;
 * ```
 */
export function biopsyTransformerParams(c: BiopsyTransformerConfig): ParamSpec[] {
  const dk = c.hidden / c.heads;
  const out: ParamSpec[] = [];
  const base = abmilParams({ ...c, model: 'abmil' });
  out.push(...base.slice(0, 2));
  for (let l = 0; l < c.layers; l++) {
    for (let h = 0; h < c.heads; h++) {
      for (const m of ['q', 'k', 'v']) {
        out.push({ name: `tf${l}_${m}${h}_w`, shape: [c.hidden, dk] }, { name: `tf${l}_${m}${h}_b`, shape: [dk] });
      }
      out.push({ name: `tf${l}_o${h}_w`, shape: [dk, c.hidden] });
    }
    out.push(
      { name: `tf${l}_o_b`, shape: [c.hidden] },
      { name: `tf${l}_ln1_g`, shape: [c.hidden], init: 'ones' },
      { name: `tf${l}_ln1_b`, shape: [c.hidden] },
      { name: `tf${l}_ff1_w`, shape: [c.hidden, c.ffDim] },
      { name: `tf${l}_ff1_b`, shape: [c.ffDim] },
      { name: `tf${l}_ff2_w`, shape: [c.ffDim, c.hidden] },
      { name: `tf${l}_ff2_b`, shape: [c.hidden] },
      { name: `tf${l}_ln2_g`, shape: [c.hidden], init: 'ones' },
      { name: `tf${l}_ln2_b`, shape: [c.hidden] },
    );
  }
  out.push(...base.slice(2));
  return out;
}

/**
 * LayerNorm over the last axis of `x` [N, H] (ε = 1e-5, as torch).
 *
 * @example
 * ```ts
 * const y = layerNorm(t, x, gamma, beta);
 * ```
 */
export function layerNorm(t: Tracer, x: Sym, gamma: Sym, beta: Sym, eps = 1e-5): Sym {
  // ReduceSum × 1/H rather than ReduceMean: ReduceMean takes its axes as an input only from opset 18 (exports use 17).
  const inv = t.scalar(1 / (x.shape[1] as number));
  const xc = t.sub(x, t.mul(t.reduceSum(x, [1], true), inv));
  const variance = t.mul(t.reduceSum(t.mul(xc, xc), [1], true), inv);
  return t.add(t.mul(t.div(xc, t.sqrt(t.add(variance, t.scalar(eps)))), gamma), beta);
}

function encoderLayer(t: Tracer, x: Sym, P: (k: string) => Sym, c: BiopsyTransformerConfig, l: number): Sym {
  const dk = c.hidden / c.heads;
  const scale = t.scalar(1 / Math.sqrt(dk));
  let attn: Sym | undefined;
  for (let h = 0; h < c.heads; h++) {
    const q = t.gemm(x, P(`tf${l}_q${h}_w`), P(`tf${l}_q${h}_b`));
    const k = t.gemm(x, P(`tf${l}_k${h}_w`), P(`tf${l}_k${h}_b`));
    const v = t.gemm(x, P(`tf${l}_v${h}_w`), P(`tf${l}_v${h}_b`));
    const a = t.softmax(t.mul(t.gemm(q, k, undefined, { transB: true }), scale), 1); // [N, N]
    const o = t.gemm(t.matmul(a, v), P(`tf${l}_o${h}_w`)); // [N, H]
    attn = attn ? t.add(attn, o) : o;
  }
  const x1 = layerNorm(t, t.add(x, t.add(attn as Sym, P(`tf${l}_o_b`))), P(`tf${l}_ln1_g`), P(`tf${l}_ln1_b`));
  const ff = t.gemm(t.relu(t.gemm(x1, P(`tf${l}_ff1_w`), P(`tf${l}_ff1_b`))), P(`tf${l}_ff2_w`), P(`tf${l}_ff2_b`));
  return layerNorm(t, t.add(x1, ff), P(`tf${l}_ln2_g`), P(`tf${l}_ln2_b`));
}

/**
 * Records the forward pass; `mask` ([N, H] inverted dropout) follows the first layer.
 *
 * @example
 * ```ts
 * const { logits, attention } = biopsyTransformerForward(t, x, p, cfg);
 * ```
 */
export function biopsyTransformerForward(
  t: Tracer,
  x: Sym,
  p: Record<string, Sym>,
  c: BiopsyTransformerConfig,
  mask?: Sym,
  head?: HeadKind,
): { logits: Sym; attention: Sym; h: Sym } {
  const P = (k: string) => {
    const s = p[k];
    if (!s) throw new WsiError('InvalidArgument', `biopsy transformer parameter '${k}' missing`);
    return s;
  };
  let h = t.relu(t.gemm(x, P('fc_w'), P('fc_b')));
  if (mask) h = t.mul(h, mask);
  for (let l = 0; l < c.layers; l++) h = encoderLayer(t, h, P, c, l);
  const { attention, logits } = gatedAttentionHead(t, h, P, head);
  return { logits, attention, h };
}
