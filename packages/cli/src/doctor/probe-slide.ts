/**
 * A throw-away test slide for `wsi doctor` when no slide is given: a pyramidal JPEG-tiled TIFF of tissue-like
 * noise, written where the slides would be read from.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import sharp from 'sharp';

/**
 * Writes a `size`×`size` pyramidal TIFF (256² JPEG tiles, quality 80) of pink-purple noise and returns its path.
 *
 * @example
 * ```ts
 * const path = await writeProbeSlide(os.tmpdir(), 4096);
 * ```
 */
export async function writeProbeSlide(dir: string, size = 4096): Promise<string> {
  const path = join(dir, `.wsi-doctor-${process.pid}-${randomBytes(3).toString('hex')}.tif`);
  await sharp({
    create: {
      width: size,
      height: size,
      channels: 3,
      background: '#ffffff',
      noise: { type: 'gaussian', mean: 150, sigma: 40 },
    },
    limitInputPixels: false,
  })
    .blur(1.2)
    .linear([0.85, 0.55, 0.9], [40, 20, 30])
    .tiff({ tile: true, tileWidth: 256, tileHeight: 256, compression: 'jpeg', quality: 80, pyramid: true })
    .toFile(path);
  return path;
}
