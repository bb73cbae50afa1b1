/**
 * Property targets: fast-check properties over the pure parsers, run by a worker in batches.
 */
import type { CaseFailure } from '../outcome.js';
import { type AnyProperty, checkProperty } from './common.js';

const TARGETS: Record<string, () => Promise<AnyProperty>> = {
  annotations: async () => (await import('./annotations.js')).annotationProperty(),
  manifest: async () => (await import('./tables.js')).manifestProperty(),
  'csv-roundtrip': async () => (await import('./tables.js')).csvRoundTripProperty(),
  presets: async () => (await import('./tables.js')).presetProperty(),
  h5: async () => (await import('./h5.js')).h5Property(),
  onnx: async () => (await import('./onnx.js')).onnxProperty(),
};

/**
 * Names of the property targets.
 * @example
 * ```ts
 * for (const t of PROPERTY_TARGETS) await runProperty(t, 100, 1);
 * ```
 */
export const PROPERTY_TARGETS: readonly string[] = Object.keys(TARGETS);

/**
 * Runs `numRuns` runs of a property target from `seed`.
 *
 * @example
 * ```ts
 * const { failures, cases } = await runProperty('annotations', 100, 1);
 * ```
 */
export async function runProperty(
  target: string,
  numRuns: number,
  seed: number,
): Promise<{ failures: CaseFailure[]; cases: number }> {
  const make = TARGETS[target];
  if (!make) throw new Error(`unknown property target ${target}`);
  return checkProperty(target, await make(), numRuns, seed);
}
