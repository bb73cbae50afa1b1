/**
 * Patch → model input: resize (bilinear, half-pixel centres), centre crop, scale, normalise and write straight into
 * a batch buffer in NCHW order — one pass, no intermediate image.
 */
import type { Raster } from '@wsi/core';
import { WsiError } from '@wsi/core';
import type { EncoderPreset } from './presets.js';

interface AxisMap {
  i0: Int32Array;
  i1: Int32Array;
  w: Float32Array;
}

function axisMap(src: number, resize: number, out: number): AxisMap {
  const offset = Math.floor((resize - out) / 2);
  const i0 = new Int32Array(out);
  const i1 = new Int32Array(out);
  const w = new Float32Array(out);
  const scale = src / resize;
  for (let o = 0; o < out; o++) {
    let p = (o + offset + 0.5) * scale - 0.5;
    if (p < 0) p = 0;
    if (p > src - 1) p = src - 1;
    const a = Math.floor(p);
    i0[o] = a;
    i1[o] = Math.min(a + 1, src - 1);
    w[o] = p - a;
  }
  return { i0, i1, w };
}

/**
 * Writes patches into a batch. Keeps the resampling tables of the last source size.
 *
 * @example
 * ```ts
 * const pre = new Preprocessor(getPreset('resnet50'));
 * const batch = new Float32Array(64 * pre.imageSize);
 * pre.write(raster, batch, 0); // image 0 of the batch
 * ```
 */
export class Preprocessor {
  /** Floats per image (3 × S × S). */
  readonly imageSize: number;
  private maps: { w: number; h: number; x: AxisMap; y: AxisMap } | undefined;
  private readonly mul: Float32Array;
  private readonly add: Float32Array;

  constructor(readonly preset: EncoderPreset) {
    const s = preset.inputSize;
    this.imageSize = 3 * s * s;
    // value = (p·scale − mean) / std = p·mul + add, per output channel (source channel chosen by channelOrder).
    this.mul = new Float32Array(3);
    this.add = new Float32Array(3);
    for (let c = 0; c < 3; c++) {
      this.mul[c] = preset.scale / (preset.std[c] as number);
      this.add[c] = -(preset.mean[c] as number) / (preset.std[c] as number);
    }
  }

  /**
   * Writes one RGB(A) uint8 raster as image `index` of `batch`.
   *
   * @throws WsiError `InvalidArgument` for a raster that is not uint8 with 3 or 4 channels, or a batch too small.
   */
  write(raster: Raster, batch: Float32Array, index: number): void {
    const { width, height, channels } = raster;
    if (raster.dtype !== 'uint8' || (channels !== 3 && channels !== 4)) {
      throw new WsiError('InvalidArgument', `patches must be RGB/RGBA uint8, got ${channels}×${raster.dtype}`);
    }
    const base = index * this.imageSize;
    if (base + this.imageSize > batch.length) throw new WsiError('InvalidArgument', `batch holds no image ${index}`);
    const s = this.preset.inputSize;
    const plane = s * s;
    if (this.maps?.w !== width || this.maps.h !== height) {
      this.maps = {
        w: width,
        h: height,
        x: axisMap(width, this.preset.resizeSize, s),
        y: axisMap(height, this.preset.resizeSize, s),
      };
    }
    const { x, y } = this.maps;
    const src = raster.data as Uint8Array;
    const rowStride = width * channels;
    const bgr = this.preset.channelOrder === 'BGR';
    const [m0, m1, m2] = this.mul as unknown as [number, number, number];
    const [a0, a1, a2] = this.add as unknown as [number, number, number];
    // Source channel of output plane 0 and 2 (1 is always green).
    const c0 = bgr ? 2 : 0;
    const c2 = bgr ? 0 : 2;
    const xa = x.i0;
    const xb = x.i1;
    const xw = x.w;
    for (let oy = 0; oy < s; oy++) {
      const r0 = (y.i0[oy] as number) * rowStride;
      const r1 = (y.i1[oy] as number) * rowStride;
      const wy = y.w[oy] as number;
      let o = base + oy * s;
      for (let ox = 0; ox < s; ox++, o++) {
        const a = (xa[ox] as number) * channels;
        const b = (xb[ox] as number) * channels;
        const wx = xw[ox] as number;
        // Bilinear weights of the 4 neighbours.
        const w11 = wx * wy;
        const w10 = wx - w11;
        const w01 = wy - w11;
        const w00 = 1 - wx - w01;
        const p00 = r0 + a;
        const p01 = r0 + b;
        const p10 = r1 + a;
        const p11 = r1 + b;
        batch[o] =
          ((src[p00 + c0] as number) * w00 +
            (src[p01 + c0] as number) * w10 +
            (src[p10 + c0] as number) * w01 +
            (src[p11 + c0] as number) * w11) *
            m0 +
          a0;
        batch[o + plane] =
          ((src[p00 + 1] as number) * w00 +
            (src[p01 + 1] as number) * w10 +
            (src[p10 + 1] as number) * w01 +
            (src[p11 + 1] as number) * w11) *
            m1 +
          a1;
        batch[o + 2 * plane] =
          ((src[p00 + c2] as number) * w00 +
            (src[p01 + c2] as number) * w10 +
            (src[p10 + c2] as number) * w01 +
            (src[p11 + c2] as number) * w11) *
            m2 +
          a2;
      }
    }
  }
}
