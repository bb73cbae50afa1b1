#!/usr/bin/env node
// Reuse just the reader: open a slide (a file or an http(s) URL), print what it is, read a region from the middle
// of level 0 and a thumbnail, and save both as PPM images — with nothing of @wsi but @wsi/core and @wsi/reader.
// Usage: node index.mjs SLIDE [OUT_DIR]
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isWsiError, slideName } from '@wsi/core';
import { openSlide, thumbnail } from '@wsi/reader';

const [location, outDir = 'reader-out'] = process.argv.slice(2);
if (!location) {
  console.error('usage: node index.mjs SLIDE [OUT_DIR]   (a .svs, .ndpi, .mrxs, .tif, DICOM folder or URL)');
  process.exit(2);
}

/** A raster (RGB or RGBA uint8) as binary PPM: viewable almost everywhere, no image library needed. */
function ppm(raster) {
  const { width, height, channels, data } = raster;
  const head = Buffer.from(`P6\n${width} ${height}\n255\n`);
  const body = Buffer.alloc(width * height * 3);
  for (let i = 0, j = 0; i < width * height; i++, j += channels) {
    const a = channels === 4 ? data[j + 3] / 255 : 1; // transparent (outside the slide) → white
    for (let c = 0; c < 3; c++) body[i * 3 + c] = Math.round(data[j + c] * a + 255 * (1 - a));
  }
  return Buffer.concat([head, body]);
}

let slide;
try {
  slide = await openSlide(location);
} catch (err) {
  // every failure is a typed WsiError with a code: UnsupportedFormat, CorruptFile, NotFound, Io, …
  console.error(isWsiError(err) ? `cannot open ${location}: [${err.code}] ${err.message}` : err);
  process.exit(1);
}
try {
  const l0 = slide.levels[0];
  console.log(`${slideName(location)}: ${slide.format}, ${l0.width}×${l0.height} px`);
  console.log(
    `  mpp ${slide.mpp ? `${slide.mpp.x} × ${slide.mpp.y} µm/px` : 'unknown'}, objective ${slide.objectivePower ?? '?'}×`,
  );
  slide.levels.forEach((l, i) =>
    console.log(
      `  level ${i}: ${l.width}×${l.height}, downsample ${l.downsample.toFixed(3)}, tiles ${l.tileWidth}×${l.tileHeight}`,
    ),
  );
  console.log(`  associated images: ${slide.associatedImages.join(', ') || 'none'}`);

  mkdirSync(outDir, { recursive: true });
  // a 512² region at level 0 around the centre (x, y in level-0 pixels; width/height in pixels of the level)
  const size = Math.min(512, l0.width, l0.height);
  const region = await slide.readRegion({
    x: Math.floor((l0.width - size) / 2),
    y: Math.floor((l0.height - size) / 2),
    level: 0,
    width: size,
    height: size,
  });
  writeFileSync(join(outDir, 'region.ppm'), ppm(region));
  const thumb = await thumbnail(slide, 512);
  writeFileSync(join(outDir, 'thumbnail.ppm'), ppm(thumb));
  // a quick look at the pixels: share of thumbnail pixels that are not near-white glass
  let tissue = 0;
  for (let i = 0; i < thumb.width * thumb.height; i++) {
    const p = i * thumb.channels;
    if (Math.min(thumb.data[p], thumb.data[p + 1], thumb.data[p + 2]) < 215) tissue++;
  }
  console.log(`  non-glass share of the thumbnail: ${((100 * tissue) / (thumb.width * thumb.height)).toFixed(1)} %`);
  console.log(
    `wrote ${join(outDir, 'region.ppm')} (${region.width}×${region.height}) and ${join(outDir, 'thumbnail.ppm')} (${thumb.width}×${thumb.height})`,
  );
} finally {
  await slide.close();
}
