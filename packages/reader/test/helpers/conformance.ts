/**
 * One slide against OpenSlide 3.4.1: levels, downsamples, mpp, associated images, properties and random regions
 * at every level (inside, straddling, outside, sub-pixel), as per-channel mean absolute differences.
 */
import { expect } from 'vitest';
import { openSlide } from '../../src/open.js';
import { meanAbsDiff, openslideRead, randomRegions } from './oracle.js';

/** Properties not compared (quickhash-1 is not computed). */
const SKIP = new Set(['openslide.quickhash-1']);

export interface ConformanceResult {
  worst: number;
  lines: string[];
  levels: number;
}

/** Runs every check with vitest expectations and returns the worst per-channel mean |Δ| and one line per read. */
export async function compareWithOpenSlide(path: string, seed = 1234, perLevel = 8): Promise<ConformanceResult> {
  const slide = await openSlide(path);
  try {
    const regions = [
      ...randomRegions(slide.levels, seed, perLevel),
      ...slide.levels.map((l, level) => ({
        x: 3,
        y: 5,
        level,
        width: Math.min(200, l.width),
        height: Math.min(200, l.height),
      })),
    ];
    const ref = openslideRead(path, regions);
    expect(slide.format).toBe(ref.info.vendor);
    expect(slide.levels.map((l) => [l.width, l.height])).toEqual(ref.info.levels.map((l) => [l.width, l.height]));
    slide.levels.forEach((l, i) => expect(l.downsample).toBeCloseTo(ref.info.levels[i]!.downsample, 12));
    expect([...slide.associatedImages].sort()).toEqual(ref.info.associated);
    for (const [k, v] of Object.entries(ref.info.properties)) {
      if (SKIP.has(k)) continue;
      expect.soft(slide.properties[k], k).toBe(v);
    }
    const extra = Object.keys(slide.properties).filter(
      (k) => !(k in ref.info.properties) && k !== 'openslide.icc-size',
    );
    expect(extra).toEqual([]);
    if (ref.info.properties['openslide.mpp-x']) {
      expect(slide.mpp?.x).toBeCloseTo(Number(ref.info.properties['openslide.mpp-x']), 9);
      expect(slide.mpp?.y).toBeCloseTo(Number(ref.info.properties['openslide.mpp-y']), 9);
    } else expect(slide.mpp).toBeUndefined();
    let worst = 0;
    const lines: string[] = [];
    for (let i = 0; i < regions.length; i++) {
      const r = regions[i]!;
      const mine = await slide.readRegion(r);
      const d = meanAbsDiff(mine.data as Uint8Array, ref.regions[i]!);
      worst = Math.max(worst, ...d);
      lines.push(`L${r.level} (${r.x},${r.y}) ${r.width}×${r.height}: ${d.map((v) => v.toFixed(3)).join(' ')}`);
    }
    for (const [n, img] of ref.associated) {
      const mine = await slide.readAssociatedImage(n);
      expect([mine.width, mine.height]).toEqual([img.width, img.height]);
      const d = meanAbsDiff(mine.data as Uint8Array, img.data as Uint8Array);
      worst = Math.max(worst, ...d);
      lines.push(`associated ${n} ${img.width}×${img.height}: ${d.map((v) => v.toFixed(3)).join(' ')}`);
    }
    return { worst, lines, levels: slide.levels.length };
  } finally {
    await slide.close();
  }
}
