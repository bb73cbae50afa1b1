import type { Command } from 'commander';
import type { CommandContext } from '../output.js';
import { registerAnnotate } from './annotate.js';
import { registerAnonymize } from './anonymize.js';
import { registerDoctor } from './doctor.js';
import { registerEmbed } from './embed.js';
import { registerExtract } from './extract.js';
import { registerH5 } from './h5.js';
import { registerHeatmap } from './heatmap.js';
import { registerManifest } from './manifest.js';
import { registerMil } from './mil.js';
import { registerPatch } from './patch.js';
import { registerQueue } from './queue.js';
import { registerRun } from './run.js';
import { registerSegment } from './segment.js';
import { registerServe } from './serve.js';
import { registerSlideCommands } from './slide-commands.js';
import { registerWorker } from './worker.js';

/**
 * Registers every `wsi` sub-command on the program. Each command lives in its own file here.
 *
 * @example
 * ```ts
 * registerCommands(new Command('wsi'), ctx);
 * ```
 */
export function registerCommands(program: Command, ctx: CommandContext): void {
  registerSlideCommands(program, ctx);
  registerAnonymize(program, ctx);
  registerAnnotate(program, ctx);
  registerHeatmap(program, ctx);
  registerH5(program, ctx);
  registerManifest(program, ctx);
  registerMil(program, ctx);
  registerSegment(program, ctx);
  registerPatch(program, ctx);
  registerExtract(program, ctx);
  registerEmbed(program, ctx);
  registerRun(program, ctx);
  registerQueue(program, ctx);
  registerWorker(program, ctx);
  registerDoctor(program, ctx);
  registerServe(program, ctx);
}
