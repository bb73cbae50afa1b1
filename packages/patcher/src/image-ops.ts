/**
 * The pixel operations of CLAM's tissue segmentation on 8-bit images (typed arrays, one pass each): HSV saturation
 * as OpenCV computes it, a histogram median filter, Otsu's threshold, binary threshold and a separable
 * morphological close.
 */
import { type Raster, WsiError } from '@wsi/core';

/**
 * A single-channel 8-bit image.
 *
 * @example
 * ```ts
 * const g: GrayImage = { width: 2, height: 1, data: new Uint8Array([0, 255]) };
 * ```
 */
export interface GrayImage {
  width: number;
  height: number;
  data: Uint8Array;
}

const HSV_SHIFT = 12;
const SDIV = new Int32Array(256);
for (let v = 1; v < 256; v++) SDIV[v] = Math.round((255 << HSV_SHIFT) / v);

/**
 * The S channel of OpenCV's 8-bit RGB→HSV: `round(255 · (max − min) / max)` in OpenCV's fixed-point arithmetic
 * (0 where max is 0). Takes RGB or RGBA (alpha ignored, as `cv2.cvtColor(rgba, COLOR_RGB2HSV)`).
 *
 * @example
 * ```ts
 * const s = saturation(await readLevel(slide, level));
 * ```
 */
export function saturation(raster: Raster, out?: Uint8Array): GrayImage {
  if (raster.dtype !== 'uint8' || raster.channels < 3) {
    throw new WsiError(
      'InvalidArgument',
      `segmentation needs RGB(A) uint8 pixels, got ${raster.channels} × ${raster.dtype}`,
    );
  }
  const n = raster.width * raster.height;
  const src = raster.data as Uint8Array;
  const ch = raster.channels;
  const dst = out && out.length >= n ? out.subarray(0, n) : new Uint8Array(n);
  for (let i = 0, p = 0; i < n; i++, p += ch) {
    const r = src[p] as number;
    const g = src[p + 1] as number;
    const b = src[p + 2] as number;
    const v = r > g ? (r > b ? r : b) : g > b ? g : b;
    const m = r < g ? (r < b ? r : b) : g < b ? g : b;
    dst[i] = ((v - m) * (SDIV[v] as number) + (1 << (HSV_SHIFT - 1))) >> HSV_SHIFT;
  }
  return { width: raster.width, height: raster.height, data: dst };
}

/**
 * Median filter with a `k × k` window (k odd), border replicated (OpenCV's `medianBlur`), by a sliding
 * 256-bin histogram per row (Huang's method): O(k) per pixel.
 *
 * @example
 * ```ts
 * const blurred = medianBlur(s, 7);
 * ```
 */
export function medianBlur(img: GrayImage, k: number): GrayImage {
  if (!Number.isInteger(k) || k < 1 || k % 2 === 0)
    throw new WsiError('InvalidArgument', `median kernel must be an odd positive integer, got ${k}`);
  const { width: w, height: h, data } = img;
  const out = new Uint8Array(w * h);
  if (k === 1 || w === 0 || h === 0) {
    out.set(data);
    return { width: w, height: h, data: out };
  }
  const r = k >> 1;
  const half = (k * k) >> 1; // median is the (half)-th value, 0-based
  const hist = new Int32Array(256);
  const rows = new Int32Array(k);
  const cx = (x: number): number => (x < 0 ? 0 : x >= w ? w - 1 : x);
  for (let y = 0; y < h; y++) {
    for (let t = 0; t < k; t++) {
      const yy = y - r + t;
      rows[t] = (yy < 0 ? 0 : yy >= h ? h - 1 : yy) * w;
    }
    hist.fill(0);
    for (let dx = -r; dx <= r; dx++) {
      const xx = cx(dx);
      for (let t = 0; t < k; t++) {
        const v = data[(rows[t] as number) + xx] as number;
        hist[v] = (hist[v] as number) + 1;
      }
    }
    // find the median and the count of values below it
    let med = 0;
    let below = 0;
    while (below + (hist[med] as number) <= half) below += hist[med++] as number;
    out[y * w] = med;
    for (let x = 1; x < w; x++) {
      const xo = cx(x - r - 1);
      const xi = cx(x + r);
      if (xo !== xi) {
        for (let t = 0; t < k; t++) {
          const row = rows[t] as number;
          const vo = data[row + xo] as number;
          const vi = data[row + xi] as number;
          hist[vo] = (hist[vo] as number) - 1;
          if (vo < med) below--;
          hist[vi] = (hist[vi] as number) + 1;
          if (vi < med) below++;
        }
        // move the median pointer
        if (below > half) {
          do below -= hist[--med] as number;
          while (below > half);
        } else {
          while (below + (hist[med] as number) <= half) below += hist[med++] as number;
        }
      }
      out[y * w + x] = med;
    }
  }
  return { width: w, height: h, data: out };
}

/**
 * `threshold(medianBlur(img, k), t)` without computing the median: a pixel's median exceeds `t` exactly when more
 * than half of its `k × k` window (border replicated) exceeds `t` — a separable box count, O(1) per pixel.
 *
 * @example
 * ```ts
 * const mask = medianThreshold(s, 7, 8); // same as threshold(medianBlur(s, 7), 8)
 * ```
 */
export function medianThreshold(img: GrayImage, k: number, t: number): GrayImage {
  if (!Number.isInteger(k) || k < 1 || k % 2 === 0)
    throw new WsiError('InvalidArgument', `median kernel must be an odd positive integer, got ${k}`);
  const { width: w, height: h, data } = img;
  const r = k >> 1;
  const need = ((k * k) >> 1) + 1;
  // vertical counts per column over the replicated window, then a horizontal running sum
  const col = new Uint16Array(w);
  const above = new Uint8Array(w * h);
  for (let i = 0; i < w * h; i++) above[i] = (data[i] as number) > t ? 1 : 0;
  const out = new Uint8Array(w * h);
  if (w === 0 || h === 0) return { width: w, height: h, data: out };
  for (let dy = -r; dy <= r; dy++) {
    const row = (dy < 0 ? 0 : dy >= h ? h - 1 : dy) * w;
    for (let x = 0; x < w; x++) col[x] = (col[x] as number) + (above[row + x] as number);
  }
  for (let y = 0; y < h; y++) {
    if (y > 0) {
      const yo = (y - r - 1 < 0 ? 0 : y - r - 1) * w;
      const yi = (y + r >= h ? h - 1 : y + r) * w;
      for (let x = 0; x < w; x++) col[x] = (col[x] as number) - (above[yo + x] as number) + (above[yi + x] as number);
    }
    let sum = 0;
    for (let dx = -r; dx <= r; dx++) sum += col[dx < 0 ? 0 : dx >= w ? w - 1 : dx] as number;
    const base = y * w;
    out[base] = sum >= need ? 255 : 0;
    for (let x = 1; x < w; x++) {
      sum += (col[x + r >= w ? w - 1 : x + r] as number) - (col[x - r - 1 < 0 ? 0 : x - r - 1] as number);
      out[base + x] = sum >= need ? 255 : 0;
    }
  }
  return { width: w, height: h, data: out };
}

/**
 * Otsu's threshold of an 8-bit image (OpenCV's: the first level maximising the between-class variance).
 *
 * @example
 * ```ts
 * const t = otsuThreshold(blurred); // then pixels > t are foreground
 * ```
 */
export function otsuThreshold(img: GrayImage): number {
  const hist = new Float64Array(256);
  const n = img.data.length;
  if (n === 0) return 0;
  for (let i = 0; i < n; i++) {
    const v = img.data[i] as number;
    hist[v] = (hist[v] as number) + 1;
  }
  let mu = 0;
  for (let i = 0; i < 256; i++) {
    hist[i] = (hist[i] as number) / n;
    mu += i * (hist[i] as number);
  }
  let q1 = 0;
  let mu1 = 0; // running class-1 mean (kept as a weighted sum while a class is empty, as OpenCV)
  let best = 0;
  let bestSigma = 0;
  const eps = 1.1920928955078125e-7;
  for (let i = 0; i < 256; i++) {
    const p = hist[i] as number;
    mu1 *= q1;
    q1 += p;
    const q2 = 1 - q1;
    if (Math.min(q1, q2) < eps || Math.max(q1, q2) > 1 - eps) continue;
    mu1 = (mu1 + i * p) / q1;
    const mu2 = (mu - q1 * mu1) / q2;
    const sigma = q1 * q2 * (mu1 - mu2) * (mu1 - mu2);
    if (sigma > bestSigma) {
      bestSigma = sigma;
      best = i;
    }
  }
  return best;
}

/**
 * Binary threshold in place semantics of OpenCV's `THRESH_BINARY`: `v > t ? 255 : 0` (a new image).
 *
 * @example
 * ```ts
 * const mask = threshold(blurred, 8);
 * ```
 */
export function threshold(img: GrayImage, t: number): GrayImage {
  const out = new Uint8Array(img.data.length);
  for (let i = 0; i < out.length; i++) out[i] = (img.data[i] as number) > t ? 255 : 0;
  return { width: img.width, height: img.height, data: out };
}

/**
 * Dilate (any 255 in the window) or erode (all inside pixels 255) of a 0/255 mask along one axis over
 * `[i − a, i − a + k − 1]`, pixels outside the image ignored; running counts, row-contiguous in both directions.
 */
function morph1d(
  src: Uint8Array,
  dst: Uint8Array,
  w: number,
  h: number,
  k: number,
  horizontal: boolean,
  dilate: boolean,
  col: Int32Array,
): void {
  const a = k >> 1;
  if (horizontal) {
    for (let y = 0; y < h; y++) {
      const base = y * w;
      let cnt = 0;
      // window of x = 0 is [−a, k − 1 − a]
      for (let x = 0; x <= Math.min(w - 1, k - 1 - a); x++) cnt += src[base + x] ? 1 : 0;
      for (let x = 0; x < w; x++) {
        if (x > 0) {
          const xi = x - a + k - 1;
          const xo = x - a - 1;
          if (xi < w && src[base + xi]) cnt++;
          if (xo >= 0 && src[base + xo]) cnt--;
        }
        const len = Math.min(w - 1, x - a + k - 1) - Math.max(0, x - a) + 1;
        dst[base + x] = (dilate ? cnt > 0 : cnt === len) ? 255 : 0;
      }
    }
    return;
  }
  col.fill(0, 0, w);
  for (let y = 0; y <= Math.min(h - 1, k - 1 - a); y++)
    for (let x = 0; x < w; x++) if (src[y * w + x]) col[x] = (col[x] as number) + 1;
  for (let y = 0; y < h; y++) {
    if (y > 0) {
      const yi = y - a + k - 1;
      const yo = y - a - 1;
      if (yi < h) for (let x = 0, o = yi * w; x < w; x++) if (src[o + x]) col[x] = (col[x] as number) + 1;
      if (yo >= 0) for (let x = 0, o = yo * w; x < w; x++) if (src[o + x]) col[x] = (col[x] as number) - 1;
    }
    const len = Math.min(h - 1, y - a + k - 1) - Math.max(0, y - a) + 1;
    const base = y * w;
    for (let x = 0; x < w; x++) {
      const c = col[x] as number;
      dst[base + x] = (dilate ? c > 0 : c === len) ? 255 : 0;
    }
  }
}

/**
 * Morphological close (dilate then erode) of a 0/255 mask with a `k × k` square of ones, anchor at `k / 2`
 * (OpenCV's `morphologyEx(MORPH_CLOSE)` with its default border), separably in O(1) per pixel.
 *
 * @example
 * ```ts
 * const closed = closeMask(mask, 4);
 * ```
 */
export function closeMask(mask: GrayImage, k: number): GrayImage {
  if (!Number.isInteger(k) || k < 0)
    throw new WsiError('InvalidArgument', `close kernel must be a non-negative integer, got ${k}`);
  const { width: w, height: h } = mask;
  if (k <= 1) return { width: w, height: h, data: mask.data.slice() };
  const a = new Uint8Array(w * h);
  const b = new Uint8Array(w * h);
  const col = new Int32Array(w);
  morph1d(mask.data, a, w, h, k, true, true, col);
  morph1d(a, b, w, h, k, false, true, col);
  morph1d(b, a, w, h, k, true, false, col);
  morph1d(a, b, w, h, k, false, false, col);
  return { width: w, height: h, data: b };
}
