import { createRaster, type Slide } from '@wsi/core';
import { describe, expect, it } from 'vitest';
import { deepZoomGeometry, dziXml, levelSize, tileCount, tileRect } from '../src/deepzoom.js';
import { renderTileRaster, slideBackground, toRgba8 } from '../src/render.js';
import { SlidePool } from '../src/slide-pool.js';

describe('DeepZoom geometry', () => {
  const g = deepZoomGeometry(2600, 1800, { tileSize: 254, overlap: 1 });

  it('has levels down to 1×1 at downsample 2^(max − k)', () => {
    expect(g.maxLevel).toBe(12);
    expect(levelSize(g, 12)).toEqual({ width: 2600, height: 1800 });
    expect(levelSize(g, 11)).toEqual({ width: 1300, height: 900 });
    expect(levelSize(g, 10)).toEqual({ width: 650, height: 450 });
    expect(levelSize(g, 9)).toEqual({ width: 325, height: 225 });
    expect(levelSize(g, 0)).toEqual({ width: 1, height: 1 });
    expect(tileCount(g, 12)).toEqual({ cols: 11, rows: 8 });
    expect(deepZoomGeometry(1, 1).maxLevel).toBe(0);
    expect(deepZoomGeometry(1024, 1024).maxLevel).toBe(10);
    expect(deepZoomGeometry(1025, 3).maxLevel).toBe(11);
  });

  it('cuts tiles with overlap on inner edges only, clipped at the level edge', () => {
    expect(tileRect(g, 12, 0, 0)).toMatchObject({ x: 0, y: 0, width: 255, height: 255, downsample: 1 });
    expect(tileRect(g, 12, 1, 1)).toMatchObject({ x: 253, y: 253, width: 256, height: 256 });
    expect(tileRect(g, 12, 10, 7)).toMatchObject({ x: 2539, y: 1777, width: 61, height: 23 });
    expect(tileRect(g, 9, 1, 0)).toMatchObject({ x: 253, width: 72, height: 225, downsample: 8 });
    for (const [k, c, r] of [
      [13, 0, 0],
      [-1, 0, 0],
      [12, 11, 0],
      [12, 0, 8],
      [12, -1, 0],
      [1.5, 0, 0],
      [12, Number.NaN, 0],
    ] as const)
      expect(tileRect(g, k, c, r)).toBeUndefined();
  });

  it('writes the .dzi descriptor and refuses bad sizes', () => {
    expect(dziXml(g, 'png')).toContain('TileSize="254" Overlap="1" Format="png"><Size Width="2600" Height="1800"/>');
    expect(() => deepZoomGeometry(0, 10)).toThrow(/positive/);
    expect(() => deepZoomGeometry(10, 10, { tileSize: 0 })).toThrow(/tile size/);
    expect(() => deepZoomGeometry(10, 10, { tileSize: 8, overlap: 8 })).toThrow(/overlap/);
    expect(() => deepZoomGeometry(10, 10, { tileSize: 5000 })).toThrow(/4096/);
  });
});

/** A one-level in-memory slide whose pixel (x, y) is (x mod 256, y mod 256, 7). */
function flatSlide(width: number, height: number): Slide {
  return {
    format: 'test',
    levels: [{ width, height, downsample: 1, tileWidth: 256, tileHeight: 256 }],
    properties: { 'openslide.background-color': '102030' },
    associatedImages: [],
    async readRegion(r) {
      const out = createRaster(r.width, r.height, 4);
      for (let y = 0; y < r.height; y++)
        for (let x = 0; x < r.width; x++) {
          const gx = r.x + x;
          const gy = r.y + y;
          if (gx >= width || gy >= height) continue;
          out.data.set([gx % 256, gy % 256, 7, 255], (y * r.width + x) * 4);
        }
      return out;
    },
    async readAssociatedImage() {
      throw new Error('none');
    },
    bestLevelForDownsample: () => 0,
    async close() {},
  };
}

describe('tile rendering', () => {
  it('reads a big source region in pieces with the same pixels at downsample 1', async () => {
    const slide = flatSlide(700, 500);
    const g = deepZoomGeometry(700, 500);
    const t = tileRect(g, g.maxLevel, 1, 1);
    if (!t) throw new Error('no tile');
    const whole = await renderTileRaster(slide, t);
    const pieces = await renderTileRaster(slide, t, { pieceBudget: 40 * 40 });
    expect(Buffer.from(pieces.data).equals(Buffer.from(whole.data))).toBe(true);
    expect(Array.from(whole.data.subarray(0, 4))).toEqual([253, 253, 7, 255]);
    // downsampled and read in pieces: still the slide's colours, no holes
    const far = tileRect(g, g.maxLevel - 3, 0, 0);
    if (!far) throw new Error('no tile');
    const farPieces = await renderTileRaster(slide, far, { pieceBudget: 64 * 64 });
    expect(farPieces.width).toBe(88);
    let off = 0;
    for (let i = 2; i < farPieces.data.length; i += 4) if (Math.abs((farPieces.data[i] as number) - 7) > 2) off++;
    expect(off).toBe(0);
  });

  it('uses the slide background colour and converts rasters to RGBA', () => {
    expect(slideBackground(flatSlide(1, 1))).toEqual({ r: 0x10, g: 0x20, b: 0x30 });
    const gray = { width: 1, height: 1, channels: 1, dtype: 'uint16' as const, data: new Uint16Array([65535]) };
    expect(Array.from(toRgba8(gray).data)).toEqual([255, 255, 255, 255]);
  });
});

describe('SlidePool', () => {
  it('keeps at most maxOpen idle slides open, closing the least recently used', async () => {
    const closed: string[] = [];
    const pool = new SlidePool(2, async (p) => ({ ...flatSlide(10, 10), close: async () => void closed.push(p) }));
    const reg = (n: string) => ({ id: n, name: n, path: n });
    for (const n of ['a', 'b', 'c']) await pool.use(reg(n), async () => 0);
    expect(closed).toEqual(['a']);
    await pool.use(reg('b'), async () => 0);
    await pool.use(reg('a'), async () => 0);
    expect(closed).toEqual(['a', 'c']);
    expect(pool.size).toBe(2);
    await pool.closeAll();
    expect(closed.sort()).toEqual(['a', 'a', 'b', 'c']);
  });
});
