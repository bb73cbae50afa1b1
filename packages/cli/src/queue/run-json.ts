/**
 * `DIR/run.json` for a queued cohort: the same document `wsi run` writes, built from the queue's finished jobs.
 */
import { type RunJson, runJson, type SlideRunResult, writeRunJson } from '../run/index.js';
import type { SlideJobData } from './job.js';
import { type QueueRef, withQueue } from './open.js';

const PAGE = 1000;

interface Entry {
  data: SlideJobData;
  result: SlideRunResult;
  timestamp: number;
  processedOn?: number;
  finishedOn?: number;
}

function failedResult(d: SlideJobData, reason: string): SlideRunResult {
  const m = /^\[(\w+)\] ([\s\S]*)$/.exec(reason);
  const zero = { seconds: 0, count: 0 };
  return {
    name: d.name,
    slide: d.slide,
    status: 'failed',
    error: m ? { code: m[1] as string, message: m[2] as string } : { code: 'Io', message: reason },
    stages: { segment: zero, patch: zero, embed: zero, predict: zero },
  };
}

/**
 * The `run.json` document of every output folder the queue's finished (completed or failed) slides wrote to, keyed
 * by that folder: the slides in submission order with their `runSlide` results (a failed slide with its last
 * error), the run parameters, `totals.seconds` from the first start to the last end.
 *
 * @throws WsiError `InvalidArgument` for a bad URL, `Io` when Redis cannot be reached.
 * @example
 * ```ts
 * const docs = await queueRunJson({ queue: 'redis://127.0.0.1:6379' });
 * for (const [dir, doc] of docs) console.log(dir, doc.totals);
 * ```
 */
export async function queueRunJson(ref: QueueRef): Promise<Map<string, RunJson>> {
  const groups = new Map<string, Entry[]>();
  await withQueue<void, SlideJobData>(ref, async (q) => {
    for (const state of ['completed', 'failed'] as const) {
      for (let start = 0; ; start += PAGE) {
        const jobs = await q.getJobs([state], start, start + PAGE - 1, true);
        for (const j of jobs) {
          const d = j.data as SlideJobData | undefined;
          if (!d?.outDir) continue;
          const result =
            state === 'completed' && j.returnvalue
              ? (j.returnvalue as SlideRunResult)
              : failedResult(d, j.failedReason ?? 'failed');
          const list = groups.get(d.outDir) ?? [];
          list.push({
            data: d,
            result,
            timestamp: j.timestamp,
            ...(j.processedOn === undefined ? {} : { processedOn: j.processedOn }),
            ...(j.finishedOn === undefined ? {} : { finishedOn: j.finishedOn }),
          });
          groups.set(d.outDir, list);
        }
        if (jobs.length < PAGE) break;
      }
    }
  });
  const docs = new Map<string, RunJson>();
  for (const [outDir, list] of groups) {
    list.sort((a, b) => a.timestamp - b.timestamp || (a.data.name < b.data.name ? -1 : 1));
    const starts = list.flatMap((e) => (e.processedOn === undefined ? [] : [e.processedOn]));
    const ends = list.flatMap((e) => (e.finishedOn === undefined ? [] : [e.finishedOn]));
    const seconds = starts.length && ends.length ? (Math.max(...ends) - Math.min(...starts)) / 1000 : 0;
    // a manifest's per-slide mpp is in each job's params; the run-level value only when all slides share it
    const { slideMpp, ...rest } = (list[0] as Entry).data.params;
    const params = list.every((e) => e.data.params.slideMpp === slideMpp)
      ? { ...rest, ...(slideMpp === undefined ? {} : { slideMpp }) }
      : rest;
    docs.set(
      outDir,
      runJson(
        params,
        list.map((e) => e.result),
        seconds,
      ),
    );
  }
  return docs;
}

/**
 * Writes {@link queueRunJson}'s documents to `<outDir>/run.json` (atomically) and returns their paths.
 *
 * @throws WsiError `Io` when Redis cannot be reached or a file cannot be written.
 * @example
 * ```ts
 * await writeQueueRunJson({ queue: 'redis://127.0.0.1:6379' }); // ['/shared/out/run.json']
 * ```
 */
export async function writeQueueRunJson(ref: QueueRef): Promise<string[]> {
  const paths: string[] = [];
  for (const [outDir, doc] of await queueRunJson(ref)) paths.push(await writeRunJson(outDir, doc));
  return paths;
}
