/**
 * Types shared by the per-slide stages.
 */
import type { RunParams, RunStage } from './params.js';
import type { RunResources } from './resources.js';
import type { StageState } from './state.js';

/**
 * Progress of one slide's stage: `done` of `total` units (patches for `embed`, else 1).
 *
 * @example
 * ```ts
 * const onProgress = (p: StageProgress) => console.error(`${p.slide} ${p.stage} ${p.done}/${p.total}`);
 * ```
 */
export interface StageProgress {
  slide: string;
  stage: RunStage;
  done: number;
  total: number;
  /** True when the stage was found finished and kept. */
  skipped?: boolean;
}

/**
 * Time and output count of one stage (`count`: tissue regions, patches, embedded patches, scored patches).
 *
 * @example
 * ```ts
 * const s: StageResult = { seconds: 1.2, count: 512 };
 * ```
 */
export interface StageResult {
  seconds: number;
  count: number;
}

/** What every stage gets. */
export interface StageContext {
  location: string;
  name: string;
  outDir: string;
  params: RunParams;
  /** The slide identity used in keys ({@link slideFingerprint}). */
  fingerprint: string;
  /** The file fingerprint recorded in h5 files (what `wsi embed` checks). */
  fileFingerprint: string;
  state: StageState;
  resources: RunResources;
  signal?: AbortSignal;
  progress(stage: RunStage, done: number, total: number, skipped?: boolean): void;
}

/** What a stage hands to the next one. */
export interface StageOutput extends StageResult {
  key: string;
  skipped: boolean;
  /** Main output file (coords, features). */
  path?: string;
}
