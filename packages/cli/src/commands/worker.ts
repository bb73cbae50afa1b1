import type { Command } from 'commander';
import { type CommandContext, note } from '../output.js';
import { intOption } from '../parse.js';
import { queueUrlOption } from '../queue/connection.js';
import type { WorkerEvent } from '../queue/worker.js';

interface WorkerFlags {
  queue: string;
  name: string;
  concurrency: number;
  threads?: number;
  lockDuration: number;
  stalledInterval: number;
  grace: number;
  untilEmpty?: boolean;
}

function describe(e: WorkerEvent): string {
  switch (e.type) {
    case 'start':
      return `${e.name} started${e.attempt > 1 ? ` (attempt ${e.attempt})` : ''}`;
    case 'done':
      return `${e.name} ${e.result.status === 'skipped' ? 'already done' : 'done'} (${e.result.stages.patch.count} patches, ${e.seconds.toFixed(1)} s)`;
    case 'failed':
      return `${e.name} failed [${e.error.code}]: ${e.error.message}${e.retry ? ' (will retry)' : ''}`;
    case 'handed-back':
      return `${e.name} interrupted, handed back to the queue`;
    case 'cleaned':
      return `${e.name}: removed ${e.files} temporary files of an earlier attempt`;
    case 'error':
      return `queue connection: ${e.message} (retrying)`;
  }
}

/**
 * `wsi worker --queue URL [--concurrency K]`: runs the queue's slide jobs on this machine until SIGTERM/SIGINT
 * (finishes the current slides, or hands them back after `--grace`), or with `--until-empty` until the queue is
 * empty.
 *
 * @example
 * ```sh
 * wsi worker --queue redis://10.0.0.5:6379 --concurrency 2
 * ```
 */
export function registerWorker(program: Command, _ctx: CommandContext): void {
  program
    .command('worker')
    .description('process the slides of a wsi queue on this machine (BullMQ worker)')
    .requiredOption('--queue <url>', 'Redis holding the queue: redis://HOST:PORT[/DB]', queueUrlOption)
    .option('--name <name>', 'queue name', 'wsi')
    .option('--concurrency <k>', 'slides at once in this process', intOption('--concurrency', { min: 1 }), 1)
    .option('--threads <n>', 'inference threads (overrides the submitted value)', intOption('--threads', { min: 1 }))
    .option(
      '--lock-duration <ms>',
      "a slide's lock without heartbeat; a killed worker's slide is retried after it",
      intOption('--lock-duration', { min: 1000 }),
      60_000,
    )
    .option(
      '--stalled-interval <ms>',
      'how often to look for slides whose worker died',
      intOption('--stalled-interval', { min: 500 }),
      30_000,
    )
    .option(
      '--grace <s>',
      'on SIGTERM, seconds to finish the current slides before handing them back',
      intOption('--grace', { min: 0 }),
      30,
    )
    .option('--until-empty', 'exit once nothing is waiting or running in the queue')
    .action(async (o: WorkerFlags) => {
      const { startWorker } = await import('../queue/worker.js');
      const tag = `wsi worker[${process.pid}]`;
      const w = await startWorker({
        queue: o.queue,
        name: o.name,
        concurrency: o.concurrency,
        lockDurationMs: o.lockDuration,
        stalledIntervalMs: o.stalledInterval,
        ...(o.threads === undefined ? {} : { threads: o.threads }),
        onEvent: (e) => note(`${tag}: ${describe(e)}`),
      });
      note(`${tag}: waiting for slides on queue '${o.name}' (concurrency ${o.concurrency})`);
      let stopping = false;
      const onSignal = (sig: string) => {
        if (stopping) {
          note(`${tag}: ${sig} again: handing the current slides back now`);
          void w.close(0);
          return;
        }
        stopping = true;
        note(`${tag}: ${sig}: finishing the current slides (up to ${o.grace} s), then exiting`);
        void w.close(o.grace * 1000);
      };
      const onTerm = () => onSignal('SIGTERM');
      const onInt = () => onSignal('SIGINT');
      process.on('SIGTERM', onTerm);
      process.on('SIGINT', onInt);
      const stopped = new AbortController();
      const closed = new Promise<void>((r) =>
        w.worker.once('closed', () => {
          stopped.abort();
          r();
        }),
      );
      try {
        if (o.untilEmpty && (await w.whenEmpty(1000, stopped.signal))) {
          note(`${tag}: queue empty, exiting`);
          await w.close(o.grace * 1000);
        }
        await closed;
      } finally {
        process.off('SIGTERM', onTerm);
        process.off('SIGINT', onInt);
      }
      await w.close();
      note(`${tag}: stopped`);
    });
}
