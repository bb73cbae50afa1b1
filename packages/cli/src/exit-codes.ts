/**
 * Exit codes of `wsi` (docs/cli.md): scripts and the queue workers rely on them.
 *
 * @example
 * ```ts
 * process.exitCode = EXIT.usage;
 * ```
 */
export const EXIT = {
  /** Everything asked for was done. */
  ok: 0,
  /** The command failed (bad slide, I/O error…). */
  failed: 1,
  /** The command line itself is wrong (unknown flag, missing argument, invalid value). */
  usage: 2,
  /** Some items (slides) failed, the others were done. */
  partial: 3,
} as const;

/**
 * One of the `wsi` exit codes of {@link EXIT} (0 done, 1 failed, 2 usage error, 3 partly failed).
 *
 * @example
 * ```ts
 * const code: ExitCode = await main(process.argv);
 * process.exitCode = code;
 * ```
 */
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/**
 * A mistake in the command line: printed as one line and exits with {@link EXIT.usage}.
 *
 * @example
 * ```ts
 * if (!(size > 0)) throw new UsageError('--patch-size must be a positive integer');
 * ```
 */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}
