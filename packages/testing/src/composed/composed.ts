/**
 * Composed slides: real H&E tiles (augmented by flips, rotations and a small colour jitter) placed as ring-shaped
 * islands — tissue WITH HOLES — on glass, with the ground truth known exactly (tissue per cell, tumour per cell),
 * written as Aperio SVS. Built on {@link loadTiles} / {@link defaultTilePaths} of the mosaic source.
 */
import { WsiError } from '@wsi/core';
import { defaultTilePaths, loadTiles, type MosaicTile } from '../sources/mosaic.js';
import { hash2 } from '../sources/noise.js';
import { type SvsOptions, type SvsResult, writeSvs } from '../svs/writer.js';
import type { RgbSource } from '../tiff/source.js';

/**
 * Options of {@link composedSlide}.
 *
 * @example
 * ```ts
 * const o: ComposedSlideOptions = { width: 6144, height: 4096, islands: 3, seed: 7 };
 * ```
 */
export interface ComposedSlideOptions {
  width: number;
  height: number;
  /** Tile edge in level-0 pixels (default 256). */
  cell?: number;
  /** Number of islands (default: as many as fit, at most 4). */
  islands?: number;
  /** Give each island a hole (default true). */
  holes?: boolean;
  seed?: number;
  files?: readonly string[];
  /** Glass colour (default near white). */
  background?: readonly [number, number, number];
  /** Tile labels never used (default `ADI`, `BACK`: mostly white or empty tiles). */
  excludeLabels?: readonly string[];
}

/**
 * One island: an elliptical ring of cells, centre and radii in cells.
 *
 * @example
 * ```ts
 * const i: ComposedIsland = { col: 6, row: 5, rx: 4, ry: 3, holeRx: 1.6, holeRy: 1.3 };
 * ```
 */
export interface ComposedIsland {
  col: number;
  row: number;
  rx: number;
  ry: number;
  holeRx: number;
  holeRy: number;
}

/**
 * A composed slide source with its ground truth.
 *
 * @example
 * ```ts
 * const s = await composedSlide({ width: 4096, height: 4096, seed: 1 });
 * s.isTissue(1000, 1000); s.isTumour(1000, 1000); s.tissueMask(16);
 * ```
 */
export interface ComposedSlide extends RgbSource {
  cell: number;
  cols: number;
  rows: number;
  islands: ComposedIsland[];
  /** The tile placed in a cell, or undefined on glass. */
  cellTile(col: number, row: number): MosaicTile | undefined;
  /** Is level-0 pixel (x, y) tissue? */
  isTissue(x: number, y: number): boolean;
  /** Is level-0 pixel (x, y) on a tumour tile (`TUM` or a TCGA slide crop)? */
  isTumour(x: number, y: number): boolean;
  /** 0/255 tissue mask at a downsample (pixel centres sampled), `ceil(width / ds) × ceil(height / ds)`. */
  tissueMask(downsample: number): { width: number; height: number; data: Uint8Array };
}

/**
 * Tumour tiles: NCT-CRC `TUM` and the TCGA slide crops.
 *
 * @example
 * ```ts
 * isTumourLabel('TUM'); // true
 * ```
 */
export function isTumourLabel(label: string): boolean {
  return label === 'TUM' || label.startsWith('TCGA');
}

function inEllipse(c: number, r: number, i: ComposedIsland, rx: number, ry: number): boolean {
  if (rx <= 0 || ry <= 0) return false;
  const dx = (c + 0.5 - i.col) / rx;
  const dy = (r + 0.5 - i.row) / ry;
  return dx * dx + dy * dy <= 1;
}

/**
 * Builds a composed slide source (tiles decoded once; pixels produced on demand, bounded memory).
 *
 * @throws WsiError `InvalidArgument` (sizes), `NotFound` (no tiles).
 * @example
 * ```ts
 * const src = await composedSlide({ width: 4096, height: 3072, islands: 2, seed: 3 });
 * ```
 */
export async function composedSlide(options: ComposedSlideOptions): Promise<ComposedSlide> {
  const { width, height } = options;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new WsiError('InvalidArgument', `size must be positive integers, got ${width}x${height}`);
  }
  const cell = options.cell ?? 256;
  const seed = options.seed ?? 1;
  const exclude = options.excludeLabels ?? ['ADI', 'BACK'];
  const files = options.files ?? defaultTilePaths();
  const tiles = (await loadTiles(files, cell)).filter((t) => !exclude.includes(t.label));
  if (tiles.length === 0) throw new WsiError('NotFound', 'no tissue tiles (shared/fixtures/tiles absent?)');
  const cols = Math.ceil(width / cell);
  const rows = Math.ceil(height / cell);
  const rand = (k: number): number => hash2(k, 7919, seed) / 4294967296;
  // islands: rejection-sample ellipses that keep one cell of glass between them
  const islands: ComposedIsland[] = [];
  const want = options.islands ?? 4;
  const withHoles = options.holes ?? true;
  for (let attempt = 0; islands.length < want && attempt < 400; attempt++) {
    const rx = 2.5 + rand(attempt * 6) * Math.max(0, Math.min(cols, rows) / 4 - 2.5);
    const ry = rx * (0.75 + 0.5 * rand(attempt * 6 + 1));
    if (rx * 2 + 2 > cols || ry * 2 + 2 > rows) continue;
    const col = rx + 1 + rand(attempt * 6 + 2) * (cols - 2 * rx - 2);
    const row = ry + 1 + rand(attempt * 6 + 3) * (rows - 2 * ry - 2);
    const isl: ComposedIsland = {
      col,
      row,
      rx,
      ry,
      holeRx: withHoles ? rx * (0.35 + 0.1 * rand(attempt * 6 + 4)) : 0,
      holeRy: withHoles ? ry * (0.35 + 0.1 * rand(attempt * 6 + 5)) : 0,
    };
    const clash = islands.some((o) => {
      const dx = (o.col - col) / (o.rx + rx + 1.5);
      const dy = (o.row - row) / (o.ry + ry + 1.5);
      return dx * dx + dy * dy < 1.2;
    });
    if (!clash) islands.push(isl);
  }
  const cellIsl = new Int16Array(cols * rows).fill(-1);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      islands.forEach((isl, k) => {
        if (inEllipse(c, r, isl, isl.rx, isl.ry) && !inEllipse(c, r, isl, isl.holeRx, isl.holeRy))
          cellIsl[r * cols + c] = k;
      });
    }
  }
  const cellTile = (c: number, r: number): MosaicTile | undefined => {
    if (c < 0 || r < 0 || c >= cols || r >= rows || (cellIsl[r * cols + c] as number) < 0) return undefined;
    return tiles[hash2(c, r, seed + 11) % tiles.length];
  };
  // per-cell augmentation: one of 8 dihedral orientations and a per-channel gain in [0.94, 1.06]
  const lutCache = new Map<number, Uint8Array>();
  const lutOf = (c: number, r: number): Uint8Array => {
    const key = r * cols + c;
    let lut = lutCache.get(key);
    if (!lut) {
      lut = new Uint8Array(768);
      for (let ch = 0; ch < 3; ch++) {
        const gain = 0.94 + 0.12 * (hash2(c * 3 + ch, r, seed + 23) / 4294967296);
        for (let v = 0; v < 256; v++) lut[ch * 256 + v] = Math.min(255, Math.round(v * gain));
      }
      if (lutCache.size > 4096) lutCache.clear();
      lutCache.set(key, lut);
    }
    return lut;
  };
  const bg = options.background ?? [244, 243, 246];
  const isTissue = (x: number, y: number): boolean =>
    cellTile(Math.floor(x / cell), Math.floor(y / cell)) !== undefined;
  return {
    width,
    height,
    cell,
    cols,
    rows,
    islands: islands.map((i) => ({ ...i })),
    cellTile,
    isTissue,
    isTumour(x, y) {
      const t = cellTile(Math.floor(x / cell), Math.floor(y / cell));
      return t !== undefined && isTumourLabel(t.label);
    },
    tissueMask(ds) {
      if (!(ds > 0)) throw new WsiError('InvalidArgument', `downsample must be > 0, got ${ds}`);
      const w = Math.ceil(width / ds);
      const h = Math.ceil(height / ds);
      const data = new Uint8Array(w * h);
      for (let j = 0; j < h; j++) {
        for (let i = 0; i < w; i++)
          if (isTissue(Math.floor((i + 0.5) * ds), Math.floor((j + 0.5) * ds))) data[j * w + i] = 255;
      }
      return { width: w, height: h, data };
    },
    read(x0, y0, w, h) {
      if (x0 < 0 || y0 < 0 || w < 1 || h < 1 || x0 + w > width || y0 + h > height) {
        throw new WsiError('OutOfBounds', `region ${x0},${y0} ${w}x${h} outside ${width}x${height}`);
      }
      const out = new Uint8Array(w * h * 3);
      for (let i = 0; i < w * h * 3; i += 3) {
        out[i] = bg[0];
        out[i + 1] = bg[1];
        out[i + 2] = bg[2];
      }
      for (let r = Math.floor(y0 / cell); r <= Math.floor((y0 + h - 1) / cell); r++) {
        for (let c = Math.floor(x0 / cell); c <= Math.floor((x0 + w - 1) / cell); c++) {
          const t = cellTile(c, r);
          if (!t) continue;
          const orient = hash2(c, r, seed + 5) & 7;
          const lut = lutOf(c, r);
          const ya = Math.max(y0, r * cell);
          const yb = Math.min(y0 + h, (r + 1) * cell);
          const xa = Math.max(x0, c * cell);
          const xb = Math.min(x0 + w, (c + 1) * cell);
          for (let y = ya; y < yb; y++) {
            const v = y - r * cell;
            let o = ((y - y0) * w + (xa - x0)) * 3;
            for (let x = xa; x < xb; x++, o += 3) {
              let u = x - c * cell;
              let vv = v;
              if (orient & 1) u = cell - 1 - u;
              if (orient & 2) vv = cell - 1 - vv;
              const s = (orient & 4 ? u * cell + vv : vv * cell + u) * 3;
              out[o] = lut[t.rgb[s] as number] as number;
              out[o + 1] = lut[256 + (t.rgb[s + 1] as number)] as number;
              out[o + 2] = lut[512 + (t.rgb[s + 2] as number)] as number;
            }
          }
        }
      }
      return out;
    },
  };
}

/**
 * Writes a composed slide as SVS (default mpp 0.5, AppMag 20, levels ×1, ×4, ×16 while they fit) and returns
 * the source, which holds the ground truth.
 *
 * @example
 * ```ts
 * const { slide } = await writeComposedSlide('/tmp/c.svs', { width: 8192, height: 6144, seed: 2 });
 * slide.tissueMask(16);
 * ```
 */
export async function writeComposedSlide(
  path: string,
  options: ComposedSlideOptions & Omit<SvsOptions, 'source' | 'seed'>,
): Promise<{ slide: ComposedSlide; svs: SvsResult }> {
  const slide = await composedSlide(options);
  const { width, height, cell, islands, holes, seed, files, background, excludeLabels, ...svs } = options;
  void [width, height, cell, islands, holes, files, background, excludeLabels];
  const result = await writeSvs(path, {
    mpp: 0.5,
    appMag: 20,
    ...svs,
    source: slide,
    ...(seed === undefined ? {} : { seed }),
  });
  return { slide, svs: result };
}
