#!/usr/bin/env node
/**
 * Writes a synthetic slide for benchmarks and demos, e.g.
 * `node packages/testing/dist/bin/make-slide.js --format svs --width 20000 --height 15000 --out x.svs`.
 * Prints one JSON line: path, bytes, levels, seconds and peak RSS.
 */
import { parseArgs } from 'node:util';
import { WsiError } from '@wsi/core';
import { tileMosaic } from '../sources/mosaic.js';
import { syntheticTissue } from '../sources/synthetic.js';
import { writeSvs } from '../svs/writer.js';
import type { Compression } from '../tiff/constants.js';
import { writePyramidalTiff } from '../tiff/pyramid.js';
import type { RgbSource } from '../tiff/source.js';

const USAGE = `usage: make-slide --out FILE [--format svs|tiff|subifd] [--width N] [--height N]
  [--source synthetic|tiles] [--seed N] [--tile N] [--quality N] [--compression jpeg|deflate|lzw|none|webp]
  [--bigtiff] [--mpp X] [--levels 1,4,16]`;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      out: { type: 'string' },
      format: { type: 'string', default: 'svs' },
      width: { type: 'string', default: '4096' },
      height: { type: 'string', default: '3072' },
      source: { type: 'string', default: 'synthetic' },
      seed: { type: 'string', default: '1' },
      tile: { type: 'string', default: '256' },
      quality: { type: 'string', default: '90' },
      compression: { type: 'string', default: 'jpeg' },
      bigtiff: { type: 'boolean', default: false },
      mpp: { type: 'string', default: '0.499' },
      levels: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help || !values.out) {
    console.error(USAGE);
    process.exitCode = values.help ? 0 : 2;
    return;
  }
  const width = Number(values.width);
  const height = Number(values.height);
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new WsiError('InvalidArgument', `bad size ${values.width}x${values.height}`);
  }
  const seed = Number(values.seed);
  const source: RgbSource =
    values.source === 'tiles'
      ? await tileMosaic({ width, height, seed, layout: 'islands' })
      : syntheticTissue({ width, height, seed });
  const levels = values.levels?.split(',').map(Number);
  const started = Date.now();
  const common = { source, tileSize: Number(values.tile), quality: Number(values.quality) };
  const res =
    values.format === 'svs'
      ? await writeSvs(values.out, {
          ...common,
          mpp: Number(values.mpp),
          bigtiff: values.bigtiff ? true : 'auto',
          seed,
          ...(levels ? { levels } : {}),
        })
      : await writePyramidalTiff(values.out, {
          ...common,
          compression: values.compression as Compression,
          pyramid: values.format === 'subifd' ? 'subifd' : 'pages',
          bigtiff: values.bigtiff ? true : 'auto',
          mpp: Number(values.mpp),
          ...(levels ? { levels } : {}),
        });
  console.log(
    JSON.stringify({
      path: res.path,
      bytes: res.bytes,
      bigtiff: res.bigtiff,
      levels: res.levels.map((l) => `${l.width}x${l.height}`),
      seconds: (Date.now() - started) / 1000,
      maxRssMiB: Math.round(process.resourceUsage().maxRSS / 1024),
    }),
  );
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exitCode = 1;
});
