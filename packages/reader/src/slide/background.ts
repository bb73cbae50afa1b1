/**
 * Compositing an RGBA region onto an opaque background colour (the `background` read option), instead of
 * OpenSlide's transparent (0,0,0,0) outside the slide.
 */
import { type Raster, WsiError } from '@wsi/core';

/**
 * A background: `#rrggbb` / `rrggbb` (OpenSlide's `openslide.background-color` form) or `[r, g, b]` (0–255).
 *
 * @example
 * ```ts
 * const white: BackgroundColor = '#ffffff';
 * const grey: BackgroundColor = [240, 240, 240];
 * ```
 */
export type BackgroundColor = string | readonly [number, number, number];

/**
 * Parses a {@link BackgroundColor}; anything else → `InvalidArgument`.
 *
 * @example
 * ```ts
 * parseBackground('FFFFFF'); // [255, 255, 255]
 * ```
 */
export function parseBackground(c: BackgroundColor): [number, number, number] {
  if (typeof c === 'string') {
    const m = /^#?([0-9a-f]{6})$/i.exec(c.trim());
    if (!m) throw new WsiError('InvalidArgument', `background must be #rrggbb, got "${c}"`);
    const v = Number.parseInt(m[1] as string, 16);
    return [(v >> 16) & 255, (v >> 8) & 255, v & 255];
  }
  if (c.length !== 3 || !c.every((v) => Number.isInteger(v) && v >= 0 && v <= 255)) {
    throw new WsiError('InvalidArgument', `background must be three integers 0–255, got ${JSON.stringify(c)}`);
  }
  return [c[0], c[1], c[2]];
}

/**
 * Composites a straight-alpha RGBA uint8 raster onto an opaque colour, in place: every pixel becomes
 * `rgb·a + bg·(1 − a)` with alpha 255 (pixels outside the slide become the colour).
 *
 * @example
 * ```ts
 * compositeOnto(region, parseBackground('#ffffff'));
 * ```
 */
export function compositeOnto(r: Raster, bg: readonly [number, number, number]): void {
  if (r.channels !== 4 || r.dtype !== 'uint8') {
    throw new WsiError('InvalidArgument', `background needs an RGBA uint8 region, got ${r.channels} × ${r.dtype}`);
  }
  const d = r.data as Uint8Array;
  const [br, bgc, bb] = bg;
  for (let i = 0; i < d.length; i += 4) {
    const a = d[i + 3] as number;
    if (a === 255) continue;
    if (a === 0) {
      d[i] = br;
      d[i + 1] = bgc;
      d[i + 2] = bb;
    } else {
      const ia = 255 - a;
      d[i] = Math.round(((d[i] as number) * a + br * ia) / 255);
      d[i + 1] = Math.round(((d[i + 1] as number) * a + bgc * ia) / 255);
      d[i + 2] = Math.round(((d[i + 2] as number) * a + bb * ia) / 255);
    }
    d[i + 3] = 255;
  }
}

/**
 * Options of `readRegion` / `read`: an abort signal and an optional background to composite onto.
 *
 * @example
 * ```ts
 * const rgba = await slide.readRegion({ x: 0, y: 0, level: 0, width: 256, height: 256 }, { background: '#ffffff' });
 * ```
 */
export interface RegionReadOptions {
  signal?: AbortSignal;
  /** Composite onto this opaque colour (alpha becomes 255) instead of leaving outside pixels transparent. */
  background?: BackgroundColor;
}
