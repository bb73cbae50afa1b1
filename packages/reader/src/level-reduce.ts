/**
 * A whole level shrunk by an integer factor, read chunk by chunk: memory stays bounded by one chunk plus the
 * shrunk result however large the level is (a thumbnail of a single-level 100k × 100k slide).
 */
import { createRaster, type Raster, type Slide, type SlideReadOptions, WsiError } from '@wsi/core';

/** Side of the chunks read (about 4 Mpx, 16 MiB of RGBA), unless the level's tiles are larger. */
const CHUNK_SIDE = 2048;
/** Largest chunk that covers a whole big tile (32 Mpx, 128 MiB of RGBA). */
const MAX_CHUNK_PIXELS = 32 * 1024 * 1024;
/** Largest shrink factor: a bigger one would need a chunk of more than CHUNK_SIDE² pixels per output pixel. */
export const MAX_REDUCE_FACTOR = CHUNK_SIDE;

/**
 * Box-averages `level` by `factor` (each output pixel the mean of a `factor × factor` block; partial blocks at the
 * right and bottom edges average what they cover). Only uint8 rasters.
 *
 * @example
 * ```ts
 * const quarter = await reduceLevel(slide, 0, 4);
 * ```
 */
export async function reduceLevel(
  slide: Slide,
  level: number,
  factor: number,
  options: SlideReadOptions = {},
): Promise<Raster> {
  const l = slide.levels[level];
  if (!l) throw new WsiError('OutOfBounds', `level ${level} outside 0..${slide.levels.length - 1}`);
  if (!Number.isInteger(factor) || factor < 1 || factor > MAX_REDUCE_FACTOR) {
    throw new WsiError(
      'InvalidArgument',
      `reduction factor must be an integer in 1..${MAX_REDUCE_FACTOR}, got ${factor}`,
    );
  }
  const ow = Math.ceil(l.width / factor);
  const oh = Math.ceil(l.height / factor);
  // Chunks cover whole tiles when tiles are larger than CHUNK_SIDE (an NDPI page stored as one JPEG, a level with
  // one huge tile): otherwise every chunk would decode the same tile again. Past MAX_CHUNK_PIXELS, smaller chunks.
  const wholeTiles =
    (l.tileWidth > CHUNK_SIDE || l.tileHeight > CHUNK_SIDE) && l.tileWidth * l.tileHeight <= MAX_CHUNK_PIXELS;
  const side = (tile: number) =>
    wholeTiles && tile > CHUNK_SIDE
      ? factor * Math.ceil(tile / factor)
      : factor * Math.max(1, Math.floor(CHUNK_SIDE / factor));
  const stepX = side(l.tileWidth);
  const stepY = side(l.tileHeight);
  let out: Raster | undefined;
  let sums = new Float64Array(0);
  let counts = new Uint32Array(0);
  for (let cy = 0; cy < l.height; cy += stepY) {
    const chH = Math.min(stepY, l.height - cy);
    for (let cx = 0; cx < l.width; cx += stepX) {
      const chW = Math.min(stepX, l.width - cx);
      const r = await slide.readRegion(
        { x: Math.round(cx * l.downsample), y: Math.round(cy * l.downsample), level, width: chW, height: chH },
        options,
      );
      if (r.dtype !== 'uint8') throw new WsiError('InvalidArgument', `cannot reduce a ${r.dtype} level`);
      const c = r.channels;
      out ??= createRaster(ow, oh, c);
      const bw = Math.ceil(chW / factor);
      const bh = Math.ceil(chH / factor);
      if (sums.length < bw * bh * c) {
        sums = new Float64Array(bw * bh * c);
        counts = new Uint32Array(bw * bh);
      }
      sums.fill(0, 0, bw * bh * c);
      counts.fill(0, 0, bw * bh);
      const data = r.data as Uint8Array;
      for (let y = 0; y < chH; y++) {
        const by = Math.floor(y / factor) * bw;
        for (let x = 0; x < chW; x++) {
          const b = by + Math.floor(x / factor);
          counts[b] = (counts[b] as number) + 1;
          const s = (y * chW + x) * c;
          for (let k = 0; k < c; k++) sums[b * c + k] = (sums[b * c + k] as number) + (data[s + k] as number);
        }
      }
      const od = out.data as Uint8Array;
      const ox0 = cx / factor;
      const oy0 = cy / factor;
      for (let y = 0; y < bh; y++) {
        for (let x = 0; x < bw; x++) {
          const b = y * bw + x;
          const n = counts[b] as number;
          const o = ((oy0 + y) * ow + ox0 + x) * c;
          for (let k = 0; k < c; k++) od[o + k] = Math.round((sums[b * c + k] as number) / n);
        }
      }
    }
  }
  return out ?? createRaster(ow, oh, 4);
}
