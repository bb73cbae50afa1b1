import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { isWsiError } from '@wsi/core';
import { afterAll, describe, expect, it } from 'vitest';
import { defaultTilePaths, tileMosaic } from '../src/sources/mosaic.js';
import { syntheticTissue } from '../src/sources/synthetic.js';
import { aperioAssociatedDescription, aperioLevelDescription } from '../src/svs/description.js';
import { TiffType } from '../src/tiff/constants.js';
import { encodeHeader, encodeIfd } from '../src/tiff/ifd.js';
import { lzwEncode } from '../src/tiff/lzw.js';
import { planLevels } from '../src/tiff/pyramid.js';
import { TiffWriter } from '../src/tiff/writer.js';
import { tempDir } from './oracle-helpers.js';

/** Reference TIFF LZW decoder (MSB-first, early change), only for checking the encoder. */
function lzwDecode(src: Uint8Array): Uint8Array {
  const out: number[] = [];
  let dict: number[][] = [];
  const reset = (): void => {
    dict = [];
    for (let i = 0; i < 256; i++) dict.push([i]);
    dict.push([], []);
  };
  reset();
  let width = 9;
  let bitPos = 0;
  let prev: number[] | undefined;
  const read = (): number => {
    let v = 0;
    for (let i = 0; i < width; i++) {
      const byte = src[(bitPos + i) >> 3] ?? 0;
      v = (v << 1) | ((byte >> (7 - ((bitPos + i) & 7))) & 1);
    }
    bitPos += width;
    return v;
  };
  for (;;) {
    const code = read();
    if (code === 257) break;
    if (code === 256) {
      reset();
      width = 9;
      prev = undefined;
      continue;
    }
    let entry: number[];
    if (code < dict.length) entry = dict[code] as number[];
    else if (prev) entry = [...prev, prev[0] as number];
    else throw new Error(`bad code ${code}`);
    out.push(...entry);
    if (prev) dict.push([...prev, entry[0] as number]);
    prev = entry;
    if (dict.length + 1 >= 1 << width && width < 12) width++;
  }
  return Uint8Array.from(out);
}

describe('lzwEncode', () => {
  it('round-trips repetitive and random data through a TIFF LZW decoder, across table resets', () => {
    const rep = new Uint8Array(20_000).map((_, i) => (i >> 4) & 7);
    let s = 7;
    const rnd = new Uint8Array(30_000).map(() => ((s = (s * 1103515245 + 12345) >>> 0) >>> 16) & 0xff);
    for (const data of [rep, rnd, new Uint8Array([5]), new Uint8Array(0)]) {
      expect(lzwDecode(lzwEncode(data))).toEqual(data);
    }
    expect(lzwEncode(rep).length).toBeLessThan(rep.length / 5);
  });
});

describe('IFD encoding', () => {
  it('writes classic and BigTIFF headers in both byte orders', () => {
    expect(Array.from(encodeHeader(8, false, true))).toEqual([0x49, 0x49, 42, 0, 8, 0, 0, 0]);
    expect(Array.from(encodeHeader(8, false, false))).toEqual([0x4d, 0x4d, 0, 42, 0, 0, 0, 8]);
    expect(Array.from(encodeHeader(16, true, true))).toEqual([0x49, 0x49, 43, 0, 8, 0, 0, 0, 16, 0, 0, 0, 0, 0, 0, 0]);
  });

  it('sorts entries, puts long values out of line and rejects duplicates', () => {
    const b = encodeIfd(
      [
        { tag: 270, type: TiffType.ASCII, value: 'hello world' },
        { tag: 256, type: TiffType.LONG, value: [640] },
      ],
      100,
      0,
      false,
      true,
    );
    const dv = new DataView(b.buffer);
    expect(dv.getUint16(0, true)).toBe(2);
    expect(dv.getUint16(2, true)).toBe(256);
    expect(dv.getUint32(10, true)).toBe(640);
    expect(dv.getUint16(14, true)).toBe(270);
    expect(dv.getUint32(18, true)).toBe(12);
    const at = dv.getUint32(22, true) - 100;
    expect(new TextDecoder().decode(b.subarray(at, at + 11))).toBe('hello world');
    expect(() =>
      encodeIfd(
        [
          { tag: 256, type: TiffType.LONG, value: [1] },
          { tag: 256, type: TiffType.LONG, value: [2] },
        ],
        8,
        0,
        false,
        true,
      ),
    ).toThrow(/duplicate/);
  });
});

describe('TiffWriter', () => {
  const dir = tempDir('unit');
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('publishes the file only on finish (atomic) and leaves nothing on abort', async () => {
    const p = join(dir, 'a.tif');
    const w = await TiffWriter.create(p);
    const page = w.addPage({ width: 40, height: 20, tileWidth: 16, tileHeight: 16, compression: 'none' });
    for (let r = 0; r < page.down; r++)
      for (let c = 0; c < page.across; c++) await page.writeTile(c, r, new Uint8Array(16 * 16 * 3).fill(9));
    expect(existsSync(p)).toBe(false);
    const res = await w.finish();
    expect(res.bigtiff).toBe(false);
    expect(readFileSync(p).subarray(0, 2).toString()).toBe('II');
    const q = join(dir, 'b.tif');
    const w2 = await TiffWriter.create(q);
    await w2.abort();
    expect(readdirSync(dir).filter((n) => n.startsWith('b.tif'))).toEqual([]);
  });

  it('refuses unwritten or twice-written blocks with typed errors', async () => {
    const w = await TiffWriter.create(join(dir, 'c.tif'));
    const page = w.addPage({ width: 32, height: 32, tileWidth: 16, tileHeight: 16, compression: 'deflate' });
    const tile = new Uint8Array(16 * 16 * 3);
    await page.writeTile(0, 0, tile);
    await expect(page.writeTile(0, 0, tile)).rejects.toSatisfy((e) => isWsiError(e, 'InvalidArgument'));
    expect(() => page.writeTile(2, 0, tile)).toThrow(/outside/);
    await expect(w.finish()).rejects.toThrow(/never written/);
    expect(existsSync(join(dir, 'c.tif'))).toBe(false);
    expect(() => w.addPage({ width: 0, height: 5, compression: 'none' })).toThrow();
  });
});

describe('planLevels', () => {
  it('supports counts, factors, ceil/floor and rejects growing levels', () => {
    expect(planLevels(1001, 701, 3).map((l) => [l.width, l.height])).toEqual([
      [1001, 701],
      [501, 351],
      [251, 176],
    ]);
    expect(planLevels(1001, 701, [1, 4], 'floor')[1]).toMatchObject({ width: 250, height: 175 });
    expect(() => planLevels(100, 100, [2])).toThrow();
    expect(() => planLevels(100, 100, [1, 0.5])).toThrow();
  });
});

describe('sources', () => {
  it('synthetic tissue is deterministic per seed and region reads agree with a larger read', async () => {
    const a = syntheticTissue({ width: 3000, height: 2000, seed: 4 });
    const big = await a.read(100, 200, 300, 200);
    const small = await syntheticTissue({ width: 3000, height: 2000, seed: 4 }).read(150, 250, 10, 10);
    for (let r = 0; r < 10; r++) {
      expect(Array.from(small.subarray(r * 30, r * 30 + 30))).toEqual(
        Array.from(big.subarray(((50 + r) * 300 + 50) * 3, ((50 + r) * 300 + 60) * 3)),
      );
    }
    const other = await syntheticTissue({ width: 3000, height: 2000, seed: 5 }).read(100, 200, 300, 200);
    expect(Buffer.compare(Buffer.from(big), Buffer.from(other))).not.toBe(0);
    expect(() => a.read(2990, 0, 20, 5)).toThrow(/outside/);
  });

  it.skipIf(defaultTilePaths().length === 0)(
    'tile mosaic places real tiles and reports them (skipped without shared/fixtures/tiles)',
    async () => {
      const m = await tileMosaic({ width: 1024, height: 768, layout: 'grid', gap: 32, seed: 2 });
      expect(m.tiles.length).toBeGreaterThan(5);
      const t = m.tileAt(10, 10);
      expect(t).toBeDefined();
      const px = await m.read(10, 10, 1, 1);
      expect(Array.from(px)).toEqual(
        Array.from((t as { rgb: Uint8Array }).rgb.subarray((10 * 224 + 10) * 3, (10 * 224 + 10) * 3 + 3)),
      );
      expect(m.tileAt(230, 10)).toBeUndefined();
      expect(Array.from(await m.read(230, 10, 1, 1))).toEqual([244, 243, 246]);
    },
  );
});

describe('Aperio descriptions', () => {
  it('mirror the real layout', () => {
    expect(
      aperioLevelDescription(
        { width: 2048, height: 1536, tileSize: 256, quality: 90 },
        { AppMag: 20, MPP: 0.499, X: undefined },
      ),
    ).toBe(
      'Aperio Image Library v12.0.15 \r\n2048x1536 [0,0 2048x1536] (256x256) JPEG/RGB Q=90|AppMag = 20|MPP = 0.499',
    );
    expect(aperioAssociatedDescription('macro', 1280, 431)).toBe('Aperio Image Library v12.0.15 \nmacro 1280x431');
  });
});
