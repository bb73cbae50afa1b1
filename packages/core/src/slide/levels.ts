import type { SlideLevel } from './slide.js';

/**
 * OpenSlide 3.4.1's `openslide_get_best_level_for_downsample`: level 0 when `downsample` is below level 0's;
 * otherwise the last level whose downsample is ≤ `downsample`.
 *
 * @example
 * ```ts
 * bestLevelForDownsample([{ downsample: 1 }, { downsample: 4 }, { downsample: 16 }], 8); // → 1
 * ```
 */
export function bestLevelForDownsample(levels: readonly Pick<SlideLevel, 'downsample'>[], downsample: number): number {
  if (levels.length === 0) return 0;
  if (!(downsample >= (levels[0] as SlideLevel).downsample)) return 0;
  for (let i = 1; i < levels.length; i++) {
    if (downsample < (levels[i] as SlideLevel).downsample) return i - 1;
  }
  return levels.length - 1;
}

/**
 * OpenSlide's downsample for a level: the mean of the x and y ratios to level 0.
 *
 * @example
 * ```ts
 * levelDownsample(4443, 3567, 2221, 1783); // → 2.00050…
 * ```
 */
export function levelDownsample(width0: number, height0: number, width: number, height: number): number {
  return (width0 / width + height0 / height) / 2;
}
