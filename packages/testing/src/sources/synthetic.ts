/**
 * A deterministic, seeded, tissue-like H&E texture: pink stroma islands with purple nuclei on white glass.
 */
import { WsiError } from '@wsi/core';
import type { RgbSource } from '../tiff/source.js';
import { hash2, valueNoiseRow } from './noise.js';

/**
 * Options of {@link syntheticTissue}.
 *
 * @example
 * ```ts
 * const o: SyntheticTissueOptions = { width: 4096, height: 3072, seed: 7, tissueScale: 900 };
 * ```
 */
export interface SyntheticTissueOptions {
  width: number;
  height: number;
  /** Same seed, same pixels (default 1). */
  seed?: number;
  /** Size in pixels of tissue islands' features (default: a sixth of the short side, at least 400). */
  tissueScale?: number;
  /** Fraction of the area roughly covered by tissue, 0–1 (default 0.45). */
  tissueFraction?: number;
  /** Nucleus grid pitch in pixels (default 24). */
  nucleusPitch?: number;
}

const GLASS = [243, 242, 245] as const;
const STROMA = [232, 162, 196] as const;
const STROMA_DARK = [205, 120, 170] as const;
const NUCLEUS = [92, 58, 138] as const;

/**
 * A synthetic tissue texture of any size; each pixel is computed from its coordinates, so any region can be read
 * independently and a 50k × 40k slide costs no memory.
 *
 * @example
 * ```ts
 * const src = syntheticTissue({ width: 2048, height: 1536, seed: 3 });
 * const rgb = await src.read(0, 0, 256, 256);
 * ```
 */
export function syntheticTissue(
  options: SyntheticTissueOptions,
): RgbSource & { tissueAt(x: number, y: number): boolean } {
  const { width, height } = options;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new WsiError('InvalidArgument', `size must be positive integers, got ${width}x${height}`);
  }
  const seed = options.seed ?? 1;
  const scale = options.tissueScale ?? Math.max(400, Math.round(Math.min(width, height) / 6));
  const threshold = 1 - (options.tissueFraction ?? 0.45);
  const pitch = Math.max(8, options.nucleusPitch ?? 24);
  const coarse = new Float32Array(0);
  let rows = { coarse, coarse2: coarse, fine: coarse };
  const ensure = (w: number): void => {
    if (rows.coarse.length < w)
      rows = { coarse: new Float32Array(w), coarse2: new Float32Array(w), fine: new Float32Array(w) };
  };
  const mask = (c1: number, c2: number): number => {
    const v = 0.7 * c1 + 0.3 * c2;
    return Math.max(0, Math.min(1, (v - threshold) * 12 + 0.5));
  };
  return {
    width,
    height,
    tissueAt(x: number, y: number): boolean {
      ensure(1);
      valueNoiseRow(rows.coarse.subarray(0, 1), x, y, scale, seed);
      valueNoiseRow(rows.coarse2.subarray(0, 1), x, y, scale / 3, seed + 1);
      return mask(rows.coarse[0] as number, rows.coarse2[0] as number) > 0.5;
    },
    read(x0, y0, w, h) {
      if (x0 < 0 || y0 < 0 || w < 1 || h < 1 || x0 + w > width || y0 + h > height) {
        throw new WsiError('OutOfBounds', `region ${x0},${y0} ${w}x${h} outside ${width}x${height}`);
      }
      ensure(w);
      const out = new Uint8Array(w * h * 3);
      const c1 = rows.coarse.subarray(0, w);
      const c2 = rows.coarse2.subarray(0, w);
      const fine = rows.fine.subarray(0, w);
      for (let r = 0; r < h; r++) {
        const y = y0 + r;
        valueNoiseRow(c1, x0, y, scale, seed);
        valueNoiseRow(c2, x0, y, scale / 3, seed + 1);
        valueNoiseRow(fine, x0, y, 14, seed + 2);
        const cy = Math.floor(y / pitch);
        let o = r * w * 3;
        for (let i = 0; i < w; i++, o += 3) {
          const x = x0 + i;
          const m = mask(c1[i] as number, c2[i] as number);
          const grain = ((hash2(x, y, seed + 3) & 15) - 8) * 0.6;
          if (m <= 0) {
            out[o] = GLASS[0] + grain;
            out[o + 1] = GLASS[1] + grain;
            out[o + 2] = GLASS[2] + grain;
            continue;
          }
          const f = fine[i] as number;
          let red = STROMA[0] + (STROMA_DARK[0] - STROMA[0]) * f;
          let green = STROMA[1] + (STROMA_DARK[1] - STROMA[1]) * f;
          let blue = STROMA[2] + (STROMA_DARK[2] - STROMA[2]) * f;
          const cx = Math.floor(x / pitch);
          const hc = hash2(cx, cy, seed + 4);
          if ((hc & 255) < 150 * (c2[i] as number) + 40) {
            const rad = pitch * (0.16 + ((hc >>> 8) & 15) / 120);
            const ncx = cx * pitch + rad + (((hc >>> 12) & 255) / 255) * (pitch - 2 * rad);
            const ncy = cy * pitch + rad + (((hc >>> 20) & 255) / 255) * (pitch - 2 * rad);
            const d = Math.hypot(x + 0.5 - ncx, (y + 0.5 - ncy) * 1.2) / rad;
            if (d < 1) {
              const k = d < 0.75 ? 1 : (1 - d) * 4;
              red += (NUCLEUS[0] - red) * k;
              green += (NUCLEUS[1] - green) * k;
              blue += (NUCLEUS[2] - blue) * k;
            }
          }
          out[o] = GLASS[0] + (red - GLASS[0]) * m + grain;
          out[o + 1] = GLASS[1] + (green - GLASS[1]) * m + grain;
          out[o + 2] = GLASS[2] + (blue - GLASS[2]) * m + grain;
        }
      }
      return out;
    },
  };
}
