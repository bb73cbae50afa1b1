/**
 * DeepZoom geometry: level k of a W×H image is the image at downsample 2^(max−k) (`max = ceil(log2(max(W, H)))`),
 * cut into `tileSize` tiles that extend `overlap` pixels into their neighbours, as the `.dzi` format defines.
 */
import { WsiError } from '@wsi/core';

/**
 * Encodings a DeepZoom tile can be served in.
 *
 * @example
 * ```ts
 * const format: TileFormat = 'png'; // lossless tiles
 * await dzsave('a.svs', 'site', { format });
 * ```
 */
export type TileFormat = 'jpeg' | 'png';

/**
 * Largest tile edge (tileSize + 2·overlap) we serve or write.
 *
 * @example
 * ```ts
 * tileSize + 2 * overlap <= MAX_TILE_EDGE; // accepted
 * ```
 */
export const MAX_TILE_EDGE = 4096;

/**
 * The pyramid layout of one image.
 *
 * @example
 * ```ts
 * const g: DeepZoomGeometry = deepZoomGeometry(2220, 2967, { tileSize: 254, overlap: 1 });
 * ```
 */
export interface DeepZoomGeometry {
  width: number;
  height: number;
  tileSize: number;
  overlap: number;
  /** Index of the full-resolution level (levels are 0..maxLevel). */
  maxLevel: number;
}

/**
 * One tile: its pixel rectangle in its level and the level's downsample from the full image.
 *
 * @example
 * ```ts
 * const t: DeepZoomTile = tileRect(g, g.maxLevel, 0, 0); // {x: 0, y: 0, width: 255, height: 255, downsample: 1}
 * ```
 */
export interface DeepZoomTile {
  level: number;
  col: number;
  row: number;
  /** Top-left of the tile in pixels of `level`. */
  x: number;
  y: number;
  width: number;
  height: number;
  /** Full-resolution pixels per level pixel: 2^(maxLevel − level). */
  downsample: number;
}

/**
 * Builds the geometry of a DeepZoom pyramid, checking sizes (`InvalidArgument` on bad values).
 *
 * @example
 * ```ts
 * deepZoomGeometry(1000, 600, { tileSize: 254, overlap: 1 }).maxLevel; // 10
 * ```
 */
export function deepZoomGeometry(
  width: number,
  height: number,
  opts: { tileSize?: number; overlap?: number } = {},
): DeepZoomGeometry {
  const tileSize = opts.tileSize ?? 254;
  const overlap = opts.overlap ?? 1;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1)
    throw new WsiError('InvalidArgument', `image size must be positive integers, got ${width}×${height}`);
  if (!Number.isInteger(tileSize) || tileSize < 1)
    throw new WsiError('InvalidArgument', `tile size must be a positive integer, got ${tileSize}`);
  if (!Number.isInteger(overlap) || overlap < 0 || overlap >= tileSize)
    throw new WsiError('InvalidArgument', `overlap must be an integer in 0..tileSize−1, got ${overlap}`);
  if (tileSize + 2 * overlap > MAX_TILE_EDGE)
    throw new WsiError('InvalidArgument', `tileSize + 2·overlap must be ≤ ${MAX_TILE_EDGE}`);
  const maxLevel = Math.ceil(Math.log2(Math.max(width, height)));
  return { width, height, tileSize, overlap, maxLevel };
}

/**
 * Size of a level in pixels (`ceil(W / 2^(max−k))`, at least 1).
 *
 * @example
 * ```ts
 * levelSize(g, g.maxLevel); // { width: g.width, height: g.height }
 * ```
 */
export function levelSize(g: DeepZoomGeometry, level: number): { width: number; height: number } {
  const ds = 2 ** (g.maxLevel - level);
  return { width: Math.max(1, Math.ceil(g.width / ds)), height: Math.max(1, Math.ceil(g.height / ds)) };
}

/**
 * Number of tile columns and rows of a level.
 *
 * @example
 * ```ts
 * tileCount(g, 0); // { cols: 1, rows: 1 }
 * ```
 */
export function tileCount(g: DeepZoomGeometry, level: number): { cols: number; rows: number } {
  const s = levelSize(g, level);
  return { cols: Math.ceil(s.width / g.tileSize), rows: Math.ceil(s.height / g.tileSize) };
}

/**
 * The rectangle of tile (col, row) of a level, overlap included; `undefined` when the level or tile does not
 * exist (the server answers 404).
 *
 * @example
 * ```ts
 * tileRect(g, g.maxLevel, 1, 0); // x = 253 (254 − overlap), width ≤ 256
 * ```
 */
export function tileRect(g: DeepZoomGeometry, level: number, col: number, row: number): DeepZoomTile | undefined {
  if (!Number.isInteger(level) || level < 0 || level > g.maxLevel) return undefined;
  const { cols, rows } = tileCount(g, level);
  if (!Number.isInteger(col) || !Number.isInteger(row) || col < 0 || row < 0 || col >= cols || row >= rows)
    return undefined;
  const { width, height } = levelSize(g, level);
  const x = col * g.tileSize - (col > 0 ? g.overlap : 0);
  const y = row * g.tileSize - (row > 0 ? g.overlap : 0);
  const x1 = Math.min(width, (col + 1) * g.tileSize + g.overlap);
  const y1 = Math.min(height, (row + 1) * g.tileSize + g.overlap);
  return { level, col, row, x, y, width: x1 - x, height: y1 - y, downsample: 2 ** (g.maxLevel - level) };
}

/**
 * The `.dzi` XML descriptor.
 *
 * @example
 * ```ts
 * dziXml(g, 'jpeg'); // '<?xml …?><Image TileSize="254" Overlap="1" Format="jpeg" …><Size Width=… Height=…/></Image>'
 * ```
 */
export function dziXml(g: DeepZoomGeometry, format: TileFormat): string {
  return (
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    `<Image xmlns="http://schemas.microsoft.com/deepzoom/2008" TileSize="${g.tileSize}" Overlap="${g.overlap}" ` +
    `Format="${format}"><Size Width="${g.width}" Height="${g.height}"/></Image>\n`
  );
}
