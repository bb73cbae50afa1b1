/**
 * The fuzz worker process: runs jobs sent by the pool one at a time, measuring memory, and reports uncaught
 * exceptions and unhandled rejections against the job that was running.
 */
import type { CaseFailure } from './outcome.js';
import { type Job, type JobResult, runJob } from './tasks.js';

const gc = (globalThis as { gc?: () => void }).gc;
let background: CaseFailure[] = [];

function onBackground(kind: string, err: unknown): void {
  const e = err instanceof Error ? err : new Error(String(err));
  background.push({ kind: 'uncaught', step: kind, name: e.name, message: e.message, stack: e.stack });
}
process.on('uncaughtException', (e) => onBackground('uncaughtException', e));
process.on('unhandledRejection', (e) => onBackground('unhandledRejection', e));

function mb(n: number): number {
  return Math.round((n / (1 << 20)) * 10) / 10;
}

process.on('message', async (msg: { id: number; job: Job }) => {
  gc?.();
  const start = process.memoryUsage();
  const base = start.rss;
  const baseBuffers = start.arrayBuffers;
  let peakRss = base;
  let peakGrowth = 0;
  const sample = () => {
    const m = process.memoryUsage();
    peakRss = Math.max(peakRss, m.rss);
    peakGrowth = Math.max(peakGrowth, m.rss - base, m.arrayBuffers - baseBuffers);
  };
  const timer = setInterval(sample, 5);
  const t0 = performance.now();
  background = [];
  let out: { failures: CaseFailure[]; cases: number; outcomes?: Record<string, number> };
  try {
    out = await runJob(msg.job);
  } catch (err) {
    const e = err instanceof Error ? err : new Error(String(err));
    out = {
      failures: [{ kind: 'exception', step: 'harness', name: e.name, message: e.message, stack: e.stack }],
      cases: 1,
    };
  }
  // let stray rejections of this job surface before reporting
  await new Promise((r) => setTimeout(r, 0));
  sample();
  clearInterval(timer);
  const result: JobResult = {
    failures: [...out.failures, ...background],
    cases: out.cases,
    ...(out.outcomes ? { outcomes: out.outcomes } : {}),
    peakRssMb: mb(peakRss),
    growthMb: mb(peakGrowth),
    ms: Math.round(performance.now() - t0),
  };
  process.send?.({ id: msg.id, result });
});

process.send?.({ ready: true });
