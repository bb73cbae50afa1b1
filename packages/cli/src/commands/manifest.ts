import { readFile } from 'node:fs/promises';
import { parseManifest, toWsiError } from '@wsi/core';
import type { Command } from 'commander';
import { type CommandContext, note, printJson } from '../output.js';

/**
 * `wsi manifest check CSV [--json]`: validates a manifest (docs/formats.md) and summarises it.
 *
 * @example
 * ```sh
 * wsi manifest check cohort.csv --json
 * ```
 */
export function registerManifest(program: Command, ctx: CommandContext): void {
  const manifest = program.command('manifest').description('work with manifest CSV files (docs/formats.md)');
  manifest
    .command('check')
    .description('validate a manifest and print a summary')
    .argument('<csv>', 'manifest CSV (header row, a `slide` column)')
    .option('--json', 'machine-readable output')
    .action(async (csv: string, opts: { json?: boolean }) => {
      const text = await readFile(csv, 'utf8').catch((e) => {
        throw toWsiError(e, csv);
      });
      const m = parseManifest(text, csv);
      const bags = new Set(m.rows.map((r) => r.bagId ?? r.slide));
      const labels: Record<string, number> = {};
      for (const r of m.rows) if (r.label !== undefined) labels[r.label] = (labels[r.label] ?? 0) + 1;
      const summary = {
        slides: m.rows.length,
        bags: bags.size,
        cases: new Set(m.rows.map((r) => r.caseId).filter((c) => c !== undefined)).size,
        labels,
        columns: m.columns,
      };
      if (opts.json || ctx.globals().json) printJson(summary);
      else {
        note(`${csv}: ${summary.slides} slides, ${summary.bags} bags, ${summary.cases} cases`);
        for (const [k, v] of Object.entries(labels)) note(`  label ${k}: ${v}`);
      }
    });
}
