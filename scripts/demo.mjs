#!/usr/bin/env node
// `npm run demo`: builds a sample slide with the fixture writers (real H&E tiles from ../shared/fixtures/tiles when
// present, a generated tissue-like texture otherwise), opens it again with @wsi/reader, and prints what it wrote.
// The pipeline issue turns this into the full reader → patcher → embed → MIL demo.
import { mkdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { openSlide, thumbnail } from '@wsi/reader';
import { defaultTilePaths, syntheticTissue, tileMosaic, writeSvs } from '@wsi/testing';
import sharp from 'sharp';

const out = resolve(process.argv[2] ?? 'demo-out');
mkdirSync(out, { recursive: true });
const width = 8192;
const height = 6144;
const started = performance.now();

const tiles = defaultTilePaths();
const source = tiles.length
  ? await tileMosaic({ width, height, layout: 'islands', seed: 7 })
  : syntheticTissue({ width, height, seed: 7 });
const contentNote = tiles.length
  ? `${tiles.length} real H&E tiles (shared/fixtures/tiles)`
  : 'generated tissue texture';

const svsPath = join(out, 'sample.svs');
await writeSvs(svsPath, { source, mpp: 0.5, appMag: 20, seed: 7 });

const slide = await openSlide(svsPath);
const thumb = await thumbnail(slide, 1024);
const thumbPath = join(out, 'sample_thumbnail.png');
await sharp(thumb.data, { raw: { width: thumb.width, height: thumb.height, channels: thumb.channels } })
  .png()
  .toFile(thumbPath);

const summary = {
  slide: svsPath,
  bytes: statSync(svsPath).size,
  content: contentNote,
  format: slide.format,
  levels: slide.levels.map((l) => `${l.width}×${l.height} (×${+l.downsample.toFixed(3)})`),
  mpp: slide.mpp ?? null,
  objectivePower: slide.objectivePower ?? null,
  associatedImages: slide.associatedImages,
  thumbnail: thumbPath,
  seconds: +((performance.now() - started) / 1000).toFixed(1),
};
await slide.close();

console.log('@wsi demo: wrote a sample Aperio SVS and read it back\n');
for (const [k, v] of Object.entries(summary))
  console.log(
    `  ${k.padEnd(17)} ${Array.isArray(v) ? v.join(', ') : typeof v === 'object' && v ? JSON.stringify(v) : v}`,
  );
console.log(`\nNext: npx wsi info ${svsPath}`);
