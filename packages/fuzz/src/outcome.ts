/**
 * How a fuzz case ends: passes are results and typed `WsiError` rejections; everything else is a failure.
 */
import { isWsiError } from '@wsi/core';

/**
 * Kinds of failure a case can have.
 * @example
 * ```ts
 * const hang: FailureKind = 'timeout';
 * ```
 */
export type FailureKind =
  /** A plain Error (TypeError, RangeError…) escaped instead of a WsiError. */
  | 'exception'
  /** A WsiError wrapping a programming error (TypeError/RangeError/ReferenceError): a crash behind a catch-all. */
  | 'masked'
  /** An unhandled rejection or uncaught exception in the background. */
  | 'uncaught'
  /** The case did not finish within its time limit. */
  | 'timeout'
  /** The worker process died (native crash, heap OOM). */
  | 'crash'
  /** The case grew memory beyond the bound. */
  | 'memory'
  /** A property did not hold (wrong bytes, wrong error code, slow failure). */
  | 'property';

/**
 * One failure, with enough to reproduce it.
 *
 * @example
 * ```ts
 * const f: CaseFailure = { kind: 'exception', step: 'open', name: 'TypeError', message: 'x is undefined' };
 * ```
 */
export interface CaseFailure {
  kind: FailureKind;
  step: string;
  name: string;
  message: string;
  stack?: string;
}

const PROGRAMMING_ERRORS = new Set(['TypeError', 'RangeError', 'ReferenceError']);

/**
 * True when an error was raised in our own code (its top stack frame is not in a dependency or Node itself): a
 * RangeError from protobuf decoding or zlib's output bound is how a library reports bad input, and wrapping it in a
 * WsiError is right; a TypeError from our own parser behind a catch-all is a crash.
 */
function ownCode(e: Error): boolean {
  const top = (e.stack ?? '').split('\n').find((l) => /^\s+at /.test(l)) ?? '';
  return !/node_modules|\(node:|at node:/.test(top);
}

/** The first programming error in `err`'s cause chain (up to 5 levels). */
function programmingCause(err: unknown): Error | undefined {
  let e: unknown = err;
  for (let i = 0; i < 5 && e; i++) {
    e = (e as { cause?: unknown }).cause;
    if (e instanceof Error && PROGRAMMING_ERRORS.has(e.name) && !isWsiError(e) && ownCode(e)) return e;
  }
  return undefined;
}

/**
 * Classifies a thrown value: `undefined` for a pass (a WsiError without a programming error inside), otherwise the
 * failure.
 *
 * @example
 * ```ts
 * try { await slide.readRegion(r); } catch (e) { const f = classify(e, 'readRegion'); if (f) failures.push(f); }
 * ```
 */
export function classify(err: unknown, step: string): CaseFailure | undefined {
  if (isWsiError(err)) {
    const inner = programmingCause(err);
    if (!inner) return undefined;
    return { kind: 'masked', step, name: inner.name, message: `${err.message} ⇐ ${inner.message}`, stack: inner.stack };
  }
  const e = err instanceof Error ? err : new Error(String(err));
  return { kind: 'exception', step, name: e.name, message: e.message, stack: e.stack };
}

/**
 * Runs one step: resolves to a failure or `undefined` (pass, whether it returned or rejected with a WsiError).
 *
 * @example
 * ```ts
 * const f = await step('thumbnail', () => thumbnail(slide, 256));
 * ```
 */
export async function step(
  name: string,
  fn: () => Promise<unknown> | unknown,
  outcomes?: Record<string, number>,
): Promise<CaseFailure | undefined> {
  const key = name.replace(/\(.*\)$/, '');
  const count = (what: string) => {
    if (outcomes) outcomes[`${key}:${what}`] = (outcomes[`${key}:${what}`] ?? 0) + 1;
  };
  try {
    await fn();
    count('ok');
    return undefined;
  } catch (err) {
    count(isWsiError(err) ? err.code : 'failed');
    return classify(err, name);
  }
}
