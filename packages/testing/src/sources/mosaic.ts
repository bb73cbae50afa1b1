/**
 * A slide composed of real H&E tiles placed on a grid or in islands on white glass, with known ground truth.
 */
import { readdirSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { WsiError } from '@wsi/core';
import sharp from 'sharp';
import { fixture } from '../paths.js';
import type { RgbSource } from '../tiff/source.js';
import { hash2, valueNoiseAt } from './noise.js';

/**
 * One decoded source tile and its label (class prefix of the file name, or the folder name).
 *
 * @example
 * ```ts
 * const [t] = await loadTiles(defaultTilePaths(), 224);
 * t?.label; // e.g. 'TUM'
 * ```
 */
export interface MosaicTile {
  file: string;
  label: string;
  /** `size × size × 3` RGB. */
  rgb: Uint8Array;
}

/**
 * Real H&E tile files under `shared/fixtures/tiles` (NCT-CRC-HE, CRC-VAL-HE, TCGA crops); empty when absent.
 *
 * @example
 * ```ts
 * const files = defaultTilePaths(); // 19 files on a dev machine
 * ```
 */
export function defaultTilePaths(): string[] {
  const root = fixture('tiles');
  if (!root) return [];
  const out: string[] = [];
  for (const dir of [
    'nct-crc-he-100k',
    'crc-val-he-7k',
    'tcga-slide-labelled/TCGA-3X-AAVA-01Z-00-DX1',
    'tcga-slide-labelled/TCGA-AD-6964-01Z-00-DX1',
  ]) {
    const d = join(root, dir);
    let names: string[] = [];
    try {
      names = readdirSync(d).sort();
    } catch {
      continue;
    }
    for (const n of names) if (/\.(tif|tiff|jpg|jpeg|png)$/i.test(n)) out.push(join(d, n));
  }
  return out;
}

function labelOf(file: string): string {
  const m = /^([A-Z]+)-/.exec(basename(file));
  return m ? (m[1] as string) : basename(dirname(file));
}

/**
 * Decodes tile files to `size × size` RGB (resized when needed, alpha flattened on white).
 *
 * @example
 * ```ts
 * const tiles = await loadTiles(defaultTilePaths(), 224);
 * ```
 */
export async function loadTiles(files: readonly string[], size: number): Promise<MosaicTile[]> {
  const out: MosaicTile[] = [];
  for (const file of files) {
    try {
      const rgb = await sharp(file)
        .flatten({ background: '#ffffff' })
        .resize(size, size, { fit: 'cover' })
        .removeAlpha()
        .raw()
        .toBuffer();
      out.push({ file, label: labelOf(file), rgb: new Uint8Array(rgb.buffer, rgb.byteOffset, rgb.length) });
    } catch (cause) {
      throw new WsiError('CorruptFile', `cannot decode tile ${file}`, { cause });
    }
  }
  return out;
}

/**
 * Options of {@link tileMosaic}.
 *
 * @example
 * ```ts
 * const o: TileMosaicOptions = { width: 4096, height: 4096, layout: 'islands', seed: 2 };
 * ```
 */
export interface TileMosaicOptions {
  width: number;
  height: number;
  /** Tile files (default {@link defaultTilePaths}). */
  files?: readonly string[];
  /** Edge of a placed tile in pixels (default 224). */
  cell?: number;
  /** `grid`: every cell filled, with a glass gap of `gap` px between tiles; `islands` (default): blobs of touching tiles. */
  layout?: 'grid' | 'islands';
  /** Gap between tiles in `grid` layout (default 32). */
  gap?: number;
  seed?: number;
  /** Glass colour (default near white). */
  background?: readonly [number, number, number];
}

/**
 * A source made of real H&E tiles; `tileAt(x, y)` gives the ground truth under a pixel.
 *
 * @example
 * ```ts
 * const src = await tileMosaic({ width: 2048, height: 2048, layout: 'islands', seed: 1 });
 * src.tileAt(500, 500)?.label; // 'TUM' or undefined on glass
 * ```
 */
export async function tileMosaic(
  options: TileMosaicOptions,
): Promise<RgbSource & { tiles: MosaicTile[]; tileAt(x: number, y: number): MosaicTile | undefined }> {
  const { width, height } = options;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new WsiError('InvalidArgument', `size must be positive integers, got ${width}x${height}`);
  }
  const files = options.files ?? defaultTilePaths();
  if (files.length === 0) throw new WsiError('NotFound', 'no tile files (shared/fixtures/tiles absent?)');
  const cell = options.cell ?? 224;
  const layout = options.layout ?? 'islands';
  const gap = layout === 'grid' ? (options.gap ?? 32) : 0;
  const pitch = cell + gap;
  const seed = options.seed ?? 1;
  const bg = options.background ?? [244, 243, 246];
  const tiles = await loadTiles(files, cell);
  const blob = Math.max(2, Math.min(Math.round(2400 / pitch), Math.round(Math.min(width, height) / pitch / 2)));
  const cellTile = (col: number, row: number): MosaicTile | undefined => {
    if (layout === 'islands' && valueNoiseAt(col, row, blob, seed) < 0.42) return undefined;
    return tiles[hash2(col, row, seed + 9) % tiles.length];
  };
  const tileAt = (x: number, y: number): MosaicTile | undefined => {
    const col = Math.floor(x / pitch);
    const row = Math.floor(y / pitch);
    if (x - col * pitch >= cell || y - row * pitch >= cell) return undefined;
    return cellTile(col, row);
  };
  return {
    width,
    height,
    tiles,
    tileAt,
    read(x0, y0, w, h) {
      if (x0 < 0 || y0 < 0 || w < 1 || h < 1 || x0 + w > width || y0 + h > height) {
        throw new WsiError('OutOfBounds', `region ${x0},${y0} ${w}x${h} outside ${width}x${height}`);
      }
      const out = new Uint8Array(w * h * 3);
      for (let i = 0; i < w * 3; i += 3) {
        out[i] = bg[0];
        out[i + 1] = bg[1];
        out[i + 2] = bg[2];
      }
      for (let r = 1; r < h; r++) out.copyWithin(r * w * 3, 0, w * 3);
      const c0 = Math.floor(x0 / pitch);
      const c1 = Math.floor((x0 + w - 1) / pitch);
      const r0 = Math.floor(y0 / pitch);
      const r1 = Math.floor((y0 + h - 1) / pitch);
      for (let row = r0; row <= r1; row++) {
        for (let col = c0; col <= c1; col++) {
          const t = cellTile(col, row);
          if (!t) continue;
          const tx = col * pitch;
          const ty = row * pitch;
          const xa = Math.max(x0, tx);
          const xb = Math.min(x0 + w, tx + cell);
          const ya = Math.max(y0, ty);
          const yb = Math.min(y0 + h, ty + cell);
          if (xa >= xb || ya >= yb) continue;
          for (let y = ya; y < yb; y++) {
            const s = ((y - ty) * cell + (xa - tx)) * 3;
            out.set(t.rgb.subarray(s, s + (xb - xa) * 3), ((y - y0) * w + (xa - x0)) * 3);
          }
        }
      }
      return out;
    },
  };
}
