/**
 * Internal helpers shared by the byte sources (not exported from the package index).
 */
import { WsiError } from '../errors.js';

/**
 * Validates a read request against a source's size, before anything is allocated:
 * a negative or non-integer range → `InvalidArgument`; a range past `size` → `CorruptFile`.
 */
export function checkRange(description: string, offset: number, length: number, size: number): void {
  if (!Number.isSafeInteger(offset) || offset < 0 || !Number.isSafeInteger(length) || length < 0) {
    throw new WsiError('InvalidArgument', `${description}: invalid byte range (offset ${offset}, length ${length})`, {
      details: { source: description, offset, length },
    });
  }
  if (offset + length > size) {
    throw new WsiError(
      'CorruptFile',
      `${description}: read of ${length} bytes at offset ${offset} extends past the end (size ${size}); the file may be truncated`,
      { details: { source: description, offset, length, size } },
    );
  }
}

/** The error every source raises for a read after `close()`. */
export function closedError(description: string): WsiError {
  return new WsiError('InvalidArgument', `${description}: read after close()`, { details: { source: description } });
}

/** The `WsiError('Aborted')` for a fired signal. */
export function abortedError(signal: AbortSignal, description: string): WsiError {
  return new WsiError('Aborted', `${description}: the read was aborted`, { cause: signal.reason });
}
