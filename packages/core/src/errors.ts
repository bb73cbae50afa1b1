/**
 * Typed errors shared by every `@wsi` package.
 *
 * Every failure a caller can act on is a {@link WsiError} with a machine-readable {@link WsiErrorCode}.
 * Use {@link isWsiError} rather than `instanceof`: it also recognises errors thrown by another copy of
 * `@wsi/core` (two versions installed side by side, or a worker thread).
 *
 * @example
 * ```ts
 * import { WsiError, isWsiError } from '@wsi/core';
 * try {
 *   throw new WsiError('NotFound', 'slide.svs does not exist');
 * } catch (err) {
 *   if (isWsiError(err, 'NotFound')) console.error(err.message);
 * }
 * ```
 */

/**
 * What went wrong, as a caller would branch on it.
 *
 * @example
 * ```ts
 * const code: WsiErrorCode = isWsiError(err) ? err.code : 'Io';
 * ```
 */
export type WsiErrorCode =
  /** The bytes are not a format we read (or a feature of it we do not support). */
  | 'UnsupportedFormat'
  /** The file claims to be a supported format but its structure is broken (truncated, bad offsets, loops). */
  | 'CorruptFile'
  /** A region, level, index or byte range lies outside what exists. */
  | 'OutOfBounds'
  /** A file, URL, associated image or dataset does not exist. */
  | 'NotFound'
  /** The caller passed a value that can never work (negative size, unknown option, wrong shape). */
  | 'InvalidArgument'
  /** The operating system or network failed (permissions, disk full, HTTP 5xx after retries, Range unsupported). */
  | 'Io'
  /** The operation was cancelled through an `AbortSignal`. */
  | 'Aborted';

/**
 * All codes, for validation and documentation.
 *
 * @example
 * ```ts
 * WSI_ERROR_CODES.includes('NotFound'); // true
 * ```
 */
export const WSI_ERROR_CODES: readonly WsiErrorCode[] = [
  'UnsupportedFormat',
  'CorruptFile',
  'OutOfBounds',
  'NotFound',
  'InvalidArgument',
  'Io',
  'Aborted',
];

const BRAND = Symbol.for('@wsi/core/WsiError');

/**
 * Options accepted by the {@link WsiError} constructor.
 *
 * @example
 * ```ts
 * throw new WsiError('CorruptFile', 'tile 3 is truncated', { cause: err, details: { tile: 3 } } satisfies WsiErrorOptions);
 * ```
 */
export interface WsiErrorOptions {
  /** The lower-level error that caused this one. */
  cause?: unknown;
  /** Structured context (path, offset, tag, HTTP status…) for logs and `--json` output. */
  details?: Record<string, unknown>;
}

/**
 * The one error class of `@wsi`.
 *
 * @example
 * ```ts
 * throw new WsiError('CorruptFile', 'IFD at offset 8 points past the end of the file', {
 *   details: { path: 'slide.svs', offset: 8 },
 * });
 * ```
 */
export class WsiError extends Error {
  /** What went wrong. */
  readonly code: WsiErrorCode;
  /** Structured context, safe to serialise. */
  readonly details: Record<string, unknown> | undefined;

  constructor(code: WsiErrorCode, message: string, options: WsiErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'WsiError';
    this.code = code;
    this.details = options.details;
    Object.defineProperty(this, BRAND, { value: true });
  }

  /** A plain object for JSON output (`--json`, run.json). */
  toJSON(): { name: string; code: WsiErrorCode; message: string; details?: Record<string, unknown> } {
    return {
      name: this.name,
      code: this.code,
      message: this.message,
      ...(this.details ? { details: this.details } : {}),
    };
  }
}

/**
 * Type guard for {@link WsiError}, optionally of one code.
 *
 * @example
 * ```ts
 * if (isWsiError(err, 'CorruptFile')) skipSlide(err.message);
 * ```
 */
export function isWsiError(err: unknown, code?: WsiErrorCode): err is WsiError {
  if (typeof err !== 'object' || err === null) return false;
  const branded = err instanceof WsiError || (err as Record<symbol, unknown>)[BRAND] === true;
  return branded && (code === undefined || (err as WsiError).code === code);
}

/**
 * Throws a `WsiError('Aborted')` when the signal has fired.
 *
 * @example
 * ```ts
 * throwIfAborted(options.signal);
 * ```
 */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) {
    throw new WsiError('Aborted', 'the operation was aborted', { cause: signal.reason });
  }
}

/**
 * Wraps any thrown value into a {@link WsiError} (returning it unchanged when it already is one).
 * Node system errors map to `NotFound` (ENOENT), `InvalidArgument` (EISDIR, ENOTDIR) or `Io`.
 *
 * @example
 * ```ts
 * try { await fs.readFile(p); } catch (e) { throw toWsiError(e, `cannot read ${p}`); }
 * ```
 */
export function toWsiError(err: unknown, context: string): WsiError {
  if (isWsiError(err)) return err;
  if (typeof err === 'object' && err !== null && (err as { name?: string }).name === 'AbortError') {
    return new WsiError('Aborted', `${context}: aborted`, { cause: err });
  }
  const sys = (err as { code?: unknown } | null)?.code;
  const reason = err instanceof Error ? err.message : String(err);
  if (sys === 'ENOENT') return new WsiError('NotFound', `${context}: no such file`, { cause: err });
  if (sys === 'EISDIR' || sys === 'ENOTDIR') {
    return new WsiError('InvalidArgument', `${context}: ${reason}`, { cause: err });
  }
  return new WsiError('Io', `${context}: ${reason}`, {
    cause: err,
    ...(typeof sys === 'string' ? { details: { errno: sys } } : {}),
  });
}
