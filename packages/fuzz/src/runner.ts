/**
 * Runs fuzz targets on a {@link WorkerPool} and summarises each as one JSON line: cases, failures, hangs, max RSS,
 * plus the distinct failures with a recipe that reproduces each.
 */

import type { CaseFailure } from './outcome.js';
import type { WorkerPool } from './pool.js';
import { makeRecipe, type SlideRecipe } from './recipe.js';
import { hashSeed } from './rng.js';
import { SLIDE_TARGETS, seedPath } from './seeds.js';
import type { Job, JobResult } from './tasks.js';

/**
 * A distinct failure (same kind, step, error name and top stack frame) with the first job that showed it.
 *
 * @example
 * ```ts
 * for (const f of summary.distinct) console.log(f.signature, JSON.stringify(f.job));
 * ```
 */
export interface DistinctFailure {
  signature: string;
  count: number;
  failure: CaseFailure;
  job: Job;
}

/**
 * One target's summary (the JSON line).
 * @example
 * ```ts
 * const s: TargetSummary = await runTarget(pool, 'svs', { cases: 100, ms: 60_000 }, dirs);
 * ```
 */
export interface TargetSummary {
  target: string;
  cases: number;
  failures: number;
  hangs: number;
  maxRssMb: number;
  ms: number;
  distinct: DistinctFailure[];
  /** Slide targets: how each step ended, summed (`open:ok`, `open:CorruptFile`, `readRegion:ok`, …). */
  outcomes: Record<string, number>;
}

/**
 * Budget of one target run.
 * @example
 * ```ts
 * const budget: TargetBudget = { cases: 10_000, ms: Number.POSITIVE_INFINITY, seed: 1 };
 * ```
 */
export interface TargetBudget {
  /** Stop after this many cases. */
  cases: number;
  /** Or after this much wall time (ms), whichever comes first. */
  ms: number;
  /** Run seed (default 1): the same seed replays the same cases. */
  seed?: number;
}

function topFrame(stack: string | undefined): string {
  const lines = (stack ?? '').split('\n').slice(1);
  const own = lines.find((l) => /packages\/(?!fuzz)/.test(l)) ?? lines[0] ?? '';
  return own
    .replace(/^\s*at\s+/, '')
    .replace(/:\d+\)?$/, '')
    .replace(/^.*packages\//, '');
}

/**
 * The signature two failures share when they are the same bug.
 * @example
 * ```ts
 * signature({ kind: 'exception', step: 'open', name: 'TypeError', message: 'x' }); // 'exception|open|TypeError|'
 * ```
 */
export function signature(f: CaseFailure): string {
  return `${f.kind}|${f.step.replace(/\(.*\)/, '')}|${f.name}|${topFrame(f.stack)}`;
}

class Tally {
  cases = 0;
  failures = 0;
  hangs = 0;
  maxRssMb = 0;
  distinct = new Map<string, DistinctFailure>();
  outcomes: Record<string, number> = {};

  add(job: Job, r: JobResult): void {
    this.cases += r.cases;
    for (const [k, v] of Object.entries(r.outcomes ?? {})) this.outcomes[k] = (this.outcomes[k] ?? 0) + v;
    this.maxRssMb = Math.max(this.maxRssMb, r.peakRssMb);
    if (r.failures.length > 0) this.failures++;
    for (const f of r.failures) {
      if (f.kind === 'timeout') this.hangs++;
      const sig = signature(f);
      const d = this.distinct.get(sig);
      if (d) d.count++;
      else this.distinct.set(sig, { signature: sig, count: 1, failure: f, job });
    }
  }
}

/** Jobs of one target, generated lazily: slide recipes, property batches or HTTP cases. */
async function* jobsOf(target: string, seedDir: string, work: string, seed: number): AsyncGenerator<Job> {
  const specs = SLIDE_TARGETS[target];
  if (specs) {
    const available: { spec: (typeof specs)[number]; path: string }[] = [];
    for (const spec of specs) {
      const path = await seedPath(spec.id, seedDir);
      if (path) available.push({ spec, path });
    }
    if (available.length === 0) return;
    for (let i = 0; ; i++) {
      const caseSeed = hashSeed(target, seed, i);
      const { spec, path } = available[i % available.length] as (typeof available)[number];
      const recipe: SlideRecipe = await makeRecipe(target, spec, path, caseSeed);
      yield { type: 'slide', recipe, seedDir, work };
    }
  }
  if (target === 'server') {
    for (let i = 0; ; i++) yield { type: 'server', caseSeed: hashSeed(target, seed, i), seedDir, work };
  }
  if (target === 'http-source') {
    for (let i = 0; ; i++) yield { type: 'http', caseSeed: hashSeed(target, seed, i) };
  }
  // property targets: batches of 50 runs
  for (let i = 0; ; i++) yield { type: 'prop', target, numRuns: 50, seed: hashSeed(target, seed, i) };
}

/**
 * Runs one target within a budget, keeping the pool busy.
 *
 * @example
 * ```ts
 * const s = await runTarget(pool, 'svs', { cases: 200, ms: 30_000 }, { seedDir, work });
 * console.log(JSON.stringify({ target: s.target, cases: s.cases, failures: s.failures }));
 * ```
 */
export async function runTarget(
  pool: WorkerPool,
  target: string,
  budget: TargetBudget,
  dirs: { seedDir: string; work: string },
): Promise<TargetSummary> {
  const t0 = performance.now();
  const tally = new Tally();
  const jobs = jobsOf(target, dirs.seedDir, dirs.work, budget.seed ?? 1);
  const inflight = new Set<Promise<void>>();
  let dispatched = 0;
  while (tally.cases + dispatched < budget.cases && performance.now() - t0 < budget.ms) {
    const next = await jobs.next();
    if (next.done) break;
    const job = next.value;
    const est = job.type === 'prop' ? job.numRuns : 1;
    dispatched += est;
    const p: Promise<void> = pool.run(job).then((r) => {
      dispatched -= est;
      tally.add(job, r);
      inflight.delete(p);
    });
    inflight.add(p);
    if (inflight.size >= pool.size) await Promise.race(inflight);
  }
  await Promise.all(inflight);
  return {
    target,
    cases: tally.cases,
    failures: tally.failures,
    hangs: tally.hangs,
    maxRssMb: Math.round(tally.maxRssMb),
    ms: Math.round(performance.now() - t0),
    distinct: [...tally.distinct.values()],
    outcomes: tally.outcomes,
  };
}
