import type { Command } from 'commander';
import { UsageError } from '../exit-codes.js';
import { type CommandContext, note, printJson } from '../output.js';
import { intOption } from '../parse.js';

function formatOption(v: string): 'jpeg' | 'png' {
  const f = v === 'jpg' ? 'jpeg' : v;
  if (f !== 'jpeg' && f !== 'png') throw new UsageError(`--format must be jpeg or png, got '${v}'`);
  return f;
}

interface TileFlags {
  tileSize: number;
  overlap: number;
  format: 'jpeg' | 'png';
  quality: number;
}

function addTileOptions(cmd: Command): Command {
  return cmd
    .option('--tile-size <n>', 'DeepZoom tile size', intOption('--tile-size', { min: 1, max: 4094 }), 254)
    .option('--overlap <n>', 'DeepZoom tile overlap', intOption('--overlap', { min: 0, max: 64 }), 1)
    .option('--format <f>', 'tile encoding: jpeg or png', formatOption, 'jpeg' as const)
    .option('--quality <q>', 'JPEG quality 1–100', intOption('--quality', { min: 1, max: 100 }), 85);
}

function checkTiles(o: TileFlags): void {
  if (o.overlap >= o.tileSize) throw new UsageError('--overlap must be smaller than --tile-size');
}

/**
 * `wsi serve SLIDE…|DIR [--port 8080] [--host 127.0.0.1] [--overlays DIR]` and `wsi dzsave SLIDE --out DIR`
 * (docs/cli.md): the DeepZoom viewer server and static DeepZoom pyramids.
 *
 * @example
 * ```sh
 * wsi serve slides/ --overlays out/ --port 8080
 * wsi dzsave slide.svs --out site/ --format jpeg
 * ```
 */
export function registerServe(program: Command, ctx: CommandContext): void {
  addTileOptions(
    program
      .command('serve')
      .description('serve slides to a browser: DeepZoom tiles, a viewer page with tissue/annotation/heatmap overlays')
      .argument('<slides...>', 'slide files and/or folders of slides')
      .option('--port <n>', 'port (0 = any free port)', intOption('--port', { min: 0, max: 65535 }), 8080)
      .option('--host <addr>', 'interface to bind (loopback by default)', '127.0.0.1')
      .option(
        '--overlays <dir>',
        'output folder of wsi segment/patch/heatmap (segmentation/, patches/, scores/, annotations/)',
      )
      .option('--cache-mb <n>', 'in-memory tile cache size in MiB', intOption('--cache-mb', { min: 1 }), 128),
  )
    .option('--json', 'print {url, slides:[{id, name}]} when listening')
    .action(
      async (
        slides: string[],
        o: TileFlags & { port: number; host: string; overlays?: string; cacheMb: number; json?: boolean },
      ) => {
        checkTiles(o);
        const { createViewerServer } = await import('@wsi/viewer');
        const v = await createViewerServer({
          slides,
          host: o.host,
          port: o.port,
          tileSize: o.tileSize,
          overlap: o.overlap,
          format: o.format,
          quality: o.quality,
          cacheBytes: o.cacheMb * 1024 * 1024,
          ...(o.overlays ? { overlaysDir: o.overlays } : {}),
        });
        for (const s of v.skipped) note(`skipped ${s.path}: ${s.reason}`);
        if (o.json || ctx.globals().json)
          printJson({ url: v.url, slides: v.slides.map((s) => ({ id: s.id, name: s.name })) });
        else note(`serving ${v.slides.length} slide(s) at ${v.url} (Ctrl-C to stop)`);
        if (!['127.0.0.1', 'localhost', '::1'].includes(o.host))
          note(`warning: listening on ${o.host}: anyone who can reach this address can see the slides`);
        await new Promise<void>((resolve) => {
          const stop = () => resolve();
          process.once('SIGINT', stop);
          process.once('SIGTERM', stop);
        });
        await v.close();
      },
    );

  addTileOptions(
    program
      .command('dzsave')
      .description('write a static DeepZoom pyramid (<name>.dzi + <name>_files/) for hosting without a server')
      .argument('<slide>', 'slide path or URL')
      .requiredOption('--out <dir>', 'output folder')
      .option('--name <name>', 'base name of the output (default: the slide name)'),
  )
    .option('--concurrency <n>', 'tiles rendered at once', intOption('--concurrency', { min: 1, max: 64 }), 4)
    .option('--json', 'machine-readable summary')
    .action(
      async (slide: string, o: TileFlags & { out: string; name?: string; concurrency: number; json?: boolean }) => {
        checkTiles(o);
        const { dzsave } = await import('@wsi/viewer');
        const t0 = performance.now();
        const r = await dzsave(slide, o.out, {
          tileSize: o.tileSize,
          overlap: o.overlap,
          format: o.format,
          quality: o.quality,
          concurrency: o.concurrency,
          ...(o.name ? { name: o.name } : {}),
        });
        const summary = { slide, ...r, seconds: (performance.now() - t0) / 1000 };
        if (o.json || ctx.globals().json) return printJson(summary);
        note(`wrote ${r.dzi} (${r.levels} levels, ${r.tiles} tiles, ${(r.bytes / 1048576).toFixed(1)} MiB)`);
      },
    );
}
