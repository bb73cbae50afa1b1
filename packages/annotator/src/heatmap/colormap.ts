import { WsiError } from '@wsi/core';

/**
 * Colour maps for heatmaps.
 *
 * @example
 * ```ts
 * await renderHeatmap({ thumbnail, downsample: 32, scores: 'slide.scores.csv', out: 'heat.png', colormap: 'viridis' satisfies ColormapName });
 * ```
 */
export type ColormapName = 'jet' | 'viridis' | 'gray';

const STOPS: Record<ColormapName, [number, number, number, number][]> = {
  jet: [
    [0, 0, 0, 128],
    [0.125, 0, 0, 255],
    [0.375, 0, 255, 255],
    [0.625, 255, 255, 0],
    [0.875, 255, 0, 0],
    [1, 128, 0, 0],
  ],
  viridis: [
    [0, 68, 1, 84],
    [0.125, 71, 44, 122],
    [0.25, 59, 81, 139],
    [0.375, 44, 113, 142],
    [0.5, 33, 144, 141],
    [0.625, 39, 173, 129],
    [0.75, 92, 200, 99],
    [0.875, 170, 220, 50],
    [1, 253, 231, 37],
  ],
  gray: [
    [0, 0, 0, 0],
    [1, 255, 255, 255],
  ],
};

/**
 * A 256-entry RGB lookup table (`lut[3 * i + c]`) for a colour map.
 *
 * @example
 * ```ts
 * const lut = colormapLut('jet'); // lut[0..2] = dark blue, lut[765..767] = dark red
 * ```
 */
export function colormapLut(name: ColormapName = 'jet'): Uint8Array {
  const stops = STOPS[name];
  if (!stops) throw new WsiError('InvalidArgument', `unknown colormap '${String(name)}' (jet, viridis, gray)`);
  const lut = new Uint8Array(256 * 3);
  for (let i = 0; i < 256; i++) {
    const t = i / 255;
    let k = 0;
    while (k < stops.length - 2 && t > (stops[k + 1] as number[])[0]!) k++;
    const a = stops[k] as number[];
    const b = stops[k + 1] as number[];
    const u = Math.min(1, Math.max(0, (t - a[0]!) / (b[0]! - a[0]!)));
    for (let c = 0; c < 3; c++) lut[3 * i + c] = Math.round(a[c + 1]! + u * (b[c + 1]! - a[c + 1]!));
  }
  return lut;
}
