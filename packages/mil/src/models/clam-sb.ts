/**
 * CLAM-SB (Lu et al. 2021): ABMIL's gated attention plus an instance-level clustering loss. During training the
 * k most and k least attended patches of a bag are picked in the graph (TopK → one-hot selection matrix → MatMul, so
 * gradients reach the selected embeddings) and per-class instance classifiers learn to tell them apart: for the
 * bag's class, top-k → positive and bottom-k → negative; for the other classes (subtyping) top-k → negative.
 */
import { WsiError } from '@wsi/core';
import { attr } from '@wsi/onnx';
import type { Sym, Tracer } from '../autodiff/tracer.js';
import { type AbmilConfig, abmilConfig, abmilParams, checkCommon, type ParamSpec } from './abmil.js';

/**
 * Architecture of a CLAM-SB model.
 *
 * @example
 * ```ts
 * const cfg: ClamSbConfig = clamSbConfig({ inDim: 1024, classes: 2 }); // kSample 8, bagWeight 0.7
 * ```
 */
export interface ClamSbConfig extends Omit<AbmilConfig, 'model'> {
  model: 'clam-sb';
  /** Patches sampled per side for the instance loss (default 8, as CLAM). */
  kSample: number;
  /** Weight of the bag loss; the instance loss gets 1 − bagWeight (default 0.7, as CLAM). */
  bagWeight: number;
  /** Out-of-class instance loss for the other classes (default: true for more than 2 classes). */
  subtyping: boolean;
}

/**
 * Fills in defaults and validates a CLAM-SB configuration.
 *
 * @example
 * ```ts
 * const cfg = clamSbConfig({ inDim: 1024, classes: 2 });
 * ```
 */
export function clamSbConfig(
  c: Partial<Omit<ClamSbConfig, 'model'>> & { inDim: number; classes: number },
): ClamSbConfig {
  const { kSample, bagWeight, subtyping, ...rest } = c;
  const base = abmilConfig(rest);
  const cfg: ClamSbConfig = {
    ...base,
    model: 'clam-sb',
    kSample: kSample ?? 8,
    bagWeight: bagWeight ?? 0.7,
    subtyping: subtyping ?? base.classes > 2,
  };
  if (!(Number.isInteger(cfg.kSample) && cfg.kSample >= 1))
    throw new WsiError('InvalidArgument', `CLAM-SB kSample must be a positive integer, got ${cfg.kSample}`);
  if (!(cfg.bagWeight > 0 && cfg.bagWeight <= 1))
    throw new WsiError('InvalidArgument', `CLAM-SB bagWeight must be in (0, 1], got ${cfg.bagWeight}`);
  checkCommon('CLAM-SB', cfg);
  return cfg;
}

/**
 * CLAM-SB parameters: ABMIL's plus the instance classifiers `inst_w` [H, 2C] and `inst_b` [2C] (two logits per
 * class).
 *
 * @example
 * ```ts
 * clamSbParams(cfg).at(-1); // { name: 'inst_b', shape: [2 * C] }
 * ```
 */
export function clamSbParams(c: ClamSbConfig): ParamSpec[] {
  return [
    ...abmilParams({ ...c, model: 'abmil' }),
    { name: 'inst_w', shape: [c.hidden, 2 * c.classes] },
    { name: 'inst_b', shape: [2 * c.classes] },
  ];
}

/**
 * Graph input names of the instance-loss targets ([C, 2] each; see {@link clamInstanceTargets}).
 *
 * @example
 * ```ts
 * feeds[INST_NAMES.top] = topTargets; // [C, 2] one-hot targets of the most attended patches
 * ```
 */
export const INST_NAMES = { top: 'inst_top', bottom: 'inst_bottom' } as const;

function selectRows(t: Tracer, attention: Sym, h: Sym, k: number, largest: boolean): Sym {
  const b = t.b;
  const n = b.op('Gather', [b.op('Shape', [h.name]), t.ints([0])], { axis: attr.int(0) }); // [1]
  const kk = b.op('Min', [n, t.ints([k])]);
  const [, idx] = b.node('TopK', [attention.name, kk], { axis: attr.int(1), largest: attr.int(largest ? 1 : 0) }, 2);
  const flat = b.op('Reshape', [idx as string, t.ints([-1])]);
  const depth = b.op('Reshape', [n, t.ints([])]);
  const values = b.constant(Float32Array.of(0, 1), [2], 'onehot');
  const sel = t.raw('OneHot', [flat, depth, values], ['K', h.shape[0] ?? 'N'], { axis: attr.int(-1) });
  return t.matmul(sel, h); // [K, H]
}

/**
 * Records the instance loss: mean over selected patches of `−Σ target ⊙ log_softmax(inst logits)`, for the top-k
 * and bottom-k attended patches against `inst_top` / `inst_bottom` targets ([C, 2], scaled by the engine).
 *
 * @example
 * ```ts
 * const inst = clamInstanceLoss(t, cfg, attention, h, p, top, bottom);
 * ```
 */
export function clamInstanceLoss(
  t: Tracer,
  c: ClamSbConfig,
  attention: Sym,
  h: Sym,
  p: Record<string, Sym>,
  top: Sym,
  bottom: Sym,
): Sym {
  const w = p.inst_w;
  const bias = p.inst_b;
  if (!w || !bias) throw new WsiError('InvalidArgument', `CLAM-SB instance classifier parameters missing`);
  const side = (largest: boolean, target: Sym) => {
    const logits = t.gemm(selectRows(t, attention, h, c.kSample, largest), w, bias); // [K, 2C]
    const ls = t.logSoftmax(t.reshape(logits, ['K', c.classes, 2]), 2);
    return t.reduceSum(t.mul(t.reduceMean(ls, [0], false), target), [0, 1], false);
  };
  return t.neg(t.add(side(true, top), side(false, bottom)));
}

/**
 * The `inst_top` / `inst_bottom` targets for a bag of class `label` with sample weight `weight`, following CLAM:
 * the bag's class classifier sees top-k as class 1 and bottom-k as class 0 (cross-entropy averaged over the 2k
 * patches); with subtyping every other classifier sees top-k as class 0, and the sum is divided by C.
 *
 * @example
 * ```ts
 * const { top, bottom } = clamInstanceTargets(cfg, 1, 1); // Float32Array(2C) each
 * ```
 */
export function clamInstanceTargets(
  c: ClamSbConfig,
  label: number,
  weight: number,
  top: Float32Array = new Float32Array(2 * c.classes),
  bottom: Float32Array = new Float32Array(2 * c.classes),
): { top: Float32Array; bottom: Float32Array } {
  top.fill(0);
  bottom.fill(0);
  const s = ((1 - c.bagWeight) * weight) / (c.subtyping ? c.classes : 1);
  for (let k = 0; k < c.classes; k++) {
    if (k === label) {
      top[2 * k + 1] = 0.5 * s;
      bottom[2 * k] = 0.5 * s;
    } else if (c.subtyping) top[2 * k] = s;
  }
  return { top, bottom };
}
