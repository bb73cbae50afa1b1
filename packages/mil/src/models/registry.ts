/**
 * Every model the engine trains, behind one interface: configuration, parameters and forward pass by name.
 */
import { WsiError } from '@wsi/core';
import type { Sym, Tracer } from '../autodiff/tracer.js';
import { type AbmilConfig, abmilConfig, abmilForward, abmilParams, type ParamSpec } from './abmil.js';
import {
  type BiopsyTransformerConfig,
  biopsyTransformerConfig,
  biopsyTransformerForward,
  biopsyTransformerParams,
} from './biopsy-transformer.js';
import { type ClamSbConfig, clamSbConfig, clamSbParams } from './clam-sb.js';
import type { HeadKind } from './heads.js';

/**
 * Any model configuration the engine trains.
 *
 * @example
 * ```ts
 * const cfg: MilConfig = modelConfig('clam-sb', { inDim: 1024, classes: 2 });
 * ```
 */
export type MilConfig = AbmilConfig | ClamSbConfig | BiopsyTransformerConfig;

/**
 * Model names accepted by `--model`.
 *
 * @example
 * ```ts
 * MIL_MODELS.includes('abmil'); // true
 * ```
 */
export const MIL_MODELS = ['abmil', 'clam-sb', 'biopsy-transformer'] as const;

/**
 * One of {@link MIL_MODELS}.
 *
 * @example
 * ```ts
 * const model: MilModelName = 'biopsy-transformer';
 * ```
 */
export type MilModelName = (typeof MIL_MODELS)[number];

/**
 * Options shared by every model's configuration.
 *
 * @example
 * ```ts
 * const o: ModelOptions = { inDim: 1024, classes: 2, hidden: 256, dropout: 0.1 };
 * const cfg = modelConfig('abmil', o);
 * ```
 */
export interface ModelOptions {
  inDim: number;
  classes: number;
  head?: HeadKind;
  hidden?: number;
  attnDim?: number;
  dropout?: number;
}

/**
 * Builds a validated configuration for a model by name.
 *
 * @throws WsiError `InvalidArgument` for an unknown model or bad sizes.
 * @example
 * ```ts
 * const cfg = modelConfig('clam-sb', { inDim: 1024, classes: 2 });
 * ```
 */
export function modelConfig(model: string, o: ModelOptions): MilConfig {
  const opts: Partial<AbmilConfig> & { inDim: number; classes: number } = { inDim: o.inDim, classes: o.classes };
  if (o.head !== undefined && o.head !== 'softmax') opts.head = o.head;
  if (o.hidden !== undefined) opts.hidden = o.hidden;
  if (o.attnDim !== undefined) opts.attnDim = o.attnDim;
  if (o.dropout !== undefined) opts.dropout = o.dropout;
  const { model: _m, ...rest } = opts;
  switch (model) {
    case 'abmil':
      return abmilConfig(rest);
    case 'clam-sb':
      return clamSbConfig(rest);
    case 'biopsy-transformer':
      return biopsyTransformerConfig(rest);
    default:
      throw new WsiError('InvalidArgument', `unknown model '${model}' (${MIL_MODELS.join(', ')})`);
  }
}

/**
 * The parameters of a model, in a fixed order.
 *
 * @example
 * ```ts
 * modelParams(cfg).map((p) => p.name);
 * ```
 */
export function modelParams(c: MilConfig): ParamSpec[] {
  switch (c.model) {
    case 'abmil':
      return abmilParams(c);
    case 'clam-sb':
      return clamSbParams(c);
    case 'biopsy-transformer':
      return biopsyTransformerParams(c);
  }
}

/**
 * Records a model's forward pass: `logits` [1, outputs], `attention` [1, N] and the instance embeddings `h` [N, H].
 *
 * @example
 * ```ts
 * const { logits, attention } = modelForward(t, x, p, cfg);
 * ```
 */
export function modelForward(
  t: Tracer,
  x: Sym,
  p: Record<string, Sym>,
  c: MilConfig,
  mask?: Sym,
): { logits: Sym; attention: Sym; h: Sym } {
  if (c.model === 'biopsy-transformer') return biopsyTransformerForward(t, x, p, c, mask, c.head);
  return abmilForward(t, x, p, mask, c.head);
}
