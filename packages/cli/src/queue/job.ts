/**
 * A queue job: one slide of a cohort, its deterministic id, and which failures are worth a retry.
 */
import { createHash } from 'node:crypto';
import { isAbsolute, resolve } from 'node:path';
import { WsiError } from '@wsi/core';
import { normalizeRunParams, type RunParams } from '../run/index.js';
import { canonical } from '../run/params.js';

/** Environment variable carrying `wsi worker --threads` to the processor children. */
export const THREADS_ENV = 'WSI_WORKER_THREADS';

/**
 * BullMQ job name of a slide job.
 *
 * @example
 * ```ts
 * await queue.add(SLIDE_JOB, data, { jobId });
 * ```
 */
export const SLIDE_JOB = 'slide';

/**
 * The payload of a slide job: exactly the arguments of `runSlide` (paths as the workers see them).
 *
 * @example
 * ```ts
 * const d: SlideJobData = { slide: '/data/a.svs', outDir: '/data/out', params: normalizeRunParams({}), name: 'a' };
 * ```
 */
export interface SlideJobData {
  /** Absolute slide path (on the shared file system) or http(s) URL. */
  slide: string;
  /** Absolute output folder (shared by all workers). */
  outDir: string;
  params: RunParams;
  /** The slide's output `<name>`. */
  name: string;
}

const isUrl = (s: string): boolean => /^[a-z][a-z0-9+.-]*:\/\//i.test(s);

/**
 * A path made absolute against the submitter's working folder (URLs are kept as they are), so that workers started
 * elsewhere find the same file on the shared file system.
 *
 * @example
 * ```ts
 * absoluteLocation('slides/a.svs'); // '/home/me/slides/a.svs'
 * absoluteLocation('https://host/a.svs'); // unchanged
 * ```
 */
export function absoluteLocation(location: string): string {
  return isUrl(location) || isAbsolute(location) ? location : resolve(location);
}

/**
 * The run parameters of a job with model paths made absolute (like {@link absoluteLocation}).
 *
 * @example
 * ```ts
 * jobParams({ model: 'models/uni.onnx' }).model; // '/home/me/models/uni.onnx'
 * ```
 */
export function jobParams(p: Partial<RunParams>): RunParams {
  const params = normalizeRunParams(p);
  return {
    ...params,
    ...(params.model === 'default' ? {} : { model: absoluteLocation(params.model) }),
    ...(params.milModel === undefined ? {} : { milModel: absoluteLocation(params.milModel) }),
  };
}

/**
 * The job id of a slide: SHA-256 over the output folder, the slide, its name and every parameter that changes the
 * outputs (not `batchSize`/`threads`). Submitting the same cohort again gives the same ids, and BullMQ ignores a job
 * whose id it already holds, so nothing is queued twice.
 *
 * @example
 * ```ts
 * slideJobId(data); // 'wsi-3f0c…' (68 characters)
 * ```
 */
export function slideJobId(d: SlideJobData): string {
  const { batchSize: _b, threads: _t, ...keyed } = d.params;
  const text = canonical({ outDir: d.outDir, slide: d.slide, name: d.name, params: keyed });
  return `wsi-${createHash('sha256').update(text).digest('hex')}`;
}

/**
 * `WsiError` codes that another attempt cannot fix: such a slide fails at once (BullMQ `UnrecoverableError`).
 *
 * @example
 * ```ts
 * PERMANENT_CODES.has('CorruptFile'); // true
 * ```
 */
export const PERMANENT_CODES: ReadonlySet<string> = new Set([
  'CorruptFile',
  'UnsupportedFormat',
  'NotFound',
  'InvalidArgument',
]);

/**
 * Checks a job payload read back from Redis (it may come from another version or be hand-made).
 *
 * @throws WsiError `InvalidArgument` when a field is missing or of the wrong type.
 * @example
 * ```ts
 * const data = checkJobData(job.data);
 * ```
 */
export function checkJobData(x: unknown): SlideJobData {
  const d = x as Partial<SlideJobData> | null;
  if (!d || typeof d !== 'object') throw new WsiError('InvalidArgument', 'queue job has no payload');
  for (const k of ['slide', 'outDir', 'name'] as const) {
    if (typeof d[k] !== 'string' || d[k] === '')
      throw new WsiError('InvalidArgument', `queue job payload lacks '${k}'`);
  }
  if (!d.params || typeof d.params !== 'object') throw new WsiError('InvalidArgument', "queue job lacks 'params'");
  return { slide: d.slide as string, outDir: d.outDir as string, name: d.name as string, params: d.params };
}
