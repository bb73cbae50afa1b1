/**
 * What a run loads once and shares across slides: the encoder and the MIL models.
 */
import type { Encoder } from '@wsi/embed';
import type { LoadedModel } from '@wsi/mil';
import type { RunParams } from './params.js';

/**
 * Lazily loaded models of a run; create one per process (a cohort, a queue worker) and close it at the end.
 *
 * @example
 * ```ts
 * const res = createRunResources(params);
 * try { for (const s of slides) await runSlide({ slide: s, outDir, params, resources: res }); }
 * finally { await res.close(); }
 * ```
 */
export interface RunResources {
  /** The encoder of `params.model` / `params.preset`, loaded on first use. */
  encoder(): Promise<Encoder>;
  /** The MIL model(s) of `params.milModel` (a fold ensemble is averaged), loaded on first use. */
  milModels(): Promise<LoadedModel[]>;
  /** Releases whatever was loaded. */
  close(): Promise<void>;
}

/**
 * Makes the {@link RunResources} of a run's parameters; nothing is loaded until asked for.
 *
 * @example
 * ```ts
 * const res = createRunResources(normalizeRunParams({ model: 'default' }));
 * const enc = await res.encoder();
 * await res.close();
 * ```
 */
export function createRunResources(params: RunParams): RunResources {
  let encoder: Promise<Encoder> | undefined;
  let models: Promise<LoadedModel[]> | undefined;
  return {
    encoder() {
      encoder ??= import('@wsi/embed').then((e) =>
        e.loadEncoder({
          model: params.model,
          ...(params.preset === undefined ? {} : { preset: params.preset }),
          ...(params.threads === undefined ? {} : { threads: params.threads }),
        }),
      );
      return encoder;
    },
    milModels() {
      const dir = params.milModel;
      if (dir === undefined) return Promise.resolve([]);
      models ??= import('@wsi/mil').then(async (m) => {
        const paths = await m.resolveModelPaths(dir);
        return Promise.all(
          paths.map((p) => m.loadMilModel(p, params.threads === undefined ? {} : { threads: params.threads })),
        );
      });
      return models;
    },
    async close() {
      const [e, m] = await Promise.allSettled([encoder, models]);
      if (e.status === 'fulfilled' && e.value) await e.value.close();
      if (m.status === 'fulfilled' && m.value) await Promise.all(m.value.map((x) => x.session.release()));
    },
  };
}
