/**
 * Progress of `wsi run` for people: an overall bar and a stage bar (counts, rate, ETA) on a terminal, plain lines
 * on stderr otherwise (logs, CI).
 */
import cliProgress from 'cli-progress';
import type { CohortProgress } from './cohort.js';

/**
 * Receives a cohort's progress events and shows them; `stop` before printing anything else.
 *
 * @example
 * ```ts
 * const p = createProgressReporter({ tty: process.stderr.isTTY === true });
 * await runCohort({ …, onProgress: p.onProgress });
 * p.stop();
 * ```
 */
export interface ProgressReporter {
  onProgress(e: CohortProgress): void;
  stop(): void;
}

const fmt = (s: number): string =>
  !Number.isFinite(s)
    ? '?'
    : s < 90
      ? `${s.toFixed(0)}s`
      : s < 5400
        ? `${(s / 60).toFixed(1)}m`
        : `${(s / 3600).toFixed(1)}h`;

/**
 * A {@link ProgressReporter}: bars (cli-progress) when `tty`, else one line per stage start/end and per quarter of
 * an embedding, written to `stream` (default stderr).
 *
 * @example
 * ```ts
 * const p = createProgressReporter({ tty: false });
 * p.onProgress({ type: 'slide-start', index: 0, total: 2, name: 'a' }); // "wsi run: [1/2] a"
 * ```
 */
export function createProgressReporter(o: { tty: boolean; stream?: NodeJS.WritableStream }): ProgressReporter {
  const stream = o.stream ?? process.stderr;
  const t0 = performance.now();
  let stageStart = performance.now();
  let lastStage = '';
  let lastQuarter = -1;
  const rate = (done: number) => done / Math.max(1e-3, (performance.now() - stageStart) / 1000);
  const overallEta = (index: number, total: number) => ((performance.now() - t0) / 1000 / index) * (total - index);
  if (!o.tty) {
    const line = (s: string) => stream.write(`wsi run: ${s}\n`);
    return {
      onProgress(e) {
        const tag = `[${e.index + 1}/${e.total}]`;
        if (e.type === 'slide-start') line(`${tag} ${e.name}`);
        else if (e.type === 'slide-end') {
          const r = e.result;
          const eta = e.index + 1 < e.total ? `, run ETA ${fmt(overallEta(e.index + 1, e.total))}` : '';
          line(
            r.status === 'failed'
              ? `${tag} ${e.name} failed: [${r.error?.code}] ${r.error?.message}`
              : `${tag} ${e.name} ${r.status} (${r.stages.patch.count} patches${eta})`,
          );
        } else {
          const p = e.progress;
          const id = `${e.index}:${p.stage}`;
          if (id !== lastStage) {
            lastStage = id;
            stageStart = performance.now();
            lastQuarter = -1;
          }
          if (p.skipped) return void line(`${tag} ${p.slide} ${p.stage}: already done, kept`);
          const quarter = p.total > 0 ? Math.floor((4 * p.done) / p.total) : 4;
          if (quarter === lastQuarter) return;
          lastQuarter = quarter;
          const r = rate(p.done);
          const eta = p.done < p.total && p.done > 0 ? `, ETA ${fmt((p.total - p.done) / r)}` : '';
          const per = p.stage === 'embed' && p.done > 0 ? `, ${r.toFixed(1)} patches/s` : '';
          line(`${tag} ${p.slide} ${p.stage} ${p.done}/${p.total}${per}${eta}`);
        }
      },
      stop() {},
    };
  }
  const multi = new cliProgress.MultiBar(
    {
      stream,
      hideCursor: true,
      clearOnComplete: false,
      format: (opts, params, payload: { label: string; unit: string; rate: string }) => {
        const bar = cliProgress.Format.BarFormat(params.progress, opts);
        const eta = params.value >= params.total ? '0s' : params.value > 0 ? fmt(params.eta) : '?';
        return `${payload.label} [${bar}] ${params.value}/${params.total} ${payload.unit} | ${payload.rate} | ETA ${eta}`;
      },
      barsize: 30,
      etaBuffer: 20,
    },
    cliProgress.Presets.shades_classic,
  );
  let overall: cliProgress.SingleBar | undefined;
  let stage: cliProgress.SingleBar | undefined;
  return {
    onProgress(e) {
      overall ??= multi.create(e.total, 0, { label: 'slides'.padEnd(22), unit: 'slides', rate: '' });
      if (e.type === 'slide-start') return;
      if (e.type === 'slide-end') {
        overall.update(e.index + 1, { rate: `${((e.index + 1) / ((performance.now() - t0) / 1000)).toFixed(2)}/s` });
        if (e.result.status === 'failed')
          multi.log(`${e.name} failed: [${e.result.error?.code}] ${e.result.error?.message}\n`);
        return;
      }
      const p = e.progress;
      const id = `${e.index}:${p.stage}`;
      const label = `${p.slide.slice(0, 14)} ${p.stage}`.padEnd(22);
      if (id !== lastStage) {
        lastStage = id;
        stageStart = performance.now();
        if (stage) stage.start(Math.max(1, p.total), 0, { label, unit: p.stage === 'embed' ? 'patches' : 'steps' });
        else stage = multi.create(Math.max(1, p.total), 0, { label, unit: 'steps', rate: '' });
      }
      if (!stage) return;
      stage.setTotal(Math.max(1, p.total));
      stage.update(p.total === 0 ? 1 : p.done, {
        label,
        unit: p.stage === 'embed' ? 'patches' : 'steps',
        rate: p.skipped ? 'kept' : `${rate(p.done).toFixed(1)}/s`,
      });
    },
    stop() {
      multi.stop();
    },
  };
}
