import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSlide } from '../src/open.js';
import { HAVE_OPENSLIDE, LAYOUTS, type Layout, mad, oracle, writeLayouts } from './mirax-helpers.js';

type Reg = [number, number, number, number, number];

/** Regions at every level: the origin, a negative origin, camera-photo corners (seams) and odd offsets. */
function regionsFor(levels: readonly { width: number; height: number }[], positions: Int32Array): Reg[] {
  const regs: Reg[] = [];
  const photos = positions.length / 2;
  levels.forEach((l, li) => {
    regs.push([0, 0, li, Math.min(l.width, 300), Math.min(l.height, 300)]);
    regs.push([-37, -21, li, 120, 90]);
    for (const p of [1, Math.floor(photos / 2), photos - 1]) {
      // a window straddling the photo's top-left corner: four camera images meet there
      regs.push([positions[p * 2]! - 41, positions[p * 2 + 1]! - 29, li, 90, 70]);
    }
    regs.push([333, 251, li, 77, 61]);
  });
  return regs;
}

describe.skipIf(!HAVE_OPENSLIDE)('MIRAX reader vs OpenSlide 3.4.1 on generated slides', () => {
  let dir = '';
  let slides: Awaited<ReturnType<typeof writeLayouts>>['slides'];
  beforeAll(async () => {
    ({ dir, slides } = await writeLayouts());
  }, 120_000);
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it.each(LAYOUTS.map((l) => [l.name, l] as [string, Layout]))(
    '%s: levels, properties, associated images and pixels match',
    async (name) => {
      const written = slides.get(name)!;
      const slide = await openSlide(written.path);
      try {
        expect(slide.format).toBe('mirax');
        const regs = regionsFor(slide.levels, written.positions);
        const os = oracle(written.path, regs);
        expect(slide.levels.map((l) => [l.width, l.height])).toEqual(os.levels);
        expect(slide.levels.map((l) => l.downsample)).toEqual(os.downsamples);
        expect(slide.properties).toEqual(os.properties);
        expect(slide.mpp).toEqual({
          x: Number(os.properties['openslide.mpp-x']),
          y: Number(os.properties['openslide.mpp-y']),
        });
        expect([...slide.associatedImages].sort()).toEqual(Object.keys(os.associated).sort());
        for (const a of slide.associatedImages) {
          const img = await slide.readAssociatedImage(a);
          expect([img.width, img.height]).toEqual(os.associated[a]);
        }
        let off = 0;
        const figures: string[] = [];
        let worst = 0;
        for (const [x, y, level, w, h] of regs) {
          const ours = await slide.readRegion({ x, y, level, width: w, height: h });
          const ref = os.pixels.subarray(off, off + w * h * 4);
          off += w * h * 4;
          const m = mad(ours.data as Uint8Array, ref);
          worst = Math.max(worst, m);
          figures.push(`L${level}(${x},${y} ${w}x${h})=${m.toFixed(3)}`);
          expect(m, `level ${level} region (${x}, ${y}) ${w}×${h}`).toBeLessThanOrEqual(1.0);
        }
        console.log(`[mirax] ${name}: worst MAD ${worst.toFixed(3)} over ${regs.length} regions; ${figures.join(' ')}`);
      } finally {
        await slide.close();
      }
    },
    60_000,
  );
});
