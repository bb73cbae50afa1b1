import { WsiError } from './errors.js';

/** The `WsiError('Aborted')` for a fired signal. */
function abortedError(signal: AbortSignal, description: string): WsiError {
  return new WsiError('Aborted', `${description}: the read was aborted`, { cause: signal.reason });
}

/**
 * Settles like `promise`, but rejects with `WsiError('Aborted')` as soon as `signal` fires. The underlying work is
 * not cancelled (other callers may share it); this caller just stops waiting.
 *
 * @example
 * ```ts
 * const tile = await raceAbort(sharedDecode, options.signal, 'slide.svs');
 * ```
 */
export function raceAbort<T>(
  promise: Promise<T>,
  signal: AbortSignal | undefined,
  description = 'operation',
): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) {
    promise.catch(() => {});
    return Promise.reject(abortedError(signal, description));
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => {
      promise.catch(() => {});
      reject(abortedError(signal, description));
    };
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}
