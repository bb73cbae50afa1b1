import { describe, expect, it } from 'vitest';
import { bestLevelForDownsample, levelDownsample } from '../src/slide/levels.js';

describe('bestLevelForDownsample (OpenSlide 3.4.1 rule)', () => {
  // CMU-1.svs-like downsamples: non-integer ratios as OpenSlide reports them.
  const levels = [{ downsample: 1 }, { downsample: 4.000345 }, { downsample: 16.00237 }, { downsample: 32.01 }];

  it.each([
    [0.5, 0],
    [1, 0],
    [3.99, 0],
    [4, 0], // below 4.000345: OpenSlide does not round
    [4.000345, 1],
    [8, 1],
    [16.00237, 2],
    [20, 2],
    [32.01, 3],
    [1000, 3],
    [Number.NaN, 0],
  ])('downsample %d → level %d', (d, level) => {
    expect(bestLevelForDownsample(levels, d)).toBe(level);
  });

  it('handles no levels and the docs example', () => {
    expect(bestLevelForDownsample([], 4)).toBe(0);
    expect(bestLevelForDownsample([{ downsample: 1 }, { downsample: 4 }, { downsample: 16 }], 8)).toBe(1);
  });

  it('levelDownsample is the mean of the x and y ratios', () => {
    expect(levelDownsample(4443, 3567, 2221, 1783)).toBeCloseTo((4443 / 2221 + 3567 / 1783) / 2, 12);
    expect(levelDownsample(1000, 1000, 250, 250)).toBe(4);
  });
});
