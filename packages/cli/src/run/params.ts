/**
 * The parameters of a pipeline run (`wsi run`) and the keys that decide whether a finished stage can be kept.
 */
import { createHash } from 'node:crypto';
import { WsiError } from '@wsi/core';

/**
 * The pipeline's stages, in order.
 *
 * @example
 * ```ts
 * for (const stage of RUN_STAGES) console.log(run.slides[0].stages[stage].count);
 * ```
 */
export const RUN_STAGES = ['segment', 'patch', 'embed', 'predict'] as const;

/**
 * One stage of {@link RUN_STAGES}.
 *
 * @example
 * ```ts
 * const s: RunStage = 'embed';
 * ```
 */
export type RunStage = (typeof RUN_STAGES)[number];

/**
 * Output layouts shared with `wsi patch` / `wsi embed` (docs/formats.md).
 *
 * @example
 * ```ts
 * const layout: RunLayout = 'clam';
 * ```
 */
export type RunLayout = 'wsi' | 'clam' | 'trident';

/**
 * Everything that decides a run's outputs (the flags of `wsi run`); recorded in `run.json` as `params`.
 *
 * @example
 * ```ts
 * const p: RunParams = normalizeRunParams({ patchSize: 256, magnification: 20, model: 'default' });
 * ```
 */
export interface RunParams {
  /** Patch side in pixels at the target resolution (default 256). */
  patchSize: number;
  /** Target magnification (default 20). */
  magnification: number;
  /** Level-0 µm per pixel for slides that lack it (a manifest's `mpp` column overrides it per slide). */
  slideMpp?: number;
  /** Output layout (default `wsi`). */
  layout: RunLayout;
  /** Segmentation preset (default `clam-default`) and overrides of its minimum tissue/hole areas and level. */
  segmentation: {
    preset: 'clam-default' | 'tcga' | 'bwh-biopsy' | 'otsu';
    aT?: number;
    aH?: number;
    segLevel?: number;
  };
  /** Encoder: a `.onnx` file or `default` (the built-in weight-free encoder). */
  model: string;
  /** Encoder preset id (Trident names) for an `.onnx` model. */
  preset?: string;
  /** A trained MIL model (`wsi train` folder or `model.onnx`): adds the predict stage (predictions + heatmaps). */
  milModel?: string;
  /** Patches per encoder batch (default 64; not part of any key). */
  batchSize?: number;
  /** Inference threads (default: all cores; not part of any key). */
  threads?: number;
}

const PRESETS = ['clam-default', 'tcga', 'bwh-biopsy', 'otsu'];

/**
 * Fills defaults and checks a partial {@link RunParams}.
 *
 * @throws WsiError `InvalidArgument` for a bad patch size, magnification, layout or preset.
 * @example
 * ```ts
 * normalizeRunParams({}); // { patchSize: 256, magnification: 20, layout: 'wsi', model: 'default', … }
 * ```
 */
export function normalizeRunParams(p: Partial<RunParams> = {}): RunParams {
  const patchSize = p.patchSize ?? 256;
  if (!(Number.isInteger(patchSize) && patchSize >= 1 && patchSize <= 16384))
    throw new WsiError('InvalidArgument', `patch size must be an integer in 1..16384, got ${patchSize}`);
  const magnification = p.magnification ?? 20;
  if (!(Number.isFinite(magnification) && magnification > 0))
    throw new WsiError('InvalidArgument', `magnification must be positive, got ${magnification}`);
  if (p.slideMpp !== undefined && !(Number.isFinite(p.slideMpp) && p.slideMpp > 0))
    throw new WsiError('InvalidArgument', `slide mpp must be positive, got ${p.slideMpp}`);
  const layout = p.layout ?? 'wsi';
  if (!['wsi', 'clam', 'trident'].includes(layout))
    throw new WsiError('InvalidArgument', `layout must be wsi, clam or trident, got '${layout}'`);
  const segmentation = { preset: 'clam-default' as const, ...(p.segmentation ?? {}) };
  if (!PRESETS.includes(segmentation.preset))
    throw new WsiError('InvalidArgument', `unknown segmentation preset '${segmentation.preset}'`);
  const model = p.model ?? 'default';
  return {
    patchSize,
    magnification,
    ...(p.slideMpp === undefined ? {} : { slideMpp: p.slideMpp }),
    layout,
    segmentation,
    model,
    ...(p.preset === undefined ? {} : { preset: p.preset }),
    ...(p.milModel === undefined ? {} : { milModel: p.milModel }),
    ...(p.batchSize === undefined ? {} : { batchSize: p.batchSize }),
    ...(p.threads === undefined ? {} : { threads: p.threads }),
  };
}

/**
 * JSON with object keys sorted and `undefined` members left out, so equal values give equal text (stage keys, job
 * ids).
 *
 * @example
 * ```ts
 * canonical({ b: 1, a: [2, { d: 3, c: undefined }] }); // '{"a":[2,{"d":3}],"b":1}'
 * ```
 */
export function canonical(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return v;
    return Object.fromEntries(
      Object.entries(v as Record<string, unknown>)
        .filter(([, x]) => x !== undefined)
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
    );
  });
}

/**
 * A stage key: SHA-256 over the previous stage's key (or the slide fingerprint) and this stage's parameters, so a
 * redone stage invalidates every stage after it.
 *
 * @example
 * ```ts
 * const seg = stageKey(fingerprint, { segmentation: gen.params });
 * const patch = stageKey(seg, gen.provenanceParams());
 * ```
 */
export function stageKey(previous: string, params: unknown): string {
  return createHash('sha256').update(previous).update('\n').update(canonical(params)).digest('hex');
}
