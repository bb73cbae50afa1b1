/**
 * A pool of worker processes with a time limit and a memory bound per job: a hang is killed and reported as a
 * `timeout`, a dead worker as a `crash`, a worker whose RSS passes the hard cap as `memory`; the worker is then
 * replaced and the run goes on.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CaseFailure } from './outcome.js';
import type { Job, JobResult } from './tasks.js';

/**
 * Options of {@link WorkerPool}.
 * @example
 * ```ts
 * const pool = new WorkerPool({ size: 2, timeoutMs: 30_000, memoryMb: 512 } satisfies PoolOptions);
 * ```
 */
export interface PoolOptions {
  /** Worker processes (default 2). */
  size?: number;
  /** Time limit per job in ms (default 10 000). */
  timeoutMs?: number;
  /** Memory bound per job: growth of RSS or array buffers over the job's start, in MB (default 512). */
  memoryMb?: number;
  /** V8 heap limit of each worker in MB (default 1024). */
  heapMb?: number;
}

interface Slot {
  child: ChildProcess;
  ready: Promise<void>;
  stderr: string;
}

/** Where the compiled worker lives (tests run from src/, the worker always from dist/). */
function workerPath(): string {
  const here = fileURLToPath(import.meta.url);
  const dir = dirname(here);
  return here.endsWith('.ts') ? join(dir, '..', 'dist', 'worker.js') : join(dir, 'worker.js');
}

function rssMb(pid: number | undefined): number {
  if (pid === undefined) return 0;
  try {
    const pages = Number(readFileSync(`/proc/${pid}/statm`, 'utf8').split(' ')[1]);
    return (pages * 4096) / (1 << 20);
  } catch {
    return 0;
  }
}

/**
 * Worker processes that run {@link Job}s with limits.
 *
 * @example
 * ```ts
 * const pool = new WorkerPool({ size: 2, timeoutMs: 5000 });
 * const r = await pool.run({ type: 'http', caseSeed: 1 });
 * await pool.close();
 * ```
 */
export class WorkerPool {
  readonly size: number;
  readonly timeoutMs: number;
  readonly memoryMb: number;
  readonly heapMb: number;
  #idle: Slot[] = [];
  #waiting: ((s: Slot) => void)[] = [];
  #all = new Set<Slot>();
  #nextId = 1;

  constructor(options: PoolOptions = {}) {
    this.size = options.size ?? 2;
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.memoryMb = options.memoryMb ?? 512;
    this.heapMb = options.heapMb ?? 1024;
    for (let i = 0; i < this.size; i++) this.#idle.push(this.#spawn());
  }

  #spawn(): Slot {
    const child = fork(workerPath(), [], {
      execArgv: ['--expose-gc', `--max-old-space-size=${this.heapMb}`],
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      serialization: 'advanced',
    });
    const slot: Slot = {
      child,
      stderr: '',
      ready: new Promise((resolve) => {
        const on = (m: { ready?: boolean }) => {
          if (m?.ready) {
            child.off('message', on);
            resolve();
          }
        };
        child.on('message', on);
      }),
    };
    child.stderr?.on('data', (d: Buffer) => {
      slot.stderr = (slot.stderr + d.toString()).slice(-4000);
    });
    this.#all.add(slot);
    return slot;
  }

  async #acquire(): Promise<Slot> {
    const s = this.#idle.pop();
    if (s) return s;
    return new Promise((resolve) => this.#waiting.push(resolve));
  }

  #release(s: Slot): void {
    const w = this.#waiting.shift();
    if (w) w(s);
    else this.#idle.push(s);
  }

  #replace(s: Slot): Slot {
    this.#all.delete(s);
    s.child.kill('SIGKILL');
    return this.#spawn();
  }

  /**
   * Runs one job on a free worker. Never rejects: limits and crashes come back as failures.
   *
   * @example
   * ```ts
   * const { failures } = await pool.run(job);
   * ```
   */
  async run(job: Job): Promise<JobResult> {
    let slot = await this.#acquire();
    await slot.ready;
    const id = this.#nextId++;
    const t0 = performance.now();
    const hardCapMb = rssMb(slot.child.pid) + this.memoryMb + 256;
    const result = await new Promise<JobResult | CaseFailure>((resolve) => {
      const child = slot.child;
      let peak = 0;
      const done = (r: JobResult | CaseFailure) => {
        clearTimeout(timer);
        clearInterval(poll);
        child.off('message', onMessage);
        child.off('exit', onExit);
        resolve(r);
      };
      const onMessage = (m: { id?: number; result?: JobResult }) => {
        if (m.id === id && m.result) done(m.result);
      };
      const onExit = (code: number | null, signal: string | null) =>
        done({
          kind: 'crash',
          step: 'worker',
          name: 'WorkerExit',
          message: `worker died (code ${code}, signal ${signal}): ${slot.stderr.slice(-1500)}`,
        });
      const timer = setTimeout(
        () => done({ kind: 'timeout', step: 'job', name: 'Timeout', message: `no result within ${this.timeoutMs} ms` }),
        this.timeoutMs,
      );
      const poll = setInterval(() => {
        const now = rssMb(child.pid);
        peak = Math.max(peak, now);
        if (now > hardCapMb) {
          done({ kind: 'memory', step: 'job', name: 'MemoryBound', message: `worker RSS ${Math.round(now)} MB` });
        }
      }, 50);
      child.on('message', onMessage);
      child.on('exit', onExit);
      child.send({ id, job });
    });
    if ('kind' in result) {
      slot = this.#replace(slot);
      this.#release(slot);
      return { failures: [result], cases: 1, peakRssMb: 0, growthMb: 0, ms: Math.round(performance.now() - t0) };
    }
    if (result.growthMb > this.memoryMb) {
      result.failures.push({
        kind: 'memory',
        step: 'job',
        name: 'MemoryBound',
        message: `grew ${result.growthMb} MB (bound ${this.memoryMb} MB)`,
      });
      slot = this.#replace(slot);
    }
    this.#release(slot);
    return result;
  }

  /** Stops every worker. */
  async close(): Promise<void> {
    for (const s of this.#all) s.child.kill('SIGKILL');
    this.#all.clear();
    this.#idle = [];
  }
}
