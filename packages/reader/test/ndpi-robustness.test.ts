/**
 * NDPI robustness without the OpenSlide oracle: wrong or missing MCU-start tags, truncated scan data and missing
 * restart markers give the right pixels (by scanning) or a typed `WsiError` — never a hang; logical tiles built from
 * restart intervals equal a whole-page decode, whatever the grouping, for 4:4:4 and 4:2:0 pages and pages whose
 * size is not a whole number of MCUs.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isWsiError, MemorySource, type Raster } from '@wsi/core';
import { fixture, hasVipsCli, syntheticTissue, writeNdpi } from '@wsi/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NDPI_TAG, type NdpiSlide, ndpiFormat } from '../src/formats/ndpi/index.js';
import { openSlide } from '../src/open.js';
import { parseTiff } from '../src/tiff/parser.js';

const FIXTURE = fixture('hamamatsu/test3-DAPI-2-387.ndpi');
const hasVips = hasVipsCli();

async function open(bytes: Uint8Array, grouping?: { targetPixels?: number; targetWidth?: number }): Promise<NdpiSlide> {
  const source = new MemorySource(bytes, 'mem.ndpi');
  const head = bytes.subarray(0, 65536);
  expect(await ndpiFormat.detect({ head, source })).toBe(true);
  return (await ndpiFormat.open({ head, source }, grouping ? { ndpiGrouping: grouping } : {})) as NdpiSlide;
}

function mad(a: Raster, b: Raster): number {
  const x = a.data as Uint8Array;
  const y = b.data as Uint8Array;
  expect(x.length).toBe(y.length);
  let s = 0;
  for (let i = 0; i < x.length; i++) s += Math.abs((x[i] as number) - (y[i] as number));
  return s / x.length;
}

/** Tiles (middle tile row, last tile row) of each page level vs the same pixels of one decode of the page. */
async function expectTilesMatchWholePages(slide: NdpiSlide, tolerance = 0.05, fromLevel = 0): Promise<void> {
  for (let level = fromLevel; level < slide.levels.length; level++) {
    const { page, scale } = slide.levelSource(level);
    if (scale !== 1) continue;
    const whole = await page.decodeWhole();
    const lvl = slide.levels[level]!;
    const down = Math.ceil(lvl.height / lvl.tileHeight);
    const across = Math.ceil(lvl.width / lvl.tileWidth);
    for (const row of new Set([Math.floor(down / 2), down - 1])) {
      for (let col = 0; col < across; col++) {
        const tile = await slide.readTile(level, col, row);
        const x0 = col * lvl.tileWidth;
        const y0 = row * lvl.tileHeight;
        const crop = new Uint8Array(tile.width * tile.height * 4);
        for (let r = 0; r < tile.height; r++) {
          const at = ((y0 + r) * page.width + x0) * 4;
          crop.set((whole.data as Uint8Array).subarray(at, at + tile.width * 4), r * tile.width * 4);
        }
        expect(mad(tile, { ...tile, data: crop }), `level ${level} tile (${col}, ${row})`).toBeLessThan(tolerance);
      }
    }
  }
}

/** Little-endian uint32 view of a tag's values in a copy of the file. */
async function tagValues(bytes: Uint8Array, dir: number, tag: number): Promise<{ at: number; count: number }> {
  const tiff = await parseTiff(new MemorySource(bytes));
  const e = tiff.ifds[dir]!.entries.get(tag)!;
  return { at: e.valueOffset, count: e.count };
}

describe.skipIf(!FIXTURE)('NDPI fixture bytes, damaged (skipped without ../shared/fixtures)', () => {
  const original = FIXTURE ? new Uint8Array(readFileSync(FIXTURE)) : new Uint8Array();
  const region = { x: 1000, y: 2000, level: 0, width: 300, height: 300 };

  it('wrong MCU-start offsets are detected and replaced by a marker scan (same pixels)', async () => {
    const good = await open(original);
    const expected = await good.readRegion(region);
    const bytes = original.slice();
    const { at, count } = await tagValues(bytes, 0, NDPI_TAG.McuStarts);
    const dv = new DataView(bytes.buffer);
    // plausible (increasing, inside the strip) but wrong: every interval start moved by 3 bytes
    for (let i = 1; i < count; i++) dv.setUint32(at + 4 * i, dv.getUint32(at + 4 * i, true) + 3, true);
    const slide = await open(bytes);
    const got = await slide.readRegion(region);
    expect(mad(got, expected)).toBe(0);
    expect(slide.levelSource(0).page.index?.scanned).toBe(true);
  });

  it('implausible MCU-start offsets (not increasing) fall back to scanning', async () => {
    const bytes = original.slice();
    const { at } = await tagValues(bytes, 0, NDPI_TAG.McuStarts);
    new DataView(bytes.buffer).setUint32(at + 8, 1, true);
    const slide = await open(bytes);
    await expectTilesMatchWholePages(slide);
  });

  it('missing restart markers → CorruptFile, no hang', async () => {
    const bytes = original.slice();
    const tiff = await parseTiff(new MemorySource(bytes));
    const ifd = tiff.ifds[0]!;
    const off = ifd.number(273)!;
    const len = ifd.number(279)!;
    let erased = 0;
    for (let i = off + 700; i < off + len - 1 && erased < 20; i++) {
      if (bytes[i] === 0xff && bytes[i + 1]! >= 0xd0 && bytes[i + 1]! <= 0xd7) {
        bytes[i + 1] = 0x00; // RSTn → a stuffed FF byte
        erased++;
      }
    }
    const slide = await open(bytes);
    const err = await slide.readRegion({ x: 0, y: 0, level: 0, width: 64, height: 64 }).catch((e: unknown) => e);
    expect(isWsiError(err, 'CorruptFile')).toBe(true);
    expect(String((err as Error).message)).toMatch(/restart marker/);
  });

  it('truncated scan data → CorruptFile at open (strip past the end) or on read (markers missing)', async () => {
    const tiff = await parseTiff(new MemorySource(original));
    const off = tiff.ifds[0]!.number(273)!;
    // the file cut in the middle of page 0's scan data: the strip now runs past the end of the file
    const cut = original.slice(0, off + 100_000);
    const err1 = await openSlide(cut).catch((e: unknown) => e);
    expect(isWsiError(err1)).toBe(true);
    // the strip byte count shrunk to match a truncated stream: the intervals past the cut cannot be found
    const bytes = original.slice();
    const e = tiff.ifds[0]!.entries.get(279)!;
    new DataView(bytes.buffer).setUint32(e.valueOffset, 100_000, true);
    const slide = await open(bytes);
    const err2 = await slide.readRegion({ x: 0, y: 4000, level: 0, width: 64, height: 64 }).catch((x: unknown) => x);
    expect(isWsiError(err2, 'CorruptFile')).toBe(true);
  });

  it('garbage entropy data → a typed error or pixels, never a hang', async () => {
    const bytes = original.slice();
    const tiff = await parseTiff(new MemorySource(bytes));
    const off = tiff.ifds[0]!.number(273)!;
    for (let i = off + 5000; i < off + 9000; i++) bytes[i] = (i * 37) & 0xfe;
    const slide = await open(bytes);
    const r = await slide.readRegion({ x: 0, y: 0, level: 0, width: 3968, height: 64 }).then(
      () => 'pixels',
      (e: unknown) => (isWsiError(e) ? 'typed' : `untyped ${String(e)}`),
    );
    expect(['pixels', 'typed']).toContain(r);
  });

  it('logical tiles equal whole-page decodes for any grouping', async () => {
    // levels 2–3 only: a whole-page decode of level 0 takes seconds on a loaded machine
    for (const g of [{ targetPixels: 1 }, { targetPixels: 1 << 20 }])
      await expectTilesMatchWholePages(await open(original, g), 0.05, 2);
    const a = await (await open(original, { targetPixels: 1 })).readRegion({
      x: 77,
      y: 1234,
      level: 5,
      width: 100,
      height: 100,
    });
    const b = await (await open(original)).readRegion({ x: 77, y: 1234, level: 5, width: 100, height: 100 });
    expect(mad(a, b)).toBe(0);
  });
});

describe.skipIf(!hasVips)(
  'writeNdpi pages OpenSlide 3.4.1 cannot read, against whole-page decodes (skipped without the vips CLI)',
  () => {
    let dir = '';
    beforeAll(() => {
      dir = mkdtempSync(join(tmpdir(), 'wsi-ndpi-'));
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it('4:2:0 pages (16×16 MCUs) and sizes that are not whole MCUs', async () => {
      // mean |Δ| of bands vs whole-page decodes is printed by the assertion messages on failure
      for (const [chroma, w, h] of [
        ['4:2:0', 1000, 777],
        ['4:4:4', 1003, 611],
      ] as const) {
        const path = join(dir, `${chroma.replaceAll(':', '')}.ndpi`);
        await writeNdpi(path, {
          source: syntheticTissue({ width: w, height: h, seed: 2 }),
          chroma,
          pages: 2,
          intervalWidth: 64,
          macro: false,
        });
        const slide = (await openSlide(path)) as unknown as NdpiSlide;
        expect([slide.levels[0]!.width, slide.levels[0]!.height]).toEqual([w, h]);
        expect(slide.associatedImages).toEqual([]);
        // 4:2:0: chroma is upsampled inside each logical tile, so rows at tile seams differ a little from a whole
        // decode (OpenSlide's per-interval tiles have the same seams)
        await expectTilesMatchWholePages(slide, chroma === '4:2:0' ? 2.0 : 0.05);
        await slide.close();
      }
    }, 120_000);
  },
);
