/**
 * Optimisers (Adam, AdamW) updating Float32Array parameters in place, gradient clipping and learning-rate schedules.
 */
import { WsiError } from '@wsi/core';

/**
 * Named parameter or gradient buffers.
 *
 * @example
 * ```ts
 * const grads: TensorMap = new Map([['cls_w', new Float32Array(512 * 2)]]);
 * ```
 */
export type TensorMap = Map<string, Float32Array>;

/**
 * Options of {@link Adam}.
 *
 * @example
 * ```ts
 * const adam = new Adam({ lr: 2e-4, weightDecay: 1e-5, kind: 'adamw' } satisfies AdamOptions);
 * ```
 */
export interface AdamOptions {
  lr: number;
  beta1?: number;
  beta2?: number;
  eps?: number;
  /** Weight decay: added to the gradient for `adam` (L2, as torch.optim.Adam), decoupled for `adamw`. */
  weightDecay?: number;
  /** `adam` (default) or `adamw`. */
  kind?: 'adam' | 'adamw';
}

/**
 * Adam / AdamW with PyTorch's update rule and bias correction, in place.
 *
 * @example
 * ```ts
 * const opt = new Adam(params, { lr: 2e-4, weightDecay: 1e-5 });
 * opt.step(grads); // or opt.step(grads, scheduledLr)
 * ```
 */
export class Adam {
  readonly m: TensorMap = new Map();
  readonly v: TensorMap = new Map();
  t = 0;
  readonly options: Required<AdamOptions>;

  constructor(
    readonly params: TensorMap,
    options: AdamOptions,
  ) {
    this.options = { beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, kind: 'adam', ...options };
    if (!(this.options.lr > 0))
      throw new WsiError('InvalidArgument', `learning rate must be > 0, got ${this.options.lr}`);
    for (const [k, p] of params) {
      this.m.set(k, new Float32Array(p.length));
      this.v.set(k, new Float32Array(p.length));
    }
  }

  /** One update with `grads` (same names and sizes as the parameters); `lr` overrides the base rate. */
  step(grads: TensorMap, lr = this.options.lr): void {
    const { beta1, beta2, eps, weightDecay, kind } = this.options;
    this.t++;
    const bc1 = 1 - beta1 ** this.t;
    const bc2 = 1 - beta2 ** this.t;
    const stepSize = lr / bc1;
    const sqrtBc2 = Math.sqrt(bc2);
    const l2 = kind === 'adam' ? weightDecay : 0;
    const decay = kind === 'adamw' ? 1 - lr * weightDecay : 1;
    for (const [k, p] of this.params) {
      const g = grads.get(k);
      if (!g || g.length !== p.length)
        throw new WsiError('InvalidArgument', `gradient of '${k}' missing or sized wrongly`);
      const m = this.m.get(k) as Float32Array;
      const v = this.v.get(k) as Float32Array;
      for (let i = 0; i < p.length; i++) {
        const pi = p[i] as number;
        const gi = (g[i] as number) + l2 * pi;
        const mi = beta1 * (m[i] as number) + (1 - beta1) * gi;
        const vi = beta2 * (v[i] as number) + (1 - beta2) * gi * gi;
        m[i] = mi;
        v[i] = vi;
        p[i] = pi * decay - (stepSize * mi) / (Math.sqrt(vi) / sqrtBc2 + eps);
      }
    }
  }
}

/**
 * Scales gradients in place so that their global L2 norm is at most `maxNorm`; returns the norm before clipping.
 *
 * @example
 * ```ts
 * const norm = clipGradNorm(grads, 1.0);
 * ```
 */
export function clipGradNorm(grads: TensorMap, maxNorm: number): number {
  let sq = 0;
  for (const g of grads.values()) for (let i = 0; i < g.length; i++) sq += (g[i] as number) ** 2;
  const norm = Math.sqrt(sq);
  if (norm > maxNorm && norm > 0) {
    const s = maxNorm / (norm + 1e-6);
    for (const g of grads.values()) for (let i = 0; i < g.length; i++) g[i] = (g[i] as number) * s;
  }
  return norm;
}

/**
 * A learning-rate schedule over optimiser steps.
 *
 * @example
 * ```ts
 * const schedule: LrSchedule = { kind: 'cosine', totalSteps: 2000, warmupSteps: 100 };
 * lrAt(schedule, 2e-4, 1000);
 * ```
 */
export type LrSchedule =
  | { kind: 'constant' }
  | { kind: 'cosine'; totalSteps: number; warmupSteps?: number; minLr?: number }
  | { kind: 'step'; stepSize: number; gamma: number };

/**
 * The learning rate at 0-based `step` for base rate `lr`.
 *
 * @example
 * ```ts
 * lrAt({ kind: 'cosine', totalSteps: 1000 }, 2e-4, 500); // 1e-4
 * lrAt({ kind: 'step', stepSize: 100, gamma: 0.1 }, 1e-3, 250); // 1e-5
 * ```
 */
export function lrAt(schedule: LrSchedule, lr: number, step: number): number {
  switch (schedule.kind) {
    case 'constant':
      return lr;
    case 'step':
      return lr * schedule.gamma ** Math.floor(step / schedule.stepSize);
    case 'cosine': {
      const warm = schedule.warmupSteps ?? 0;
      const min = schedule.minLr ?? 0;
      if (step < warm) return (lr * (step + 1)) / warm;
      const span = Math.max(1, schedule.totalSteps - warm);
      const p = Math.min(1, (step - warm) / span);
      return min + 0.5 * (lr - min) * (1 + Math.cos(Math.PI * p));
    }
  }
}
