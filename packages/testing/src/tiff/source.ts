/**
 * Pixel sources for the writers: something that returns interleaved RGB bytes of a region of level 0.
 */
import { WsiError } from '@wsi/core';

/**
 * Returns `w × h × 3` RGB bytes (row-major, interleaved) of the region at (`x`, `y`) of level 0.
 * Regions asked for always lie inside the image.
 */
export type RegionReader = (x: number, y: number, w: number, h: number) => Promise<Uint8Array> | Uint8Array;

/**
 * An RGB image of known size, read by region.
 *
 * @example
 * ```ts
 * const grey: RgbSource = { width: 1000, height: 800, read: (x, y, w, h) => new Uint8Array(w * h * 3).fill(128) };
 * ```
 */
export interface RgbSource {
  readonly width: number;
  readonly height: number;
  read: RegionReader;
}

/**
 * Builds an {@link RgbSource} from a whole RGB buffer held in memory (small images, tests).
 *
 * @example
 * ```ts
 * const src = bufferSource(new Uint8Array(64 * 48 * 3), 64, 48);
 * const px = await src.read(10, 10, 4, 4);
 * ```
 */
export function bufferSource(rgb: Uint8Array, width: number, height: number): RgbSource {
  if (rgb.length !== width * height * 3) {
    throw new WsiError('InvalidArgument', `buffer has ${rgb.length} bytes, expected ${width}x${height}x3`);
  }
  return {
    width,
    height,
    read(x, y, w, h) {
      const out = new Uint8Array(w * h * 3);
      for (let r = 0; r < h; r++) {
        const s = ((y + r) * width + x) * 3;
        out.set(rgb.subarray(s, s + w * 3), r * w * 3);
      }
      return out;
    },
  };
}

/**
 * Reads a whole {@link RgbSource} into memory (only for small images: tests and thumbnails).
 *
 * @example
 * ```ts
 * const rgb = await readAll(syntheticTissue({ width: 256, height: 256 }));
 * ```
 */
export async function readAll(source: RgbSource): Promise<Uint8Array> {
  if (source.width * source.height > 64 * 1024 * 1024) {
    throw new WsiError('InvalidArgument', `readAll refuses ${source.width}x${source.height}: too large`);
  }
  const out = await source.read(0, 0, source.width, source.height);
  if (out.length !== source.width * source.height * 3) {
    throw new WsiError('CorruptFile', `source returned ${out.length} bytes for ${source.width}x${source.height}`);
  }
  return out;
}
