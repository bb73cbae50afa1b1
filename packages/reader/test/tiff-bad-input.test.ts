import { isWsiError, MemorySource } from '@wsi/core';
import { describe, expect, it } from 'vitest';
import { openSlide } from '../src/open.js';
import { parseTiff } from '../src/tiff/parser.js';
import { buildTiff, entryValueField, gradientTile, setNextIfd, solidTile } from './helpers/build-tiff.js';

/** A 2-level 64×48 RGB pyramid with 32×32 uncompressed tiles. */
function pyramid(opts: { littleEndian?: boolean; bigTiff?: boolean } = {}) {
  const tiles0 = [0, 1, 2, 3].map((i) => gradientTile(32, 32, (i % 2) * 32, Math.floor(i / 2) * 32));
  return buildTiff(
    [
      { width: 64, height: 48, tileWidth: 32, tileHeight: 32, tiles: tiles0 },
      {
        width: 32,
        height: 24,
        tileWidth: 32,
        tileHeight: 32,
        tiles: [solidTile(32, 32, [10, 20, 30])],
        subfileType: 1,
      },
    ],
    opts,
  );
}

async function expectCode(p: Promise<unknown>, code: string): Promise<void> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(isWsiError(err), `expected a WsiError(${code}), got ${String(err)}`).toBe(true);
  expect((err as { code: string }).code).toBe(code);
}

async function openBytes(bytes: Uint8Array) {
  const slide = await openSlide(new MemorySource(bytes));
  // read every level fully so tile-level corruption surfaces too
  for (let l = 0; l < slide.levels.length; l++) {
    const lv = slide.levels[l]!;
    await slide.readRegion({ x: 0, y: 0, level: l, width: lv.width, height: lv.height });
  }
  return slide;
}

describe('hand-built TIFFs', () => {
  for (const variant of [
    { name: 'little-endian TIFF', opts: { littleEndian: true } },
    { name: 'big-endian TIFF', opts: { littleEndian: false } },
    { name: 'little-endian BigTIFF', opts: { littleEndian: true, bigTiff: true } },
    { name: 'big-endian BigTIFF', opts: { littleEndian: false, bigTiff: true } },
  ]) {
    it(`opens a ${variant.name} pyramid and reads exact pixels`, async () => {
      const { bytes } = pyramid(variant.opts);
      const slide = await openSlide(new MemorySource(bytes));
      expect(slide.format).toBe('generic-tiff');
      expect(slide.levels.map((l) => [l.width, l.height, l.downsample])).toEqual([
        [64, 48, 1],
        [32, 24, 2],
      ]);
      const r = await slide.readRegion({ x: 30, y: 30, level: 0, width: 40, height: 4 });
      // pixel (x, y) of level 0 is (x, y, 128); beyond x = 64 transparent
      expect([...r.data.subarray(0, 4)]).toEqual([30, 30, 128, 255]);
      expect([...r.data.subarray(33 * 4, 34 * 4)]).toEqual([63, 30, 128, 255]);
      expect([...r.data.subarray(34 * 4, 35 * 4)]).toEqual([0, 0, 0, 0]);
      const l1 = await slide.readRegion({ x: -4, y: 0, level: 1, width: 4, height: 1 });
      expect([...l1.data]).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 10, 20, 30, 255, 10, 20, 30, 255]);
      await slide.close();
    });
  }

  it('non-TIFF input → UnsupportedFormat', async () => {
    await expectCode(
      openSlide(new MemorySource(new TextEncoder().encode('%PDF-1.4 not a slide at all'))),
      'UnsupportedFormat',
    );
    await expectCode(openSlide(new MemorySource(new Uint8Array(0))), 'UnsupportedFormat');
  });

  it('truncated file → CorruptFile', async () => {
    const { bytes, ifdOffsets } = pyramid();
    await expectCode(openBytes(bytes.subarray(0, 6)), 'CorruptFile');
    // cut in the middle of the last IFD
    await expectCode(openBytes(bytes.subarray(0, (ifdOffsets[1] as number) + 20)), 'CorruptFile');
    // cut before the directories (this writer puts them after the tile data)
    await expectCode(openBytes(bytes.subarray(0, 3000)), 'CorruptFile');
  });

  it('IFD loop → CorruptFile, no hang', async () => {
    const { bytes, ifdOffsets } = pyramid();
    setNextIfd(bytes, ifdOffsets[1] as number, ifdOffsets[0] as number);
    await expectCode(parseTiff(new MemorySource(bytes)), 'CorruptFile');
    const self = pyramid();
    setNextIfd(self.bytes, self.ifdOffsets[0] as number, self.ifdOffsets[0] as number);
    await expectCode(openBytes(self.bytes), 'CorruptFile');
  });

  it('absurd dimensions → CorruptFile before any allocation', async () => {
    const { bytes, ifdOffsets } = pyramid();
    const dv = new DataView(bytes.buffer);
    dv.setUint32(entryValueField(bytes, ifdOffsets[0] as number, 256), 0xffffffff, true);
    await expectCode(openBytes(bytes), 'CorruptFile');
    const t = pyramid();
    new DataView(t.bytes.buffer).setUint32(entryValueField(t.bytes, t.ifdOffsets[0] as number, 322), 1 << 20, true);
    await expectCode(openBytes(t.bytes), 'CorruptFile');
    const z = pyramid();
    new DataView(z.bytes.buffer).setUint32(entryValueField(z.bytes, z.ifdOffsets[0] as number, 257), 0, true);
    await expectCode(openBytes(z.bytes), 'CorruptFile');
  });

  it('bad tile offsets and byte counts → CorruptFile', async () => {
    const a = pyramid();
    const offField = entryValueField(a.bytes, a.ifdOffsets[0] as number, 324);
    const dv = new DataView(a.bytes.buffer);
    const arr = dv.getUint32(offField, true);
    dv.setUint32(arr + 4, a.bytes.length + 1000, true); // tile 1 offset past EOF
    await expectCode(openBytes(a.bytes), 'CorruptFile');
    const b = pyramid();
    const cntField = entryValueField(b.bytes, b.ifdOffsets[0] as number, 325);
    const dvb = new DataView(b.bytes.buffer);
    dvb.setUint32(dvb.getUint32(cntField, true), 0x7fffffff, true); // tile 0 byte count huge
    await expectCode(openBytes(b.bytes), 'CorruptFile');
    const c = pyramid();
    const dvc = new DataView(c.bytes.buffer);
    dvc.setUint32(entryValueField(c.bytes, c.ifdOffsets[0] as number, 324) - 4, 2, true); // only 2 offsets for 4 tiles
    await expectCode(openBytes(c.bytes), 'CorruptFile');
    const d = pyramid();
    const dvd = new DataView(d.bytes.buffer);
    dvd.setUint32(dvd.getUint32(entryValueField(d.bytes, d.ifdOffsets[0] as number, 325), true), 5, true); // short tile
    await expectCode(openBytes(d.bytes), 'CorruptFile');
    const e = pyramid();
    const dve = new DataView(e.bytes.buffer);
    dve.setUint32(entryValueField(e.bytes, e.ifdOffsets[0] as number, 324), e.bytes.length + 8, true); // offsets array past EOF
    await expectCode(openBytes(e.bytes), 'CorruptFile');
  });

  it('unsupported compression → UnsupportedFormat', async () => {
    const { bytes, ifdOffsets } = pyramid();
    new DataView(bytes.buffer).setUint16(entryValueField(bytes, ifdOffsets[0] as number, 259), 34892, true);
    await expectCode(openBytes(bytes), 'UnsupportedFormat');
  });

  it('IFD offset past the end / absurd entry count → CorruptFile', async () => {
    const { bytes } = pyramid();
    new DataView(bytes.buffer).setUint32(4, bytes.length + 100, true);
    await expectCode(openBytes(bytes), 'CorruptFile');
    const b = pyramid();
    new DataView(b.bytes.buffer).setUint16(b.ifdOffsets[0] as number, 60000, true);
    await expectCode(openBytes(b.bytes), 'CorruptFile');
  });
});
