import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { registerCommands } from './commands/index.js';
import { EXIT, type ExitCode, UsageError } from './exit-codes.js';
import { type CommandContext, type GlobalOptions, reportError } from './output.js';

/**
 * The CLI's version (its package.json).
 *
 * @example
 * ```ts
 * console.log(`wsi ${CLI_VERSION}`);
 * ```
 */
export const CLI_VERSION: string = (
  JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }
).version;

/**
 * Builds the `wsi` program. Exposed so tests and docs can inspect the command tree.
 *
 * @example
 * ```ts
 * const program = buildProgram();
 * console.log(program.commands.map((c) => c.name()));
 * ```
 */
export function buildProgram(context?: CommandContext): Command {
  const program = new Command('wsi');
  const ctx: CommandContext = context ?? {
    globals: () => program.opts<GlobalOptions>(),
    setExit: () => {},
  };
  program
    .description('@wsi — whole-slide image analysis: read slides, segment tissue, patch, embed, train MIL models')
    .version(CLI_VERSION, '-V, --version', 'print the version')
    .option('--verbose', 'show stack traces and details on errors')
    .option('--json', 'machine-readable output on stdout (where a command supports it)')
    .showHelpAfterError('(run wsi --help for the commands)')
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });
  registerCommands(program, ctx);
  exitOverrideAll(program);
  return program;
}

function exitOverrideAll(cmd: Command): void {
  cmd.exitOverride();
  for (const sub of cmd.commands) exitOverrideAll(sub);
}

/**
 * Runs `wsi` with the given argv (as `process.argv`) and resolves to the exit code; never calls `process.exit`.
 *
 * @example
 * ```ts
 * const code = await main(['node', 'wsi', '--help']);
 * ```
 */
export async function main(argv: readonly string[]): Promise<ExitCode> {
  const result: { code: ExitCode } = { code: EXIT.ok };
  let program: Command | undefined;
  program = buildProgram({
    globals: () => program?.opts<GlobalOptions>() ?? {},
    setExit: (code) => {
      result.code = code;
    },
  });
  try {
    await program.parseAsync(argv as string[]);
    return result.code;
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.exitCode === 0) {
        return EXIT.ok;
      }
      if (err.code === 'commander.executeSubCommandAsync') return EXIT.failed;
      return EXIT.usage;
    }
    const opts = program.opts<GlobalOptions>();
    reportError(err, opts);
    return err instanceof UsageError ? EXIT.usage : EXIT.failed;
  }
}
