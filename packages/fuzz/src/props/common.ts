/**
 * Shared pieces of the property targets: "returns or throws a typed WsiError" as a property, and a runner that turns
 * a fast-check failure into a {@link CaseFailure} carrying the seed and path that replay it.
 */
import fc from 'fast-check';
import { type CaseFailure, classify } from '../outcome.js';

/**
 * A sync or async property of any arguments.
 * @example
 * ```ts
 * const p: AnyProperty = fc.property(fc.string(), (s) => void s);
 * ```
 */
// biome-ignore lint/suspicious/noExplicitAny: fast-check properties are generic over their argument tuple
export type AnyProperty = fc.IRawProperty<any>;

/**
 * Thrown inside a property when the code under test failed in an untyped way.
 * @example
 * ```ts
 * throw new UntypedFailure({ kind: 'exception', step: 'parse', name: 'TypeError', message: 'x' });
 * ```
 */
export class UntypedFailure extends Error {
  constructor(readonly failure: CaseFailure) {
    super(`${failure.kind}: ${failure.name}: ${failure.message}`);
    this.name = 'UntypedFailure';
    this.stack = failure.stack;
  }
}

/**
 * Runs `fn`; a result or a WsiError passes, anything else throws {@link UntypedFailure}.
 *
 * @example
 * ```ts
 * fc.assert(fc.property(fc.string(), (s) => typedOrOk('parseCsv', () => parseCsv(s))));
 * ```
 */
export function typedOrOk<T>(step: string, fn: () => T): T | undefined {
  try {
    return fn();
  } catch (err) {
    const f = classify(err, step);
    if (f) throw new UntypedFailure(f);
    return undefined;
  }
}

/**
 * The async form of {@link typedOrOk}.
 *
 * @example
 * ```ts
 * await typedOrOkAsync('readCoordsFile', () => readCoordsFile(path));
 * ```
 */
export async function typedOrOkAsync<T>(step: string, fn: () => Promise<T>): Promise<T | undefined> {
  try {
    return await fn();
  } catch (err) {
    const f = classify(err, step);
    if (f) throw new UntypedFailure(f);
    return undefined;
  }
}

/**
 * Checks a property for `numRuns` runs from `seed`; a failure comes back with its shrunk counterexample and the
 * `seed` / `path` that replay it (`fc.assert(prop, { seed, path })`).
 *
 * @example
 * ```ts
 * const r = await checkProperty('csv', fc.property(fc.string(), (s) => { parseCsv(s); }), 100, 1);
 * ```
 */
export async function checkProperty(
  target: string,
  property: AnyProperty,
  numRuns: number,
  seed: number,
): Promise<{ failures: CaseFailure[]; cases: number }> {
  const r = await fc.check(property, { numRuns, seed, endOnFailure: false });
  if (!r.failed) return { failures: [], cases: r.numRuns };
  const err = r.errorInstance;
  const base: CaseFailure =
    err instanceof UntypedFailure
      ? err.failure
      : {
          kind: 'property',
          step: target,
          name: err instanceof Error ? err.name : 'Error',
          message: err instanceof Error ? err.message : String(err),
          ...(err instanceof Error && err.stack ? { stack: err.stack } : {}),
        };
  const example = JSON.stringify(r.counterexample, (_k, v) => (typeof v === 'bigint' ? String(v) : v)) ?? '';
  return {
    failures: [
      {
        ...base,
        message: `${base.message} — counterexample ${example.slice(0, 600)} — replay: seed ${r.seed}, path "${r.counterexamplePath}"`,
      },
    ],
    cases: r.numRuns,
  };
}
