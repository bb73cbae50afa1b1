import type { Command } from 'commander';
import { type CommandContext, note, printJson } from '../output.js';

/**
 * `wsi anonymize SLIDE --out FILE [--overwrite] [--no-thumbnail] [--json]`: a de-identified copy (label and macro
 * removed; identifying description fields and TIFF tags scrubbed; pyramid tiles copied byte for byte), written
 * atomically and verified by reopening it.
 *
 * @example
 * ```sh
 * wsi anonymize case-17.svs --out anon/slide-0001.svs --json
 * ```
 */
export function registerAnonymize(program: Command, ctx: CommandContext): void {
  program
    .command('anonymize')
    .description(
      'write a de-identified copy: label and macro removed, identifying fields and tags scrubbed, verified by reopening',
    )
    .argument('<slide>', 'slide path (TIFF family: Aperio SVS, Philips, generic TIFF)')
    .requiredOption('--out <file>', 'output slide (written atomically)')
    .option('--overwrite', 'replace --out when it exists')
    .option('--no-thumbnail', 'drop the thumbnail image too')
    .option('--json', 'machine-readable report')
    .action(async (location: string, o: { out: string; overwrite?: boolean; thumbnail: boolean; json?: boolean }) => {
      const { anonymizeSlide } = await import('@wsi/reader');
      const report = await anonymizeSlide(location, o.out, {
        overwrite: o.overwrite === true,
        keepThumbnail: o.thumbnail,
      });
      if (o.json || ctx.globals().json) return printJson(report);
      note(
        `wrote ${report.output} (${report.bytes} bytes, ${report.levels} levels); removed images: ${report.removedImages.join(', ') || 'none'}; ` +
          `removed fields: ${report.removedFields.join(', ') || 'none'}; removed tags: ${report.removedTags.join(', ') || 'none'}; verified`,
      );
    });
}
