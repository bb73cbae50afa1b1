/**
 * The per-slide stage sidecar `DIR/.wsi-state/<name>.json`: which stages are finished, with which key, and what
 * they wrote. It is written atomically after a stage's outputs, and the entries of a stage and of every later
 * stage are dropped before that stage is redone, so a sidecar entry always describes whole outputs.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { toWsiError } from '@wsi/core';
import { RUN_STAGES, type RunStage } from './params.js';

/**
 * One finished stage in the sidecar.
 *
 * @example
 * ```ts
 * const r: StageRecord = { key: 'ab12…', count: 512, outputs: ['patches/a.h5'] };
 * ```
 */
export interface StageRecord {
  key: string;
  count: number;
  /** Output files, relative to the output folder. */
  outputs: string[];
}

/**
 * The sidecar of one slide (`DIR/.wsi-state/<name>.json`).
 *
 * @example
 * ```ts
 * const s: SlideState = JSON.parse(await readFile('out/.wsi-state/a.json', 'utf8'));
 * ```
 */
export interface SlideState {
  version: 1;
  slide: string;
  fingerprint: string;
  stages: Partial<Record<RunStage, StageRecord>>;
}

/**
 * Folder of the sidecars under an output folder.
 *
 * @example
 * ```ts
 * join('out', STATE_DIR, 'a.json'); // 'out/.wsi-state/a.json'
 * ```
 */
export const STATE_DIR = '.wsi-state';

/**
 * Writes a file atomically: a temporary name in the same folder, then a rename.
 *
 * @example
 * ```ts
 * await writeFileAtomic('out/run.json', JSON.stringify(run));
 * ```
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = join(dirname(path), `.${basename(path)}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
  try {
    await writeFile(tmp, data);
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw toWsiError(err, `cannot write ${path}`);
  }
}

/**
 * The stage sidecar of a slide, read and updated atomically.
 *
 * @example
 * ```ts
 * const st = await StageState.load('out', 'slide-1', fp, 'slides/slide-1.svs');
 * if (!st.isDone('embed', key)) { await st.invalidate('embed'); … await st.finish('embed', key, n, [path]); }
 * ```
 */
export class StageState {
  private constructor(
    readonly outDir: string,
    readonly path: string,
    private state: SlideState,
  ) {}

  /** Reads the sidecar (a missing, unreadable or other-slide sidecar counts as empty). */
  static async load(outDir: string, name: string, fingerprint: string, slide: string): Promise<StageState> {
    const path = join(outDir, STATE_DIR, `${name}.json`);
    let state: SlideState = { version: 1, slide, fingerprint, stages: {} };
    try {
      const parsed = JSON.parse(await readFile(path, 'utf8')) as SlideState;
      if (parsed.version === 1 && parsed.fingerprint === fingerprint && parsed.stages) state = { ...parsed, slide };
    } catch {
      // absent or damaged: every stage is redone
    }
    return new StageState(outDir, path, state);
  }

  /** The record of a stage when its key matches and all its outputs exist. */
  done(stage: RunStage, key: string): StageRecord | undefined {
    const r = this.state.stages[stage];
    if (!r || r.key !== key) return undefined;
    return r.outputs.every((o) => existsSync(resolve(this.outDir, o))) ? r : undefined;
  }

  /** Drops the records of `stage` and every later stage (before the stage is redone). */
  async invalidate(stage: RunStage): Promise<void> {
    const from = RUN_STAGES.indexOf(stage);
    let changed = false;
    for (const s of RUN_STAGES.slice(from)) {
      if (this.state.stages[s]) {
        delete this.state.stages[s];
        changed = true;
      }
    }
    if (changed) await this.save();
  }

  /** Records a finished stage (after its outputs are in place). */
  async finish(stage: RunStage, key: string, count: number, outputs: string[]): Promise<void> {
    const rel = outputs.map((o) => relative(this.outDir, o));
    this.state.stages[stage] = { key, count, outputs: rel };
    await this.save();
  }

  private save(): Promise<void> {
    return writeFileAtomic(this.path, `${JSON.stringify(this.state, null, 2)}\n`);
  }
}
