/**
 * Compression of one tile or strip of 8-bit pixels for the TIFF writer.
 */
import { promisify } from 'node:util';
import { deflate } from 'node:zlib';
import { WsiError } from '@wsi/core';
import sharp from 'sharp';
import type { Compression } from './constants.js';
import { lzwEncode } from './lzw.js';

const deflateAsync = promisify(deflate);

/**
 * How blocks (tiles or strips) of a page are compressed.
 *
 * @example
 * ```ts
 * const codec: BlockCodec = { compression: 'jpeg', quality: 90, chromaSubsampling: '4:2:0' };
 * ```
 */
export interface BlockCodec {
  compression: Compression;
  /** JPEG / WebP quality 1–100 (default 90). */
  quality?: number;
  /** JPEG chroma subsampling (default `4:2:0`, i.e. YCbCrSubSampling 2,2). */
  chromaSubsampling?: '4:2:0' | '4:4:4';
  /** Horizontal differencing (TIFF Predictor = 2) before Deflate/LZW. */
  predictor?: boolean;
  /** zlib level for Deflate (default 6). */
  deflateLevel?: number;
}

/** Applies TIFF horizontal differencing (Predictor 2, 8-bit samples) to a copy of the rows. */
export function horizontalDifference(pixels: Uint8Array, width: number, height: number, samples: number): Uint8Array {
  const out = new Uint8Array(pixels.length);
  const row = width * samples;
  for (let y = 0; y < height; y++) {
    const o = y * row;
    for (let i = 0; i < samples && i < row; i++) out[o + i] = pixels[o + i] as number;
    for (let i = samples; i < row; i++)
      out[o + i] = ((pixels[o + i] as number) - (pixels[o + i - samples] as number)) & 0xff;
  }
  return out;
}

/**
 * Compresses one block of interleaved 8-bit pixels (`width × height × samples` bytes).
 * JPEG and WebP go through sharp; Deflate through node:zlib; LZW through {@link lzwEncode}.
 *
 * @example
 * ```ts
 * const tile = await encodeBlock(new Uint8Array(256 * 256 * 3).fill(240), 256, 256, 3, { compression: 'jpeg' });
 * ```
 */
export async function encodeBlock(
  pixels: Uint8Array,
  width: number,
  height: number,
  samples: number,
  codec: BlockCodec,
): Promise<Uint8Array> {
  if (pixels.length < width * height * samples) {
    throw new WsiError('InvalidArgument', `block has ${pixels.length} bytes, expected ${width * height * samples}`);
  }
  const view = pixels.length === width * height * samples ? pixels : pixels.subarray(0, width * height * samples);
  const quality = codec.quality ?? 90;
  switch (codec.compression) {
    case 'none':
      return view;
    case 'deflate': {
      const src = codec.predictor ? horizontalDifference(view, width, height, samples) : view;
      return deflateAsync(src, { level: codec.deflateLevel ?? 6 });
    }
    case 'lzw': {
      const src = codec.predictor ? horizontalDifference(view, width, height, samples) : view;
      return lzwEncode(src);
    }
    case 'jpeg':
      return sharp(view, { raw: { width, height, channels: samples as 1 | 3 } })
        .jpeg({ quality, chromaSubsampling: codec.chromaSubsampling ?? '4:2:0' })
        .toBuffer();
    case 'webp':
      return sharp(view, { raw: { width, height, channels: samples as 1 | 3 } })
        .webp({ quality, lossless: quality >= 100 })
        .toBuffer();
    default:
      throw new WsiError('InvalidArgument', `unknown compression ${String(codec.compression)}`);
  }
}
