/**
 * Per-patch quality-control measures from the pixels: tissue, background and pen-ink fractions (HSV rules), the
 * variance of the Laplacian over tissue (sharpness), mean luminance and clipped-bright / near-black fractions.
 * Thresholds are in docs/patcher.md ("Quality control").
 */
import { WsiError } from '@wsi/core';

/**
 * The measure columns of a `qc` row, in order (the stored dataset appends `flags`, see {@link QC_COLUMNS}).
 *
 * @example
 * ```ts
 * const i = QC_MEASURES.indexOf('pen'); // 2
 * ```
 */
export const QC_MEASURES = [
  'tissue',
  'background',
  'pen',
  'pen_green',
  'pen_blue',
  'pen_red',
  'pen_black',
  'laplacian_var',
  'luma_mean',
  'overexposed',
  'dark',
] as const;

/**
 * Name of one measure column.
 *
 * @example
 * ```ts
 * const m: QcMeasure = 'tissue';
 * ```
 */
export type QcMeasure = (typeof QC_MEASURES)[number];

/**
 * Pixels to measure: interleaved RGB or RGBA uint8 (a `Raster` of uint8 fits). Alpha 0 (outside the slide) counts as
 * background.
 *
 * @example
 * ```ts
 * const img: QcPixels = { width: 256, height: 256, channels: 4, data: raster.data as Uint8Array };
 * ```
 */
export interface QcPixels {
  width: number;
  height: number;
  channels: number;
  data: Uint8Array | Uint8ClampedArray;
}

/**
 * Reusable scratch buffers for {@link measurePatchInto} (grown on demand), so that scanning a slide allocates once.
 *
 * @example
 * ```ts
 * const scratch = new QcScratch();
 * for (const p of patches) measurePatchInto(p, out, k++ * QC_MEASURES.length, scratch);
 * ```
 */
export class QcScratch {
  luma = new Float32Array(0);
  /** Per-block sums: r, g, b, opaque pixels, all pixels. */
  blocks = new Float64Array(0);
  mask = new Uint8Array(0);
  ensure(pixels: number, blocks: number): void {
    if (this.luma.length < pixels) this.luma = new Float32Array(pixels);
    if (this.mask.length < blocks) {
      this.mask = new Uint8Array(blocks);
      this.blocks = new Float64Array(blocks * 5);
    }
  }
}

/**
 * Side of the colour-classification grid: pixels are classified in blocks of `b × b` averaged pixels, b chosen so
 * the grid is about 64 blocks wide whatever the read resolution (nuclei average out; pen strokes, background and
 * tissue do not), which makes the fractions comparable between full-resolution and downsampled reads.
 */
const GRID = 64;

/** HSV hue in degrees [0, 360) of a pixel with chroma c > 0. */
function hue(r: number, g: number, b: number, mx: number, c: number): number {
  let h: number;
  if (mx === r) h = (g - b) / c;
  else if (mx === g) h = (b - r) / c + 2;
  else h = (r - g) / c + 4;
  h *= 60;
  return h < 0 ? h + 360 : h;
}

/** Pixel classes (the `mask` values). */
const OUTSIDE = 0;
const BACKGROUND = 1;
const TISSUE = 2;
const PEN_GREEN = 3;
const PEN_BLUE = 4;
const PEN_RED = 5;
const PEN_BLACK = 6;
const OTHER = 7;

/**
 * Classifies one pixel (see docs/patcher.md for the rules).
 *
 * @example
 * ```ts
 * classifyPixel(20, 160, 120); // 3 (green ink)
 * ```
 */
export function classifyPixel(r: number, g: number, b: number): number {
  const mx = r > g ? (r > b ? r : b) : g > b ? g : b;
  const mn = r < g ? (r < b ? r : b) : g < b ? g : b;
  const c = mx - mn;
  if (mn >= 200 && c <= 25) return BACKGROUND;
  const s = mx > 0 ? c / mx : 0;
  if (mx < 60 && s < 0.4) return PEN_BLACK;
  if (s >= 0.25) {
    const h = hue(r, g, b, mx, c);
    if (h >= 70 && h < 200) return PEN_GREEN;
    if (h >= 200 && h < 245 && s >= 0.45) return PEN_BLUE;
    if ((h >= 345 || h < 15) && s >= 0.5) return PEN_RED;
  }
  if (s >= 0.08 || mx < 170) return TISSUE;
  return OTHER;
}

/**
 * Measures a patch into `out[offset … offset + QC_MEASURES.length)` (order of {@link QC_MEASURES}).
 *
 * @throws WsiError `InvalidArgument` when the pixel buffer does not match its size and channel count.
 * @example
 * ```ts
 * const row = new Float32Array(QC_MEASURES.length);
 * measurePatchInto({ width: 256, height: 256, channels: 4, data }, row, 0);
 * ```
 */
export function measurePatchInto(img: QcPixels, out: Float32Array, offset = 0, scratch = new QcScratch()): void {
  const { width: w, height: h, channels: ch, data } = img;
  if (!(ch === 3 || ch === 4) || !Number.isInteger(w) || !Number.isInteger(h) || data.length < w * h * ch) {
    throw new WsiError('InvalidArgument', `qc needs ${w}×${h} RGB or RGBA uint8 pixels, got ${data.length} bytes`);
  }
  const n = w * h;
  const b = Math.max(1, Math.floor(Math.min(w, h) / GRID));
  const bw = Math.ceil(w / b);
  const bh = Math.ceil(h / b);
  scratch.ensure(n, bw * bh);
  const { luma, mask, blocks } = scratch;
  blocks.fill(0, 0, bw * bh * 5);
  let lumaSum = 0;
  let inside = 0;
  let over = 0;
  let dark = 0;
  for (let y = 0, i = 0, p = 0; y < h; y++) {
    const rowBlock = Math.floor(y / b) * bw;
    for (let x = 0; x < w; x++, i++, p += ch) {
      const o = (rowBlock + Math.floor(x / b)) * 5;
      blocks[o + 4] = (blocks[o + 4] as number) + 1;
      if (ch === 4 && data[p + 3] === 0) {
        luma[i] = 255;
        continue;
      }
      const r = data[p] as number;
      const g = data[p + 1] as number;
      const bl = data[p + 2] as number;
      const yy = 0.299 * r + 0.587 * g + 0.114 * bl;
      luma[i] = yy;
      lumaSum += yy;
      inside++;
      if (r >= 250 && g >= 250 && bl >= 250) over++;
      if (yy < 40) dark++;
      blocks[o] = (blocks[o] as number) + r;
      blocks[o + 1] = (blocks[o + 1] as number) + g;
      blocks[o + 2] = (blocks[o + 2] as number) + bl;
      blocks[o + 3] = (blocks[o + 3] as number) + 1;
    }
  }
  const counts = new Float64Array(8);
  for (let k = 0, o = 0; k < bw * bh; k++, o += 5) {
    const opaque = blocks[o + 3] as number;
    const all = blocks[o + 4] as number;
    let cls = OUTSIDE;
    if (opaque * 2 >= all && opaque > 0) {
      cls = classifyPixel(
        Math.round((blocks[o] as number) / opaque),
        Math.round((blocks[o + 1] as number) / opaque),
        Math.round((blocks[o + 2] as number) / opaque),
      );
    }
    mask[k] = cls;
    counts[cls] = (counts[cls] as number) + all;
  }
  // variance of the 4-neighbour Laplacian at interior pixels of tissue blocks
  let m = 0;
  let sum = 0;
  let sum2 = 0;
  for (let y = 1; y < h - 1; y++) {
    const rowBlock = Math.floor(y / b) * bw;
    for (let x = 1, i = y * w + 1; x < w - 1; x++, i++) {
      if (mask[rowBlock + Math.floor(x / b)] !== TISSUE) continue;
      const l =
        (luma[i - 1] as number) +
        (luma[i + 1] as number) +
        (luma[i - w] as number) +
        (luma[i + w] as number) -
        4 * (luma[i] as number);
      m++;
      sum += l;
      sum2 += l * l;
    }
  }
  const inv = n > 0 ? 1 / n : 0;
  const pen = (counts[PEN_GREEN] as number) + (counts[PEN_BLUE] as number) + (counts[PEN_RED] as number);
  const penAll = pen + (counts[PEN_BLACK] as number);
  out[offset] = (counts[TISSUE] as number) * inv;
  out[offset + 1] = ((counts[BACKGROUND] as number) + (counts[OUTSIDE] as number)) * inv;
  out[offset + 2] = penAll * inv;
  out[offset + 3] = (counts[PEN_GREEN] as number) * inv;
  out[offset + 4] = (counts[PEN_BLUE] as number) * inv;
  out[offset + 5] = (counts[PEN_RED] as number) * inv;
  out[offset + 6] = (counts[PEN_BLACK] as number) * inv;
  out[offset + 7] = m >= 16 ? Math.max(0, sum2 / m - (sum / m) ** 2) : 0;
  out[offset + 8] = inside > 0 ? lumaSum / inside : 255;
  out[offset + 9] = over * inv;
  out[offset + 10] = dark * inv;
}

/**
 * The QC measures of one patch as an object.
 *
 * @example
 * ```ts
 * const q = measurePatch(raster); // { tissue: 0.83, background: 0.12, pen: 0, …, laplacian_var: 412 }
 * if (q.pen > 0.05) console.log('pen marks');
 * ```
 */
export function measurePatch(img: QcPixels): Record<QcMeasure, number> {
  const row = new Float32Array(QC_MEASURES.length);
  measurePatchInto(img, row, 0);
  const out = {} as Record<QcMeasure, number>;
  QC_MEASURES.forEach((name, i) => {
    out[name] = row[i] as number;
  });
  return out;
}
