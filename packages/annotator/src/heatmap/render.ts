import { mkdir, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { PatchScores, Raster } from '@wsi/core';
import { toWsiError, WsiError } from '@wsi/core';
import sharp, { type OverlayOptions } from 'sharp';
import { formatGeoJson } from '../formats/geojson.js';
import { tempPathFor, writeFileAtomic } from '../io/atomic.js';
import { readScoresH5 } from '../labels/labels-h5.js';
import { type ColormapName, colormapLut } from './colormap.js';
import { readScoresCsv, scoresToGeoJsonTiles } from './scores.js';

/**
 * Options of {@link renderHeatmap} (`wsi heatmap`).
 *
 * @example
 * ```ts
 * const o: HeatmapOptions = { thumbnail, downsample: 32, scores: 'slide.scores.csv', patchSize: 512, out: 'heat.png', alpha: 0.5 };
 * ```
 */
export interface HeatmapOptions {
  /** The slide thumbnail (RGBA or RGB uint8; alpha 0 is drawn white). */
  thumbnail: Raster;
  /** Level-0 pixels per thumbnail pixel. */
  downsample: number;
  /** Scores, or the path of a `<name>.scores.csv` or an h5 with `coords` + `scores`. */
  scores: PatchScores | string;
  /** Patch side in level-0 pixels (the coords file's `patch_size_level0`); default `scores.patchSizeLevel0`. */
  patchSize?: number;
  /** Overlay PNG path. */
  out: string;
  /** Also write QuPath GeoJSON tiles here. */
  geojson?: string;
  /** Score column to draw (default the first). */
  column?: string;
  colormap?: ColormapName;
  /** Overlay opacity 0..1 (default 0.5). */
  alpha?: number;
  /** Colour scale limits (default the scores' min and max). */
  vmin?: number;
  vmax?: number;
  /** Draw a colour bar on the right (default true). */
  colorbar?: boolean;
}

/**
 * Result of {@link renderHeatmap}.
 *
 * @example
 * ```ts
 * const { out, vmin, vmax, patches }: HeatmapResult = await renderHeatmap(options);
 * ```
 */
export interface HeatmapResult {
  out: string;
  geojson?: string;
  width: number;
  height: number;
  vmin: number;
  vmax: number;
  patches: number;
  column: string;
}

/**
 * Width added on the right for the colour bar.
 *
 * @example
 * ```ts
 * const overlayWidth = thumbnail.width + COLORBAR_WIDTH;
 * ```
 */
export const COLORBAR_WIDTH = 80;

/**
 * Draws per-patch scores as a colour-mapped overlay on a thumbnail (overlapping patches averaged, pixel-centre
 * rule, at least one pixel per patch) with a colour bar, and optionally writes the scores as QuPath GeoJSON
 * tiles (`objectType: 'tile'`, score in `measurements`). Both writes are atomic.
 *
 * @example
 * ```ts
 * await renderHeatmap({ thumbnail, downsample: 32, scores: 'slide.scores.csv', patchSize: 512, out: 'heat.png' });
 * ```
 */
export async function renderHeatmap(options: HeatmapOptions): Promise<HeatmapResult> {
  const { thumbnail: th, downsample: ds } = options;
  if (th.dtype !== 'uint8' || (th.channels !== 3 && th.channels !== 4)) {
    throw new WsiError('InvalidArgument', 'thumbnail must be an RGB or RGBA uint8 raster');
  }
  if (!(ds > 0)) throw new WsiError('InvalidArgument', `downsample must be positive, got ${ds}`);
  const src = options.scores;
  const scores =
    typeof src !== 'string' ? src : /\.h5$/i.test(src) ? await readScoresH5(src) : await readScoresCsv(src);
  const patchSize = options.patchSize ?? scores.patchSizeLevel0;
  if (patchSize === undefined || !(patchSize > 0)) {
    throw new WsiError('InvalidArgument', 'patch size unknown: pass patchSize (the coords file patch_size_level0)');
  }
  const column = options.column ?? (scores.columns[0] as string);
  const col = scores.columns.indexOf(column);
  if (col < 0) throw new WsiError('InvalidArgument', `score column '${column}' not in ${scores.columns.join(', ')}`);
  const C = scores.columns.length;
  const n = scores.coords.length / 2;
  let lo = Infinity;
  let hi = -Infinity;
  for (let p = 0; p < n; p++) {
    const v = scores.scores[p * C + col] as number;
    if (Number.isNaN(v)) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  const vmin = options.vmin ?? (Number.isFinite(lo) ? lo : 0);
  const vmax = options.vmax ?? (Number.isFinite(hi) ? hi : 1);
  const { width: w, height: h } = th;
  const sum = new Float32Array(w * h);
  const cnt = new Uint16Array(w * h);
  for (let p = 0; p < n; p++) {
    const v = scores.scores[p * C + col] as number;
    if (Number.isNaN(v)) continue;
    const x = scores.coords[2 * p] as number;
    const y = scores.coords[2 * p + 1] as number;
    const i0 = Math.max(0, Math.ceil(x / ds - 0.5));
    const j0 = Math.max(0, Math.ceil(y / ds - 0.5));
    const i1 = Math.min(w, Math.max(Math.ceil((x + patchSize) / ds - 0.5), Math.ceil(x / ds - 0.5) + 1));
    const j1 = Math.min(h, Math.max(Math.ceil((y + patchSize) / ds - 0.5), Math.ceil(y / ds - 0.5) + 1));
    for (let j = j0; j < j1; j++) {
      for (let i = i0; i < i1; i++) {
        sum[j * w + i] = (sum[j * w + i] as number) + v;
        cnt[j * w + i] = Math.min(65535, (cnt[j * w + i] as number) + 1);
      }
    }
  }
  const lut = colormapLut(options.colormap ?? 'jet');
  const alpha = options.alpha ?? 0.5;
  const bar = options.colorbar ?? true;
  const W = w + (bar ? COLORBAR_WIDTH : 0);
  const rgb = new Uint8Array(W * h * 3).fill(255);
  const span = vmax > vmin ? vmax - vmin : 1;
  const ch = th.channels;
  for (let j = 0; j < h; j++) {
    for (let i = 0; i < w; i++) {
      const s = j * w + i;
      const d = (j * W + i) * 3;
      const a = ch === 4 ? (th.data[s * 4 + 3] as number) / 255 : 1;
      const c = cnt[s] as number;
      const k = c > 0 ? 3 * Math.round(255 * Math.min(1, Math.max(0, ((sum[s] as number) / c - vmin) / span))) : 0;
      for (let q = 0; q < 3; q++) {
        const base = (th.data[s * ch + q] as number) * a + 255 * (1 - a);
        rgb[d + q] = Math.round(c > 0 ? base * (1 - alpha) + (lut[k + q] as number) * alpha : base);
      }
    }
  }
  const composites: OverlayOptions[] = [];
  if (bar) {
    const top = Math.min(10, Math.floor(h / 10));
    const bh = Math.max(1, h - 2 * top);
    for (let r = 0; r < bh; r++) {
      const k = 3 * Math.round(255 * (bh === 1 ? 1 : 1 - r / (bh - 1)));
      for (let i = w + 10; i < w + 30; i++) rgb.set(lut.subarray(k, k + 3), ((top + r) * W + i) * 3);
    }
    if (h >= 24) {
      const fmt = (v: number) =>
        Math.abs(v) >= 1000 || (Math.abs(v) < 0.01 && v !== 0) ? v.toExponential(1) : String(Number(v.toFixed(3)));
      const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${COLORBAR_WIDTH - 32}" height="${h}"><g font-family="sans-serif" font-size="11" fill="#000"><text x="0" y="${top + 10}">${fmt(vmax)}</text><text x="0" y="${top + bh}">${fmt(vmin)}</text></g></svg>`;
      composites.push({ input: Buffer.from(svg), left: w + 32, top: 0 });
    }
  }
  const tmp = tempPathFor(options.out);
  try {
    await mkdir(dirname(options.out), { recursive: true });
    let img = sharp(rgb, { raw: { width: W, height: h, channels: 3 }, limitInputPixels: false });
    if (composites.length > 0) img = img.composite(composites);
    await img.png().toFile(tmp);
    await rename(tmp, options.out);
  } catch (err) {
    await rm(tmp, { force: true });
    throw toWsiError(err, `cannot write heatmap ${options.out}`);
  }
  if (options.geojson !== undefined) {
    await writeFileAtomic(options.geojson, formatGeoJson(scoresToGeoJsonTiles(scores, patchSize)));
  }
  return {
    out: options.out,
    ...(options.geojson !== undefined ? { geojson: options.geojson } : {}),
    width: W,
    height: h,
    vmin,
    vmax,
    patches: n,
    column,
  };
}
