/**
 * `ensemble.json`: the members of a trained ensemble (fold models, top-k checkpoints per fold), averaged by
 * `wsi predict --model DIR`.
 */
import { readFile, rename, writeFile } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import { WsiError } from '@wsi/core';

/**
 * One member model of an ensemble.
 *
 * @example
 * ```ts
 * const m: EnsembleMember = { path: 'fold-0/model.onnx', fold: 0, epoch: 20, kind: 'final' };
 * ```
 */
export interface EnsembleMember {
  /** Path of the `.onnx` file, relative to the folder holding `ensemble.json`. */
  path: string;
  fold: number;
  /** Epoch the weights come from. */
  epoch: number;
  /** `final`: the fold's last-epoch model; `top`: one of its top-k checkpoints. */
  kind: 'final' | 'top';
  /** Mean training loss of that epoch (how top-k checkpoints are ranked). */
  train_loss?: number;
}

/**
 * The content of `ensemble.json`.
 *
 * @example
 * ```ts
 * const e: EnsembleFile | undefined = await readEnsemble('runs/abmil');
 * e?.members.map((m) => m.path);
 * ```
 */
export interface EnsembleFile {
  version: 1;
  task: string;
  model: string;
  classes: number;
  /** How members are combined: the mean of probabilities (regression: of values). */
  combine: 'mean';
  members: EnsembleMember[];
}

/**
 * Writes `DIR/ensemble.json` atomically.
 *
 * @example
 * ```ts
 * await writeEnsemble('runs/a', { version: 1, task: 'binary', model: 'abmil', classes: 2, combine: 'mean', members });
 * ```
 */
export async function writeEnsemble(dir: string, e: EnsembleFile): Promise<void> {
  const path = join(dir, 'ensemble.json');
  const tmp = `${path}.tmp-${process.pid}`;
  await writeFile(tmp, `${JSON.stringify(e, null, 2)}\n`);
  await rename(tmp, path);
}

/**
 * Reads `DIR/ensemble.json`; undefined when absent. Member paths are returned resolved against `DIR`.
 *
 * @throws WsiError `CorruptFile` when the file is not a valid ensemble description.
 * @example
 * ```ts
 * const e = await readEnsemble('runs/a'); // e?.members[0].path → 'runs/a/fold-0/model.onnx'
 * ```
 */
export async function readEnsemble(dir: string): Promise<EnsembleFile | undefined> {
  const path = join(dir, 'ensemble.json');
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    return undefined;
  }
  let e: EnsembleFile;
  try {
    e = JSON.parse(text) as EnsembleFile;
  } catch (cause) {
    throw new WsiError('CorruptFile', `${path} is not JSON`, { cause });
  }
  if (!Array.isArray(e?.members) || !e.members.length || e.members.some((m) => typeof m?.path !== 'string'))
    throw new WsiError('CorruptFile', `${path}: needs a non-empty 'members' list with a 'path' each`);
  return { ...e, members: e.members.map((m) => ({ ...m, path: isAbsolute(m.path) ? m.path : join(dir, m.path) })) };
}
