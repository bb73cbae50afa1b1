/**
 * The MIL training engine: one onnxruntime run per bag yields loss, logits and all gradients; the optimiser
 * updates the parameter buffers in place, which the next run reads directly (no graph rebuild, no copies).
 */
import { WsiError } from '@wsi/core';
import { encodeModel } from '@wsi/onnx';
import type { InferenceSession, Tensor } from 'onnxruntime-node';
import { initParams } from '../models/abmil.js';
import { clamInstanceTargets, INST_NAMES } from '../models/clam-sb.js';
import { headSize } from '../models/heads.js';
import { type MilConfig, modelParams } from '../models/registry.js';
import type { Checkpoint } from './checkpoint.js';
import { evalGraph, gradName, NAMES, trainingGraph } from './graphs.js';
import { Adam, type AdamOptions, clipGradNorm, type LrSchedule, lrAt, type TensorMap } from './optim.js';
import { Rng } from './rng.js';
import { createSession, f32, outF32 } from './session.js';

/**
 * Options of {@link MilEngine.create}.
 *
 * @example
 * ```ts
 * const engine = await MilEngine.create(config, { seed: 1, threads: 2, optimizer: { lr: 2e-4, weightDecay: 1e-5 }, clipNorm: 1 } satisfies EngineOptions);
 * ```
 */
export interface EngineOptions {
  /** Seed for initialisation and dropout masks (default 0). */
  seed?: number;
  /** Intra-op threads of onnxruntime. */
  threads?: number;
  /** Optimiser (default Adam, lr 2e-4, weight decay 1e-5, as CLAM). */
  optimizer?: AdamOptions;
  /** Learning-rate schedule over steps (default constant). */
  schedule?: LrSchedule;
  /** Clip the global gradient norm to this value (default: no clipping). */
  clipNorm?: number;
  /** Initial parameters (e.g. from a checkpoint) instead of a seeded initialisation. */
  params?: TensorMap;
}

/**
 * What one training step returns.
 *
 * @example
 * ```ts
 * const { loss, logits }: StepResult = await engine.trainStep(features, n, label);
 * ```
 */
export interface StepResult {
  loss: number;
  logits: Float32Array;
  gradNorm?: number;
}

/**
 * Trains and evaluates one MIL model on bags of instance features.
 *
 * @example
 * ```ts
 * const engine = await MilEngine.create(abmilConfig({ inDim: 1024, classes: 2 }), { seed: 1, threads: 2 });
 * const { loss } = await engine.trainStep(features, n, 1);
 * const { logits, attention } = await engine.predict(features, n);
 * await engine.release();
 * ```
 */
export class MilEngine {
  step = 0;
  private readonly paramTensors: Record<string, Tensor>;
  private readonly evalTensors: Record<string, Tensor>;
  private mask = new Float32Array(0);
  private readonly target: Float32Array;
  private readonly weight = new Float32Array(1);
  private readonly instTop: Float32Array;
  private readonly instBottom: Float32Array;

  private constructor(
    readonly config: MilConfig,
    readonly params: TensorMap,
    readonly optimizer: Adam,
    readonly rng: Rng,
    private readonly train: InferenceSession,
    private readonly evaluate: InferenceSession,
    private readonly options: EngineOptions,
  ) {
    this.paramTensors = {};
    this.evalTensors = {};
    for (const s of modelParams(config)) {
      const tensor = f32(params.get(s.name) as Float32Array, s.shape);
      this.paramTensors[s.name] = tensor;
      if (!s.name.startsWith('inst_')) this.evalTensors[s.name] = tensor;
    }
    this.target = new Float32Array(headSize(config.head, config.classes));
    this.instTop = new Float32Array(2 * config.classes);
    this.instBottom = new Float32Array(2 * config.classes);
  }

  /** Compiles the training and evaluation graphs and initialises (or adopts) the parameters. */
  static async create(config: MilConfig, options: EngineOptions = {}): Promise<MilEngine> {
    const rng = new Rng(options.seed ?? 0);
    const specs = modelParams(config);
    const params = initParams(specs, rng);
    if (options.params) {
      for (const s of specs) {
        const src = options.params.get(s.name);
        const dst = params.get(s.name) as Float32Array;
        if (!src || src.length !== dst.length)
          throw new WsiError('InvalidArgument', `parameter '${s.name}' missing or sized wrongly`);
        dst.set(src);
      }
    }
    const sessionOptions = options.threads === undefined ? {} : { threads: options.threads };
    const [train, evaluate] = await Promise.all([
      createSession(encodeModel(trainingGraph(config)), sessionOptions),
      createSession(encodeModel(evalGraph(config)), sessionOptions),
    ]);
    const optimizer = new Adam(params, options.optimizer ?? { lr: 2e-4, weightDecay: 1e-5 });
    return new MilEngine(config, params, optimizer, rng, train, evaluate, options);
  }

  private checkBag(features: Float32Array, n: number): void {
    if (!(Number.isInteger(n) && n >= 1))
      throw new WsiError('InvalidArgument', `a bag needs at least one instance, got ${n}`);
    if (features.length < n * this.config.inDim) {
      throw new WsiError('InvalidArgument', `features hold ${features.length} values, need ${n}×${this.config.inDim}`);
    }
  }

  /**
   * One optimiser step on one bag (`features` row-major n×D) with integer `label`; `weight` scales its loss
   * (class balancing).
   */
  async trainStep(features: Float32Array, n: number, label: number, weight = 1): Promise<StepResult> {
    const feeds = this.feeds(features, n, label, weight);
    const c = this.config;
    if (c.dropout > 0) {
      const count = n * c.hidden;
      if (this.mask.length < count) this.mask = new Float32Array(Math.ceil(count * 1.25));
      this.rng.dropoutMask(this.mask, count, c.dropout);
      feeds[NAMES.mask] = f32(this.mask, [n, c.hidden]);
    }
    const out = await this.train.run(feeds);
    const grads: TensorMap = new Map();
    for (const k of this.params.keys()) grads.set(k, outF32(out, gradName(k)));
    const clip = this.options.clipNorm;
    const gradNorm = clip === undefined ? undefined : clipGradNorm(grads, clip);
    const lr = lrAt(this.options.schedule ?? { kind: 'constant' }, this.optimizer.options.lr, this.step);
    this.optimizer.step(grads, lr);
    this.step++;
    const loss = outF32(out, NAMES.loss)[0] as number;
    if (!Number.isFinite(loss))
      throw new WsiError('InvalidArgument', `training diverged: loss ${loss} at step ${this.step}`);
    return { loss, logits: outF32(out, NAMES.logits).slice(), ...(gradNorm === undefined ? {} : { gradNorm }) };
  }

  /** Feeds of the training graph for one bag: targets per head, CLAM-SB instance targets. */
  private feeds(features: Float32Array, n: number, label: number, weight: number): Record<string, Tensor> {
    this.checkBag(features, n);
    const c = this.config;
    if (!(Number.isInteger(label) && label >= 0 && label < c.classes)) {
      throw new WsiError('InvalidArgument', `label ${label} outside 0..${c.classes - 1}`);
    }
    const bagScale = c.model === 'clam-sb' ? c.bagWeight : 1;
    this.target.fill(0);
    if (c.head === 'coral') for (let k = 0; k < this.target.length; k++) this.target[k] = label > k ? 1 : 0;
    else if (c.head === 'regression') this.target[0] = label;
    else this.target[label] = weight * bagScale;
    const feeds: Record<string, Tensor> = {
      ...this.paramTensors,
      [NAMES.features]: f32(features, [n, c.inDim]),
      [NAMES.target]: f32(this.target, [1, this.target.length]),
    };
    if (c.head === 'coral' || c.head === 'regression') {
      this.weight[0] = weight * bagScale;
      feeds[NAMES.weight] = f32(this.weight, [1, 1]);
    }
    if (c.model === 'clam-sb') {
      clamInstanceTargets(c, label, weight, this.instTop, this.instBottom);
      feeds[INST_NAMES.top] = f32(this.instTop, [c.classes, 2]);
      feeds[INST_NAMES.bottom] = f32(this.instBottom, [c.classes, 2]);
    }
    return feeds;
  }

  /** Loss and gradients without an update (for gradient checks); the dropout mask is all ones. */
  async gradients(features: Float32Array, n: number, label: number): Promise<{ loss: number; grads: TensorMap }> {
    const c = this.config;
    const feeds = this.feeds(features, n, label, 1);
    if (c.dropout > 0) feeds[NAMES.mask] = f32(new Float32Array(n * c.hidden).fill(1), [n, c.hidden]);
    const out = await this.train.run(feeds);
    const grads: TensorMap = new Map();
    for (const k of this.params.keys()) grads.set(k, outF32(out, gradName(k)).slice());
    return { loss: outF32(out, NAMES.loss)[0] as number, grads };
  }

  /** Evaluation-mode forward pass: `logits` [outputs] and softmax-normalised `attention` [n]. */
  async predict(features: Float32Array, n: number): Promise<{ logits: Float32Array; attention: Float32Array }> {
    this.checkBag(features, n);
    const out = await this.evaluate.run({
      ...this.evalTensors,
      [NAMES.features]: f32(features, [n, this.config.inDim]),
    });
    return { logits: outF32(out, NAMES.logits).slice(), attention: outF32(out, NAMES.attention).slice() };
  }

  /** A snapshot of parameters, optimiser state and RNG (copies), for {@link saveCheckpoint}. */
  checkpoint(epoch: number, meta: Record<string, unknown> = {}): Checkpoint {
    const copy = (m: TensorMap) => new Map([...m].map(([k, v]) => [k, v.slice()]));
    return {
      config: this.config,
      params: copy(this.params),
      adam: { m: copy(this.optimizer.m), v: copy(this.optimizer.v), t: this.optimizer.t },
      step: this.step,
      epoch,
      rngState: this.rng.state(),
      meta,
    };
  }

  /** Rebuilds an engine from a checkpoint so that training continues exactly where it stopped. */
  static async fromCheckpoint(ck: Checkpoint, options: EngineOptions = {}): Promise<MilEngine> {
    const engine = await MilEngine.create(ck.config, { ...options, params: ck.params });
    for (const [k, m] of ck.adam.m) engine.optimizer.m.get(k)?.set(m);
    for (const [k, v] of ck.adam.v) engine.optimizer.v.get(k)?.set(v);
    engine.optimizer.t = ck.adam.t;
    engine.step = ck.step;
    engine.rng.setState(ck.rngState);
    return engine;
  }

  /** Frees both sessions. */
  async release(): Promise<void> {
    await Promise.all([this.train.release(), this.evaluate.release()]);
  }
}
