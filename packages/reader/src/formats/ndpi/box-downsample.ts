/**
 * Box downsampling of RGBA tiles by 2, 4 or 8: the stand-in for libjpeg's DCT scaling (`scale_denom`), which
 * OpenSlide 3.4.1 uses for the NDPI levels below the smallest page. At 1/8 the DCT output is each block's mean,
 * which is what a box average of the decoded block gives (up to rounding).
 */
import { createRaster, type Raster, WsiError } from '@wsi/core';

/**
 * Averages `factor`×`factor` blocks of an RGBA uint8 raster (partial blocks at the right/bottom edge average the
 * pixels they have). The result is `ceil(w / factor)`×`ceil(h / factor)`, alpha 255.
 *
 * @example
 * ```ts
 * const small = boxDownsample(tile, 4); // 3968×64 → 992×16
 * ```
 */
export function boxDownsample(src: Raster, factor: number): Raster {
  if (!Number.isInteger(factor) || factor < 1) throw new WsiError('InvalidArgument', `downsample factor ${factor}`);
  if (src.channels !== 4 || src.dtype !== 'uint8')
    throw new WsiError('InvalidArgument', 'boxDownsample needs RGBA uint8');
  const w = Math.ceil(src.width / factor);
  const h = Math.ceil(src.height / factor);
  const out = createRaster(w, h, 4, 'uint8');
  const s = src.data as Uint8Array;
  const d = out.data as Uint8Array;
  const sums = new Float64Array(w * 3);
  const counts = new Float64Array(w);
  for (let oy = 0; oy < h; oy++) {
    sums.fill(0);
    counts.fill(0);
    const y1 = Math.min(src.height, (oy + 1) * factor);
    for (let y = oy * factor; y < y1; y++) {
      let p = y * src.width * 4;
      for (let x = 0; x < src.width; x++, p += 4) {
        const ox = (x / factor) | 0;
        sums[ox * 3] = (sums[ox * 3] as number) + (s[p] as number);
        sums[ox * 3 + 1] = (sums[ox * 3 + 1] as number) + (s[p + 1] as number);
        sums[ox * 3 + 2] = (sums[ox * 3 + 2] as number) + (s[p + 2] as number);
        counts[ox] = (counts[ox] as number) + 1;
      }
    }
    let q = oy * w * 4;
    for (let ox = 0; ox < w; ox++, q += 4) {
      const n = counts[ox] as number;
      d[q] = Math.round((sums[ox * 3] as number) / n);
      d[q + 1] = Math.round((sums[ox * 3 + 1] as number) / n);
      d[q + 2] = Math.round((sums[ox * 3 + 2] as number) / n);
      d[q + 3] = 255;
    }
  }
  return out;
}
