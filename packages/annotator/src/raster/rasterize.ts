import type { AnnotationCollection } from '@wsi/core';
import type { AnnotationSet } from '../formats/geojson.js';
import { loadAnnotations } from '../io/annotations.js';
import { writeFileAtomic } from '../io/atomic.js';
import { type MaskPngOptions, writeMaskPng } from './mask-png.js';
import { MaskRasterizer } from './scanline.js';

/**
 * Options of {@link rasterizeAnnotations}: the mask's size and scale plus where to write it.
 *
 * @example
 * ```ts
 * const o: RasterizeOptions = { width: 2000, height: 1500, downsample: 16, out: 'mask.png', classes: ['Tumor'] };
 * ```
 */
export interface RasterizeOptions extends MaskPngOptions {
  /** Mask width in pixels (the chosen level's width). */
  width: number;
  /** Mask height in pixels. */
  height: number;
  /** Level-0 pixels per mask pixel (the level's downsample; `[x, y]` when they differ). */
  downsample: number | [number, number];
  /** Output PNG path. The legend is written beside it as `<stem>.legend.json`. */
  out: string;
  /** Fixed class order (value k = classes[k-1]); default: order of first appearance. */
  classes?: string[];
}

/**
 * The legend JSON written beside a mask.
 *
 * @example
 * ```ts
 * const legend: MaskLegend = JSON.parse(await readFile('mask.legend.json', 'utf8'));
 * legend.classes.map((c) => `${c.value}: ${c.name}`);
 * ```
 */
export interface MaskLegend {
  background: 0;
  classes: { value: number; name: string; color?: number[]; pixels?: number }[];
  width: number;
  height: number;
  downsample: number | [number, number];
  rule: 'pixel-centre';
}

/**
 * Result of {@link rasterizeAnnotations}.
 *
 * @example
 * ```ts
 * const { out, legendPath, legend }: RasterizeResult = await rasterizeAnnotations('a.geojson', options);
 * ```
 */
export interface RasterizeResult {
  out: string;
  legendPath: string;
  legend: MaskLegend;
  encoder: 'sharp' | 'stream';
  warnings: string[];
}

/**
 * `mask.png` → `mask.legend.json`.
 *
 * @example
 * ```ts
 * legendPathFor('out/mask.png'); // 'out/mask.legend.json'
 * ```
 */
export function legendPathFor(out: string): string {
  return `${out.replace(/\.png$/i, '')}.legend.json`;
}

/**
 * Rasterises annotations by class into an 8-bit PNG mask at any level (`wsi annotate rasterize`): 0 is
 * background, class k is k, a pixel is inside when its centre is, holes and multipolygons are exact, no
 * anti-aliasing, later features on top. Large masks are drawn band by band in bounded memory. Writes the
 * legend JSON beside the PNG; both writes are atomic.
 *
 * @example
 * ```ts
 * const lv = slide.levels[2];
 * await rasterizeAnnotations('tumor.geojson', { width: lv.width, height: lv.height, downsample: lv.downsample, out: 'mask.png' });
 * ```
 */
export async function rasterizeAnnotations(
  annotations: string | AnnotationCollection | AnnotationSet,
  options: RasterizeOptions,
): Promise<RasterizeResult> {
  const set = await loadAnnotations(annotations);
  const rasterizer = new MaskRasterizer(set.collection, {
    downsample: options.downsample,
    ...(options.classes ? { classes: options.classes } : {}),
  });
  const { encoder, counts } = await writeMaskPng(options.out, rasterizer, options, options);
  const colors = new Map<string, number[]>();
  for (const f of set.collection.features) {
    const c = f.properties?.classification;
    if (c?.color && !colors.has(c.name)) colors.set(c.name, [...c.color]);
  }
  const legend: MaskLegend = {
    background: 0,
    classes: rasterizer.classes.map((name, i) => ({
      value: i + 1,
      name,
      ...(colors.has(name) ? { color: colors.get(name) as number[] } : {}),
      ...(counts.length > 0 ? { pixels: counts[i + 1] as number } : {}),
    })),
    width: options.width,
    height: options.height,
    downsample: options.downsample,
    rule: 'pixel-centre',
  };
  const legendPath = legendPathFor(options.out);
  await writeFileAtomic(legendPath, `${JSON.stringify(legend, null, 2)}\n`);
  return { out: options.out, legendPath, legend, encoder, warnings: set.warnings };
}
