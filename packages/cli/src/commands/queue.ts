import type { Command } from 'commander';
import { EXIT, UsageError } from '../exit-codes.js';
import { type CommandContext, note, printJson } from '../output.js';
import { intOption } from '../parse.js';
import { queueUrlOption } from '../queue/connection.js';
import { addRunOptions, type RunFlags, runParamsFromFlags } from './run-flags.js';

interface QueueFlags {
  queue: string;
  name: string;
  json?: boolean;
}

function queueOptions(cmd: Command): Command {
  return cmd
    .requiredOption('--queue <url>', 'Redis holding the queue: redis://HOST:PORT[/DB]', queueUrlOption)
    .option('--name <name>', 'queue name', 'wsi')
    .option('--json', 'print the result as JSON on stdout');
}

const hours = (s: number | null): string =>
  s === null ? '?' : s < 3600 ? `${Math.round(s / 60)} min` : `${(s / 3600).toFixed(1)} h`;

/**
 * `wsi queue submit|status|retry-failed|drain`: a cohort as BullMQ jobs on Redis, processed by `wsi worker`s on
 * any number of machines (docs/cluster.md).
 *
 * @example
 * ```sh
 * wsi queue submit --queue redis://10.0.0.5:6379 --manifest cohort.csv --out /shared/out --patch-size 256
 * wsi queue status --queue redis://10.0.0.5:6379 --json
 * ```
 */
export function registerQueue(program: Command, ctx: CommandContext): void {
  const queue = program.command('queue').description('a cohort on a Redis queue for wsi worker processes (BullMQ)');

  addRunOptions(
    queueOptions(queue.command('submit'))
      .description('one job per slide (same work and outputs as wsi run); re-submitting adds only new slides')
      .argument('[slides...]', 'slide paths (on a file system the workers share) or URLs')
      .option('--manifest <csv>', 'manifest CSV (slide, mpp, …) instead of slide arguments')
      .requiredOption('--out <dir>', 'output folder, on a file system the workers share')
      .option('--attempts <n>', 'attempts per slide for transient errors', intOption('--attempts', { min: 1 }), 3)
      .option('--backoff <ms>', 'first retry delay, doubled each retry', intOption('--backoff', { min: 0 }), 10_000),
  ).action(
    async (
      slides: string[],
      o: QueueFlags & RunFlags & { manifest?: string; out: string; attempts: number; backoff: number },
    ) => {
      if (!slides.length && !o.manifest) throw new UsageError('give slides or --manifest CSV');
      if (slides.length && o.manifest) throw new UsageError('give slides or --manifest CSV, not both');
      const params = runParamsFromFlags(o);
      const { submitCohort } = await import('../queue/submit.js');
      const r = await submitCohort({
        queue: o.queue,
        name: o.name,
        ...(o.manifest ? { manifest: o.manifest } : { slides }),
        outDir: o.out,
        params,
        attempts: o.attempts,
        backoffMs: o.backoff,
      });
      if (o.json || ctx.globals().json) return printJson(r);
      note(
        `wsi queue: ${r.slides} slides: ${r.added} queued, ${r.existing} already in queue '${r.name}' at ${r.queue}`,
      );
    },
  );

  queueOptions(queue.command('status'))
    .description('counts, throughput, ETA and the failed slides with their errors (exit 3 when some failed)')
    .option('--limit <n>', 'failed slides listed at most', intOption('--limit', { min: 1 }), 1000)
    .option('--run-json', "also write each output folder's run.json (as wsi run does) from the finished slides")
    .action(async (o: QueueFlags & { limit: number; runJson?: boolean }) => {
      const { queueStatus } = await import('../queue/status.js');
      const s = await queueStatus({ queue: o.queue, name: o.name, limit: o.limit });
      if (s.counts.failed > 0) ctx.setExit(EXIT.partial);
      if (o.runJson) {
        const { writeQueueRunJson } = await import('../queue/run-json.js');
        const paths = await writeQueueRunJson({ queue: o.queue, name: o.name });
        for (const p of paths) note(`wsi queue: wrote ${p}`);
      }
      if (o.json || ctx.globals().json) return printJson(s);
      const c = s.counts;
      const lines = [
        `queue '${s.name}' at ${s.queue}${s.paused ? ' (paused)' : ''}: ${s.workers} workers`,
        `  waiting ${c.waiting}, active ${c.active}, delayed ${c.delayed}, completed ${c.completed}, failed ${c.failed}`,
        `  throughput ${s.throughput.slidesPerHour ?? '?'} slides/h (last ${s.throughput.window.jobs}), ETA ${hours(s.eta.seconds)}`,
        ...s.failed.map((f) => `  failed ${f.slide}: ${f.error}`),
      ];
      process.stdout.write(`${lines.join('\n')}\n`);
    });

  queueOptions(queue.command('retry-failed'))
    .description('move every failed slide back to waiting, with fresh attempts')
    .action(async (o: QueueFlags) => {
      const { retryFailed } = await import('../queue/admin.js');
      const r = await retryFailed({ queue: o.queue, name: o.name });
      if (o.json || ctx.globals().json) return printJson(r);
      note(`wsi queue: ${r.retried} failed slides back to waiting`);
    });

  queueOptions(queue.command('drain'))
    .description('remove the slides not started yet; running ones finish (outputs on disk are kept)')
    .option('--all', 'also forget running, finished and failed jobs (obliterate the queue; stop the workers first)')
    .action(async (o: QueueFlags & { all?: boolean }) => {
      const { drainQueue } = await import('../queue/admin.js');
      const r = await drainQueue({ queue: o.queue, name: o.name, ...(o.all ? { all: true } : {}) });
      if (o.json || ctx.globals().json) return printJson(r);
      note(`wsi queue: removed ${r.removed} jobs`);
    });
}
