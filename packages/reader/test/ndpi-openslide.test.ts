/**
 * NDPI against OpenSlide 3.4.1: the NanoZoomer fixture and NDPI files written by @wsi/testing's `writeNdpi`
 * (4:4:4; restart intervals of 64, 32, 16 and 8 px). Page sizes are kept multiples of the 8-px MCU, as scanners
 * write them: OpenSlide 3.4.1 misplaces every row after the first when a page's width is not, and leaves a partial
 * last MCU row transparent (this reader decodes those pixels like a whole-page decode; see ndpi-robustness.test.ts).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Region } from '@wsi/core';
import { fixture, hasPythonModules, hasVipsCli, syntheticTissue, writeNdpi } from '@wsi/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jpegBackend } from '../src/decode/index.js';
import { NdpiSlide } from '../src/formats/ndpi/index.js';
import { openSlide } from '../src/open.js';
import { meanAbsDiff, openslideRead, randomRegions } from './helpers/oracle.js';

const oracle = hasPythonModules(['openslide', 'numpy']);
const FIXTURE = fixture('hamamatsu/test3-DAPI-2-387.ndpi');
const hasVips = hasVipsCli();

// The comparison runs on the default JPEG engine (libjpeg-turbo, bit-exact with the libjpeg OpenSlide uses).
console.info(`[ndpi] JPEG engine: ${await jpegBackend()}`);

/** Regions that straddle restart intervals, logical-tile seams and the page edges, at every level. */
function seamRegions(levels: readonly { width: number; height: number; downsample: number }[]): Region[] {
  const out: Region[] = [];
  levels.forEach((l, level) => {
    const ds = l.downsample;
    out.push({
      x: Math.round(37 * ds),
      y: Math.round(13 * ds) + 1,
      level,
      width: Math.min(300, l.width),
      height: Math.min(40, l.height),
    });
    out.push({ x: Math.round(195 * ds), y: Math.round(5 * ds), level, width: 20, height: 100 }); // across interval columns
    out.push({
      x: Math.round((l.width - 50) * ds),
      y: Math.round((l.height - 30) * ds),
      level,
      width: 120,
      height: 90,
    });
    out.push({ x: -Math.round(5 * ds), y: -Math.round(7 * ds), level, width: 64, height: 64 });
  });
  return out;
}

async function compare(path: string, label: string, seed: number): Promise<void> {
  const slide = await openSlide(path);
  expect(slide).toBeInstanceOf(NdpiSlide);
  const regions = [...randomRegions(slide.levels, seed, 4), ...seamRegions(slide.levels)];
  const ref = openslideRead(path, regions);
  expect(ref.info.vendor).toBe('hamamatsu');
  expect(slide.format).toBe('hamamatsu');
  expect(slide.levels.map((l) => [l.width, l.height])).toEqual(ref.info.levels.map((l) => [l.width, l.height]));
  slide.levels.forEach((l, i) => expect(l.downsample).toBeCloseTo(ref.info.levels[i]!.downsample, 12));
  expect([...slide.associatedImages].sort()).toEqual(ref.info.associated);
  for (const [k, v] of Object.entries(ref.info.properties)) {
    if (k === 'openslide.quickhash-1') continue;
    expect.soft(slide.properties[k], k).toBe(v);
  }
  expect(Object.keys(slide.properties).filter((k) => !(k in ref.info.properties))).toEqual([]);
  expect(slide.mpp?.x).toBeCloseTo(Number(ref.info.properties['openslide.mpp-x']), 12);
  expect(slide.objectivePower).toBe(Number(ref.info.properties['openslide.objective-power']));
  const worstByLevel = slide.levels.map(() => 0);
  const lines: string[] = [];
  for (let i = 0; i < regions.length; i++) {
    const r = regions[i]!;
    const d = meanAbsDiff((await slide.readRegion(r)).data as Uint8Array, ref.regions[i]!);
    worstByLevel[r.level] = Math.max(worstByLevel[r.level]!, ...d);
    lines.push(`L${r.level} (${r.x},${r.y}) ${r.width}×${r.height}: ${d.map((v) => v.toFixed(3)).join(' ')}`);
  }
  let worst = Math.max(...worstByLevel);
  for (const [n, img] of ref.associated) {
    const mine = await slide.readAssociatedImage(n);
    expect([mine.width, mine.height]).toEqual([img.width, img.height]);
    const d = meanAbsDiff(mine.data as Uint8Array, img.data as Uint8Array);
    worst = Math.max(worst, ...d);
    lines.push(`associated ${n}: ${d.map((v) => v.toFixed(3)).join(' ')}`);
  }
  console.log(
    `${label}: worst mean |Δ| per level ${worstByLevel.map((v) => v.toFixed(3)).join(' ')}\n  ${lines.join('\n  ')}`,
  );
  expect(worst).toBeLessThanOrEqual(1.0);
  await slide.close();
}

describe.skipIf(!FIXTURE || !oracle)(
  'hamamatsu/test3-DAPI-2-387.ndpi against OpenSlide 3.4.1 (skipped without the fixture or /usr/bin/python3 openslide)',
  () => {
    it('same levels, properties, mpp, macro and pixels (≤ 1.0 mean |Δ|) at all 7 levels', async () => {
      await compare(FIXTURE as string, 'test3-DAPI-2-387.ndpi', 4321);
    }, 120_000);
  },
);

describe.skipIf(!oracle || !hasVips)(
  'writeNdpi files against OpenSlide 3.4.1 (skipped without /usr/bin/python3 openslide or the vips CLI)',
  () => {
    let dir = '';
    beforeAll(() => {
      dir = mkdtempSync(join(tmpdir(), 'wsi-ndpi-'));
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it('a 3008×2240 slide with the MCU-start tag', async () => {
      const path = join(dir, 'tagged.ndpi');
      const w = await writeNdpi(path, {
        source: syntheticTissue({ width: 3008, height: 2240, seed: 9 }),
        intervalWidth: 256,
        objective: 20,
        mpp: 0.46,
      });
      expect(w.pages.map((p) => p.intervalWidth)).toEqual([64, 32, 16, 8, 0]); // the macro has no restart markers
      await compare(path, 'tagged.ndpi', 77);
    }, 180_000);

    it('a slide without the MCU-start tag (markers found by scanning)', async () => {
      const path = join(dir, 'untagged.ndpi');
      await writeNdpi(path, {
        source: syntheticTissue({ width: 2048, height: 1536, seed: 4 }),
        pages: 3,
        mcuStartsTag: false,
      });
      await compare(path, 'untagged.ndpi', 78);
      const slide = (await openSlide(path)) as unknown as NdpiSlide;
      await slide.readRegion({ x: 0, y: 0, level: 0, width: 16, height: 16 });
      expect(slide.levelSource(0).page.index?.scanned).toBe(true);
      await slide.close();
    }, 180_000);
  },
);
