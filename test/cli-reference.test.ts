// docs/cli-reference.md is generated from the CLI's parser (scripts/cli-reference.mjs): it must match the built CLI.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
// @ts-expect-error: a plain .mjs script without type declarations
import { CLI_REFERENCE_PATH, currentCliReference } from '../scripts/cli-reference.mjs';

describe('docs/cli-reference.md', () => {
  it('is up to date with the parser (run `npm run docs:cli` after changing a command)', async () => {
    const fresh: string = await currentCliReference();
    const committed = readFileSync(CLI_REFERENCE_PATH, 'utf8');
    expect(committed).toBe(fresh);
  });

  it('documents every top-level command with its options', async () => {
    const { buildProgram } = await import('@wsi/cli');
    const reference: string = await currentCliReference();
    const program = buildProgram();
    expect(program.commands.length).toBeGreaterThan(10);
    for (const cmd of program.commands) {
      expect(reference).toContain(`## \`wsi ${cmd.name()}\``);
      for (const o of cmd.options) expect(reference).toContain(o.flags.replace(/\|/g, '\\|'));
    }
  });
});
