import { describe, expect, it } from 'vitest';
import { PAINT_CHUNK, paintChunks } from '../src/slide/region.js';

describe('paintChunks (OpenSlide 3.4.1 painting chunks)', () => {
  it('splits a wide region into 4096-px chunks whose level-0 origins step by 4096 × downsample', () => {
    const c = paintChunks(10, 20, 9000, 100, 2.5);
    expect(c.map((k) => [k.ox, k.x, k.w])).toEqual([
      [0, 10, PAINT_CHUNK],
      [4096, Math.trunc(10 + 4096 * 2.5), 4096],
      [8192, Math.trunc(10 + 8192 * 2.5), 9000 - 8192],
    ]);
    expect(c.every((k) => k.oy === 0 && k.y === 20 && k.h === 100)).toBe(true);
  });

  it('clips negative origins: the part left of / above 0 stays out of the painted window', () => {
    expect(paintChunks(-100, -7, 512, 300, 4)).toEqual([{ ox: 25, oy: 1, x: 0, y: 0, w: 487, h: 299 }]);
  });

  it('drops chunks that lie wholly before the origin', () => {
    expect(paintChunks(-5000, 0, 100, 100, 1)).toEqual([]);
  });
});
