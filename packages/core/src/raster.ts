import { WsiError } from './errors.js';

/**
 * Pixel data types a {@link Raster} can hold.
 *
 * @example
 * ```ts
 * const dtype: RasterDtype = 'uint16';
 * const r = createRaster(64, 64, 1, dtype);
 * ```
 */
export type RasterDtype = 'uint8' | 'uint16' | 'float32';

/**
 * The typed array behind each dtype.
 *
 * @example
 * ```ts
 * const data: RasterArrays['uint16'] = new Uint16Array(64 * 64);
 * ```
 */
export interface RasterArrays {
  uint8: Uint8Array;
  uint16: Uint16Array;
  float32: Float32Array;
}

/**
 * An interleaved image: `data[(y * width + x) * channels + c]`.
 * Brightfield slides give RGBA uint8 (4 channels, OpenSlide's convention: alpha 0 outside the slide);
 * fluorescence and multiplex images keep their native channel count and bit depth.
 *
 * @example
 * ```ts
 * import { createRaster } from '@wsi/core';
 * const r = createRaster(256, 256, 4); // RGBA uint8, zero-filled (transparent)
 * r.data[3] = 255;
 * ```
 */
export interface Raster<D extends RasterDtype = RasterDtype> {
  width: number;
  height: number;
  channels: number;
  dtype: D;
  data: RasterArrays[D];
}

/**
 * Largest raster we allocate without an explicit opt-in (pixels × channels). 2^31 − 1 bytes for uint8.
 *
 * @example
 * ```ts
 * if (w * h * 4 > MAX_RASTER_ELEMENTS) console.log('read this region in pieces');
 * ```
 */
export const MAX_RASTER_ELEMENTS = 2 ** 31 - 1;

/**
 * Allocates a zero-filled raster, refusing sizes that are not positive integers or exceed
 * {@link MAX_RASTER_ELEMENTS} elements (a corrupt header must never drive an allocation).
 *
 * @example
 * ```ts
 * const gray16 = createRaster(512, 512, 1, 'uint16');
 * ```
 */
export function createRaster<D extends RasterDtype = 'uint8'>(
  width: number,
  height: number,
  channels: number,
  dtype: D = 'uint8' as D,
): Raster<D> {
  for (const [k, v] of [
    ['width', width],
    ['height', height],
    ['channels', channels],
  ] as const) {
    if (!Number.isInteger(v) || v < 0) {
      throw new WsiError('InvalidArgument', `raster ${k} must be a non-negative integer, got ${v}`);
    }
  }
  const n = width * height * channels;
  if (n > MAX_RASTER_ELEMENTS) {
    throw new WsiError(
      'InvalidArgument',
      `raster of ${width}×${height}×${channels} exceeds ${MAX_RASTER_ELEMENTS} elements`,
    );
  }
  if (dtype !== 'uint8' && dtype !== 'uint16' && dtype !== 'float32') {
    throw new WsiError('InvalidArgument', `unknown raster dtype '${String(dtype)}'`);
  }
  let data: RasterArrays[D];
  try {
    data = (
      dtype === 'uint16' ? new Uint16Array(n) : dtype === 'float32' ? new Float32Array(n) : new Uint8Array(n)
    ) as RasterArrays[D];
  } catch (err) {
    throw new WsiError('InvalidArgument', `cannot allocate a ${width}×${height}×${channels} ${dtype} raster`, {
      cause: err,
    });
  }
  return { width, height, channels, dtype, data };
}
