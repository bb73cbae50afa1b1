/**
 * Scale-out on BullMQ + Redis: `wsi queue submit|status|retry-failed|drain` and `wsi worker`, with the same
 * per-slide work (`runSlide`) and output layout as `wsi run`.
 */
export { drainQueue, retryFailed } from './admin.js';
export {
  connectionOptions,
  DEFAULT_QUEUE_NAME,
  displayUrl,
  parseQueueUrl,
  type QueueTarget,
  type RedisConnectionOptions,
  reconnectDelay,
} from './connection.js';
export { PERMANENT_CODES, SLIDE_JOB, type SlideJobData, slideJobId } from './job.js';
export { type QueueRef, withQueue } from './open.js';
export { queueRunJson, writeQueueRunJson } from './run-json.js';
export { type QueueStatus, type QueueStatusOptions, queueStatus, slidesPerHour } from './status.js';
export { type SubmitOptions, type SubmitResult, submitCohort } from './submit.js';
export { type QueueWorker, type QueueWorkerOptions, startWorker, type WorkerEvent } from './worker.js';
