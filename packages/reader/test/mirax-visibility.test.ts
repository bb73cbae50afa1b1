/**
 * MIRAX regions at integer offsets skip what later tiles draw over (`visibleRects` + `DrawTile.clip`). Generated
 * slides cannot catch a mistake there — neighbouring camera images hold the same pixels where they overlap — so
 * this paints random overlapping layouts of distinctly coloured images both ways and requires identical pixels.
 */
import { createRaster, type Raster } from '@wsi/core';
import { describe, expect, it } from 'vitest';
import { type DrawTile, integerShifts, paintTiles, visibleRects } from '../src/formats/mirax/composite.js';
import type { PlacedTile } from '../src/formats/mirax/layout.js';

const IW = 64;
const IH = 48;

/** An image whose every pixel encodes its id and position (so any wrong owner or offset shows). */
function image(id: number): Raster<'uint8'> {
  const r = createRaster(IW, IH, 4) as Raster<'uint8'>;
  for (let y = 0; y < IH; y++) for (let x = 0; x < IW; x++) r.data.set([id * 37, x * 4, y * 5, 255], (y * IW + x) * 4);
  return r;
}

function layout(seed: number): PlacedTile[] {
  let s = seed;
  const rnd = () => (s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 4294967296;
  const tiles: PlacedTile[] = [];
  let id = 0;
  for (let row = 0; row < 4; row++) {
    for (let col = 0; col < 4; col++) {
      // camera images 64×48 placed every 56×42 px (overlaps of 8 and 6) with jitter, some split into 2×2 tiles
      const x = col * 56 + Math.floor(rnd() * 7) - 3;
      const y = row * 42 + Math.floor(rnd() * 7) - 3;
      const img = { id: id++, file: 0, offset: 0, length: 0 };
      if (rnd() < 0.5) {
        tiles.push({ image: img, x, y, w: IW, h: IH, drawW: IW, drawH: IH, srcX: 0, srcY: 0, col, row });
      } else {
        for (const [dx, dy] of [
          [0, 0],
          [32, 0],
          [0, 24],
          [32, 24],
        ] as const) {
          const jx = Math.floor(rnd() * 3) - 1;
          tiles.push({
            image: img,
            x: x + dx + jx,
            y: y + dy,
            w: 32,
            h: 24,
            drawW: 32,
            drawH: 24,
            srcX: dx,
            srcY: dy,
            col: col * 2 + (dx ? 1 : 0),
            row: row * 2 + (dy ? 1 : 0),
          });
        }
      }
    }
  }
  return tiles.sort((a, b) => a.row - b.row || a.col - b.col);
}

describe('MIRAX visibility culling', () => {
  it('painting only what stays visible equals painting every tile, on random layouts and windows', () => {
    let culledTiles = 0;
    let culledRows = 0;
    for (let seed = 1; seed <= 40; seed++) {
      const all = layout(seed);
      const images = new Map(all.map((t) => [t.image, image(t.image.id)]));
      for (let k = 0; k < 10; k++) {
        const fx = (seed * 13 + k * 29) % 180;
        const fy = (seed * 7 + k * 17) % 130;
        const w = 20 + ((seed + k * 11) % 70);
        const h = 15 + ((seed * 3 + k) % 60);
        const tiles = all.filter((t) => !(t.x + t.w <= fx || t.y + t.h <= fy || t.x >= fx + w || t.y >= fy + h));
        expect(integerShifts(tiles, fx, fy)).toBe(true);
        const full = createRaster(w, h, 4) as Raster<'uint8'>;
        paintTiles(
          full,
          0,
          0,
          fx,
          fy,
          w,
          h,
          tiles.map((tile) => ({ tile, image: images.get(tile.image)! })),
        );
        const vis = visibleRects(tiles, fx, fy, w, h, IW, IH);
        const draw: DrawTile[] = [];
        tiles.forEach((tile, i) => {
          const clip = vis[i];
          if (clip) draw.push({ tile, image: images.get(tile.image)!, clip });
          else culledTiles++;
          if (clip) culledRows += Math.max(0, h - (clip.y1 - clip.y0));
        });
        const culled = createRaster(w, h, 4) as Raster<'uint8'>;
        paintTiles(culled, 0, 0, fx, fy, w, h, draw);
        expect(Buffer.compare(Buffer.from(culled.data), Buffer.from(full.data)), `seed ${seed} window ${k}`).toBe(0);
      }
    }
    // the layouts overlap enough that culling does something
    expect(culledTiles).toBeGreaterThan(20);
    expect(culledRows).toBeGreaterThan(0);
  });

  it('fractional offsets are not integer shifts', () => {
    const t = layout(3)[0]!;
    expect(integerShifts([{ ...t, x: t.x + 0.5 }], 10, 10)).toBe(false);
  });
});
