import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { finished } from 'node:stream/promises';
import { constants, crc32, createDeflate } from 'node:zlib';
import { MAX_RASTER_ELEMENTS, toWsiError, WsiError } from '@wsi/core';
import sharp from 'sharp';
import { tempPathFor } from '../io/atomic.js';
import type { MaskRasterizer } from './scanline.js';

/**
 * Options of {@link writeMaskPng}.
 *
 * @example
 * ```ts
 * const o: MaskPngOptions = { bandRows: 512, countPixels: true };
 * ```
 */
export interface MaskPngOptions {
  /** Rows rasterised at a time (bounds memory to `width × bandRows` bytes when streaming). Default 256. */
  bandRows?: number;
  /** Masks up to this many pixels are built in memory and encoded with sharp; larger ones are streamed. Default 2^28. */
  maxInMemoryPixels?: number;
  /** Count pixels per class value (one pass over each band). Default true. */
  countPixels?: boolean;
  /** zlib level for the streamed encoder (0–9). Default 6. */
  compressionLevel?: number;
  signal?: AbortSignal;
}

/**
 * What {@link writeMaskPng} wrote.
 *
 * @example
 * ```ts
 * const { encoder, counts }: MaskPngResult = await writeMaskPng('mask.png', rasterizer, { width, height });
 * ```
 */
export interface MaskPngResult {
  /** `'sharp'` (in memory) or `'stream'` (band by band). */
  encoder: 'sharp' | 'stream';
  /** Pixels per class value 0..255 (empty when not counted). */
  counts: number[];
}

function chunk(type: string, data: Uint8Array): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(data, crc32(head.subarray(4))) >>> 0, 0);
  return Buffer.concat([head, data, crc]);
}

/**
 * Writes the rasteriser's mask of `width × height` pixels as an 8-bit grayscale PNG, atomically. Masks up to
 * `maxInMemoryPixels` are encoded with sharp; larger ones are streamed band by band through zlib, so memory
 * stays at one band whatever the mask size.
 *
 * @example
 * ```ts
 * await writeMaskPng('mask.png', new MaskRasterizer(coll, { downsample: 4 }), { width: 5000, height: 4000 });
 * ```
 */
export async function writeMaskPng(
  path: string,
  rasterizer: MaskRasterizer,
  size: { width: number; height: number },
  options: MaskPngOptions = {},
): Promise<MaskPngResult> {
  const { width, height } = size;
  for (const [k, v] of [
    ['width', width],
    ['height', height],
  ] as const) {
    if (!Number.isInteger(v) || v <= 0 || v > 2 ** 31 - 1)
      throw new WsiError('InvalidArgument', `mask ${k} must be a positive integer, got ${v}`);
  }
  const bandRows = Math.max(1, Math.min(height, options.bandRows ?? 256, Math.floor(MAX_RASTER_ELEMENTS / width)));
  const countPixels = options.countPixels ?? true;
  const counts = countPixels ? new Array<number>(256).fill(0) : [];
  const count = (b: Uint8Array) => {
    if (!countPixels) return;
    const c = new Float64Array(256);
    for (let i = 0; i < b.length; i++) {
      const v = b[i] as number;
      c[v] = (c[v] as number) + 1;
    }
    for (let k = 0; k < 256; k++) counts[k] = (counts[k] as number) + (c[k] as number);
  };
  const tmp = tempPathFor(path);
  try {
    if (width * height <= (options.maxInMemoryPixels ?? 2 ** 28)) {
      const full = new Uint8Array(width * height);
      for (let y = 0; y < height; y += bandRows) {
        if (options.signal?.aborted) throw new WsiError('Aborted', 'the operation was aborted');
        const rows = Math.min(bandRows, height - y);
        const band = full.subarray(y * width, (y + rows) * width);
        rasterizer.tile({ x: 0, y, width, height: rows }, band);
        count(band);
      }
      await sharp(full, { raw: { width, height, channels: 1 }, limitInputPixels: false })
        .toColourspace('b-w')
        .png({ compressionLevel: 6 })
        .toFile(tmp);
      await rename(tmp, path);
      return { encoder: 'sharp', counts };
    }
    // rows are rasterised straight into PNG scanline layout: a filter byte (0 = None, left by the clear)
    // before each row, so the band goes to zlib without another copy
    const stride = width + 1;
    const filtered = new Uint8Array(stride * bandRows);
    const out = createWriteStream(tmp);
    const deflate = createDeflate({
      level: options.compressionLevel ?? 6,
      strategy: constants.Z_RLE,
      chunkSize: 1 << 20,
    });
    const outDone = finished(out);
    const deflateDone = finished(deflate);
    try {
      const ihdr = Buffer.alloc(13);
      ihdr.writeUInt32BE(width, 0);
      ihdr.writeUInt32BE(height, 4);
      ihdr[8] = 8; // bit depth
      ihdr[9] = 0; // grayscale
      out.write(Buffer.concat([Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]), chunk('IHDR', ihdr)]));
      deflate.on('data', (d: Buffer) => {
        if (!out.write(chunk('IDAT', d))) {
          deflate.pause();
          out.once('drain', () => deflate.resume());
        }
      });
      for (let y = 0; y < height; y += bandRows) {
        if (options.signal?.aborted) throw new WsiError('Aborted', 'the operation was aborted');
        const n = Math.min(bandRows, height - y);
        rasterizer.tile({ x: 0, y, width, height: n }, filtered.subarray(1), stride);
        if (countPixels) for (let r = 0; r < n; r++) count(filtered.subarray(r * stride + 1, (r + 1) * stride));
        // the write callback runs once zlib has consumed the chunk, so the buffer can be reused
        await new Promise<void>((resolve, reject) => {
          deflate.write(filtered.subarray(0, n * stride), (err) => (err ? reject(err) : resolve()));
        });
      }
      deflate.end();
      await deflateDone;
      out.end(chunk('IEND', new Uint8Array(0)));
      await outDone;
    } catch (err) {
      deflate.destroy();
      out.destroy();
      await Promise.allSettled([outDone, deflateDone]);
      throw err;
    }
    await rename(tmp, path);
    return { encoder: 'stream', counts };
  } catch (err) {
    await rm(tmp, { force: true });
    throw toWsiError(err, `cannot write mask ${path}`);
  }
}
