import type { H5Node } from '@wsi/h5';
import type { Command } from 'commander';
import { type CommandContext, printJson } from '../output.js';

/**
 * `wsi h5 FILE [--json]`: lists the groups, datasets (shape, dtype) and attributes of an HDF5 file — a quick
 * check of what a coords/features file holds, without Python.
 *
 * @example
 * ```sh
 * wsi h5 out/patches/CMU-1.h5 --json
 * ```
 */
export function registerH5(program: Command, ctx: CommandContext): void {
  program
    .command('h5')
    .description('show the datasets and attributes of an HDF5 file (coords, features, patches)')
    .argument('<file>', 'an .h5 file')
    .option('--json', 'machine-readable output')
    .action(async (file: string, opts: { json?: boolean }) => {
      // Loaded on use: h5wasm's WASM start-up should not slow down every other command.
      const { inspectH5 } = await import('@wsi/h5');
      const tree = await inspectH5(file);
      if (opts.json || ctx.globals().json) printJson(tree);
      else process.stdout.write(`${formatTree(tree)}\n`);
    });
}

function formatTree(node: H5Node, indent = ''): string {
  const attrs =
    'attrs' in node ? Object.entries(node.attrs).map(([k, v]) => `${indent}    @${k} = ${JSON.stringify(v)}`) : [];
  let head: string;
  if (node.kind === 'group') head = `${indent}${node.path} (group)`;
  else if (node.kind === 'dataset') {
    const chunks = node.chunks ? `, chunks ${node.chunks.join('×')}` : '';
    head = `${indent}${node.path}  ${node.dtype} [${node.shape.join('×')}]${chunks}`;
  } else head = `${indent}${node.path} (${node.type})`;
  const children = node.kind === 'group' ? node.children.map((c) => formatTree(c, `${indent}  `)) : [];
  return [head, ...attrs, ...children].join('\n');
}
