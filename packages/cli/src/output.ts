import { isWsiError } from '@wsi/core';
import { UsageError } from './exit-codes.js';

/**
 * Global flags every command sees.
 *
 * @example
 * ```ts
 * const globals: GlobalOptions = program.opts<GlobalOptions>(); // { json?: true, verbose?: true }
 * ```
 */
export interface GlobalOptions {
  json?: boolean;
  verbose?: boolean;
}

/**
 * What a command registrar gets: the global flags and a way to set the exit code (e.g. 3 = partly failed).
 *
 * @example
 * ```ts
 * const ctx: CommandContext = { globals: () => ({ json: true }), setExit: (code) => (process.exitCode = code) };
 * const program = buildProgram(ctx);
 * ```
 */
export interface CommandContext {
  globals(): GlobalOptions;
  setExit(code: 0 | 1 | 2 | 3): void;
}

/**
 * Writes machine output: one JSON document on stdout.
 *
 * @example
 * ```ts
 * printJson({ format: 'aperio' });
 * ```
 */
export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/**
 * Progress and notes for people: stderr, so stdout stays machine-readable.
 *
 * @example
 * ```ts
 * note('wrote patches/CMU-1.h5 (1,204 patches)');
 * ```
 */
export function note(message: string): void {
  process.stderr.write(`${message}\n`);
}

/**
 * Prints an error for users: one line on stderr (`wsi: error [Code]: message`), the stack only with `--verbose`,
 * and with `--json` also `{"error": {...}}` on stdout.
 *
 * @example
 * ```ts
 * reportError(err, { json: true });
 * ```
 */
export function reportError(err: unknown, opts: GlobalOptions): void {
  const code = isWsiError(err) ? err.code : err instanceof UsageError ? 'Usage' : 'Internal';
  const message = err instanceof Error ? err.message : String(err);
  process.stderr.write(`wsi: error [${code}]: ${message.split('\n')[0]}\n`);
  if (opts.verbose && err instanceof Error && err.stack) process.stderr.write(`${err.stack}\n`);
  if (opts.verbose && err instanceof Error && err.cause) process.stderr.write(`caused by: ${String(err.cause)}\n`);
  if (opts.json) {
    const details = isWsiError(err) ? err.details : undefined;
    printJson({ error: { code, message, ...(details ? { details } : {}) } });
  }
}
