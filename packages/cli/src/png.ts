import { randomBytes } from 'node:crypto';
import { rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { type Raster, toWsiError, WsiError } from '@wsi/core';
import sharp from 'sharp';

/**
 * Writes a raster as PNG, atomically (temporary file + rename). 1-4 channels; uint8 or uint16 (16-bit PNG).
 *
 * @example
 * ```ts
 * await writeRasterPng(await slide.readRegion(region), 'region.png');
 * ```
 */
export async function writeRasterPng(raster: Raster, path: string): Promise<void> {
  if (raster.channels < 1 || raster.channels > 4) {
    throw new WsiError('InvalidArgument', `PNG holds 1-4 channels; this image has ${raster.channels}`);
  }
  if (raster.dtype === 'float32') throw new WsiError('InvalidArgument', 'PNG cannot hold float32 pixels');
  const data = raster.data;
  const tmp = join(dirname(path), `.${basename(path)}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
  try {
    // sharp takes the typed array's element type as the sample depth (Uint16Array → 16-bit).
    await sharp(data as Uint8Array | Uint16Array, {
      raw: { width: raster.width, height: raster.height, channels: raster.channels as 1 | 2 | 3 | 4 },
      limitInputPixels: false,
    })
      .toColourspace(
        raster.dtype === 'uint16' ? (raster.channels >= 3 ? 'rgb16' : 'grey16') : raster.channels >= 3 ? 'srgb' : 'b-w',
      )
      .png()
      .toFile(tmp);
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw toWsiError(err, `cannot write ${path}`);
  }
}
