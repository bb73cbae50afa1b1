/**
 * The pipeline behind `wsi run` (and the queue workers): {@link runSlide}, {@link runCohort} and their types.
 */
export { removeStaleTempFiles } from './cleanup.js';
export * from './cohort.js';
export type { StageProgress, StageResult } from './context.js';
export { slideFingerprint } from './fingerprint.js';
export { normalizeRunParams, RUN_STAGES, type RunLayout, type RunParams, type RunStage, stageKey } from './params.js';
export { createProgressReporter, type ProgressReporter } from './progress.js';
export { createRunResources, type RunResources } from './resources.js';
export * from './run-json.js';
export { type RunSlideOptions, runSlide, type SlideRunResult } from './slide.js';
export { predictPaths } from './stage-predict.js';
export { type SlideState, STATE_DIR, type StageRecord } from './state.js';
