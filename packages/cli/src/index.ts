/**
 * @wsi/cli — the `wsi` command line. Programmatic entry points for tests and embedding.
 *
 * @example
 * ```ts
 * import { main } from '@wsi/cli';
 * process.exitCode = await main(['node', 'wsi', 'info', 'slide.svs', '--json']);
 * ```
 * @packageDocumentation
 */

export { EXIT, type ExitCode, UsageError } from './exit-codes.js';
export { buildProgram, CLI_VERSION, main } from './main.js';
export type { CommandContext, GlobalOptions } from './output.js';
export * from './queue/index.js';
export * from './run/index.js';
