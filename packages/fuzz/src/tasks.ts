/**
 * What a worker can run: one job type per kind of target. Each job resolves to its failures (empty: a pass).
 */
import type { CaseFailure } from './outcome.js';
import type { SlideRecipe } from './recipe.js';

/**
 * A job sent to a worker process.
 * @example
 * ```ts
 * const job: Job = { type: 'http', caseSeed: 1 };
 * ```
 */
export type Job =
  | { type: 'slide'; recipe: SlideRecipe; seedDir: string; work: string }
  | { type: 'prop'; target: string; numRuns: number; seed: number }
  | { type: 'http'; caseSeed: number }
  | { type: 'server'; caseSeed: number; seedDir: string; work: string }
  /** Harness self-checks: a job that hangs, crashes, throws, rejects typed, leaks memory or rejects in the background. */
  | { type: 'selftest'; what: 'hang' | 'crash' | 'throw' | 'typed' | 'grow' | 'unhandled' };

/**
 * A job's result as the worker reports it.
 * @example
 * ```ts
 * const { failures, peakRssMb } = await pool.run(job);
 * ```
 */
export interface JobResult {
  failures: CaseFailure[];
  /** Cases the job ran (1 for a slide or HTTP case; the property runs for a property job). */
  cases: number;
  /** Slide cases: how each step ended (`open:ok`, `readRegion:CorruptFile`, …). */
  outcomes?: Record<string, number>;
  /** Peak resident set size of the worker during the job. */
  peakRssMb: number;
  /** Growth of RSS + array buffers over the job's starting point. */
  growthMb: number;
  ms: number;
}

/**
 * Runs a job in the current process (the worker calls this; tests may too).
 *
 * @example
 * ```ts
 * const failures = await runJob({ type: 'http', caseSeed: 1 });
 * ```
 */
export async function runJob(
  job: Job,
): Promise<{ failures: CaseFailure[]; cases: number; outcomes?: Record<string, number> }> {
  switch (job.type) {
    case 'slide': {
      const { runSlideRecipe } = await import('./slide-case.js');
      const outcomes: Record<string, number> = {};
      const failures = await runSlideRecipe(job.recipe, { seedDir: job.seedDir, work: job.work }, outcomes);
      return { failures, cases: 1, outcomes };
    }
    case 'prop': {
      const { runProperty } = await import('./props/index.js');
      return runProperty(job.target, job.numRuns, job.seed);
    }
    case 'selftest': {
      const { runSelfTest } = await import('./selftest.js');
      return { failures: await runSelfTest(job.what), cases: 1 };
    }
    case 'server': {
      const { runServerCase } = await import('./server-case.js');
      return { failures: await runServerCase(job.caseSeed, job.seedDir, job.work), cases: 1 };
    }
    case 'http': {
      const { runHttpCase } = await import('./http-case.js');
      return { failures: await runHttpCase(job.caseSeed), cases: 1 };
    }
  }
}
