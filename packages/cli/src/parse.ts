import { UsageError } from './exit-codes.js';

/**
 * Option parsers for commander that fail as usage errors (exit code 2) with the flag's name.
 *
 * @example
 * ```ts
 * cmd.option('--level <n>', 'pyramid level', intOption('--level', { min: 0 }));
 * ```
 */
export function intOption(flag: string, range: { min?: number; max?: number } = {}): (v: string) => number {
  return (v: string) => {
    const n = Number(v);
    if (
      !Number.isInteger(n) ||
      (range.min !== undefined && n < range.min) ||
      (range.max !== undefined && n > range.max)
    ) {
      const bounds = range.min !== undefined ? ` ≥ ${range.min}` : '';
      throw new UsageError(`${flag} must be an integer${bounds}, got '${v}'`);
    }
    return n;
  };
}

/**
 * A positive finite number option.
 *
 * @example
 * ```ts
 * cmd.option('--mpp <um>', 'microns per pixel', positiveNumberOption('--mpp'));
 * ```
 */
export function positiveNumberOption(flag: string): (v: string) => number {
  return (v: string) => {
    const n = Number(v);
    if (!(Number.isFinite(n) && n > 0)) throw new UsageError(`${flag} must be a positive number, got '${v}'`);
    return n;
  };
}
