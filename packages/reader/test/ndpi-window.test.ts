/**
 * NDPI page levels read regions through `NdpiPage.paintWindow`: exactly the restart intervals a region covers,
 * assembled into one JPEG and decoded cropped. Every pixel must equal the whole-page decode's — for 4:2:0 pages too,
 * where chroma upsampling reaches across interval seams — whatever the window (seams, page edges, one pixel, a
 * region large enough to be split into bands), with and without the MCU-start tag; and it must not go through the
 * tile cache (that is the point: a random read decodes ≈ its own pixels, not whole logical tiles).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Raster, Region } from '@wsi/core';
import { hasVipsCli, syntheticTissue, writeNdpi } from '@wsi/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jpegBackend, setJpegBackend } from '../src/decode/index.js';
import type { NdpiSlide } from '../src/formats/ndpi/index.js';
import { openSlide } from '../src/open.js';

const hasVips = hasVipsCli();

/** The pixels of `r` (level 0) cut from a whole-page decode. */
function crop(whole: Raster, r: Region): Uint8Array {
  const out = new Uint8Array(r.width * r.height * 4);
  for (let j = 0; j < r.height; j++) {
    const at = ((r.y + j) * whole.width + r.x) * 4;
    out.set((whole.data as Uint8Array).subarray(at, at + r.width * 4), j * r.width * 4);
  }
  return out;
}

function differing(a: Uint8Array, b: Uint8Array): number {
  expect(a.length).toBe(b.length);
  let n = 0;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) n++;
  return n;
}

describe.skipIf(!hasVips)('NDPI windows equal whole-page decodes (skipped without the vips CLI)', () => {
  let dir = '';
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'wsi-ndpi-window-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  for (const [chroma, w, h, tag] of [
    ['4:2:0', 2000, 1555, true],
    ['4:4:4', 1003, 611, true],
    ['4:2:0', 1000, 777, false],
  ] as const) {
    it(`${chroma} ${w}×${h}, ${tag ? 'MCU-start tag' : 'no tag (scanned)'}`, async () => {
      expect(await jpegBackend()).toBe('turbo');
      const path = join(dir, `${chroma.replace(':', '').replace(':', '')}-${w}-${tag}.ndpi`);
      await writeNdpi(path, {
        source: syntheticTissue({ width: w, height: h, seed: 5 }),
        chroma,
        pages: 1,
        intervalWidth: 64,
        macro: false,
        mcuStartsTag: tag,
      });
      const slide = (await openSlide(path)) as unknown as NdpiSlide;
      const { page } = slide.levelSource(0);
      const whole = await page.decodeWhole();
      const iw = page.intervalWidth;
      const mh = page.layout.mcuHeight;
      const regions: Region[] = [
        { x: 0, y: 0, level: 0, width: 256, height: 256 },
        { x: iw - 1, y: mh - 1, level: 0, width: 2, height: 2 }, // one pixel each side of a seam
        { x: 3 * iw - 5, y: 2 * mh + 3, level: 0, width: 200, height: 77 },
        { x: 5 * iw, y: 4 * mh, level: 0, width: iw, height: mh }, // exactly one interval
        { x: 123, y: 321, level: 0, width: 1, height: 1 },
        { x: w - 300, y: h - 200, level: 0, width: 300, height: 200 }, // the page's right and bottom edges
        { x: 0, y: 0, level: 0, width: w, height: h }, // the whole page: more than one band for 2000×1555
      ];
      for (const r of regions) {
        const got = await slide.readRegion(r);
        expect(differing(got.data as Uint8Array, crop(whole, r)), `${JSON.stringify(r)} vs the whole page`).toBe(0);
      }
      // none of it went through the tile cache
      expect(slide.tileCache.misses).toBe(0);
      expect(page.index?.scanned).toBe(!tag);
      await slide.close();
    }, 60_000);
  }

  it('another JPEG engine (no cropped decoding) reads the same regions through the tile path', async () => {
    const path = join(dir, 'engine.ndpi');
    await writeNdpi(path, {
      source: syntheticTissue({ width: 800, height: 600, seed: 9 }),
      pages: 1,
      intervalWidth: 64,
      macro: false,
    });
    const r: Region = { x: 100, y: 37, level: 0, width: 300, height: 200 };
    const a = (await openSlide(path)) as unknown as NdpiSlide;
    const windowed = await a.readRegion(r);
    expect(a.tileCache.misses).toBe(0);
    setJpegBackend('wasm');
    try {
      const b = (await openSlide(path)) as unknown as NdpiSlide;
      const tiled = await b.readRegion(r);
      expect(b.tileCache.misses).toBeGreaterThan(0);
      // 4:4:4 (writeNdpi's default): no chroma upsampling, so tiles and windows agree exactly
      expect(differing(windowed.data as Uint8Array, tiled.data as Uint8Array)).toBe(0);
      await b.close();
    } finally {
      setJpegBackend('turbo');
    }
    await a.close();
  }, 60_000);
});
