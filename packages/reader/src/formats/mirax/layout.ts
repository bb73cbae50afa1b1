/**
 * OpenSlide 3.4.1's MIRAX geometry: level sizes from the nominal overlaps, the camera-photo positions (position
 * buffer or nominal grid), and every level's tiles — images, or per-photo sub-tiles of concatenated images —
 * at their level positions (`photo position / image_concat`), keyed by tile (col, row) like OpenSlide's tilemap.
 */
import { WsiError } from '@wsi/core';
import type { IndexDat } from './index-dat.js';
import type { Slidedat } from './slidedat.js';

/** One stored image. */
export interface MiraxImage {
  /** OpenSlide's image number (cache key), unique per slide. */
  id: number;
  file: number;
  offset: number;
  length: number;
}

/** One tile of a level: a rectangle of an image drawn at a (possibly fractional) level position. */
export interface PlacedTile {
  image: MiraxImage;
  /** Level position of the tile's top-left corner. */
  x: number;
  y: number;
  /** OpenSlide's tile size (used to decide whether a tile touches a region). */
  w: number;
  h: number;
  /** Pixels drawn: the whole image, or a `ceil(w) × ceil(h)` window of it at (srcX, srcY). */
  drawW: number;
  drawH: number;
  srcX: number;
  srcY: number;
  col: number;
  row: number;
}

/** One level as OpenSlide builds it. */
export interface MiraxLevel {
  width: number;
  height: number;
  downsample: number;
  imageWidth: number;
  imageHeight: number;
  format: 'JPEG' | 'PNG' | 'BMP';
  tileW: number;
  tileH: number;
  advanceX: number;
  advanceY: number;
  /** Integral advances equal to the tile size and no tile off its grid slot (OpenSlide's tile-size hint). */
  hint: boolean;
  /** Tiles sorted by (row, col) ascending: the last one drawn at a pixel wins, as in OpenSlide. */
  tiles: PlacedTile[];
}

/**
 * Photo positions in level-0 pixels (x, y pairs): from the 9-byte records of the position buffer (flag, x, y),
 * scaled by level 0's concat factor, or OpenSlide's nominal grid.
 *
 * @example
 * ```ts
 * const pos = photoPositions(slidedat, inflatedBuffer);
 * ```
 */
export function photoPositions(s: Slidedat, buffer: Uint8Array | undefined, fileName: string): Int32Array {
  const px = Math.trunc(s.imagesX / s.divisions);
  const n = px * Math.trunc(s.imagesY / s.divisions);
  const out = new Int32Array(n * 2);
  const concat0 = 2 ** (s.levels[0] as { concatExponent: number }).concatExponent;
  const l0 = s.levels[0]!;
  if (!buffer) {
    for (let i = 0; i < n; i++) {
      out[i * 2] = Math.trunc((i % px) * (l0.imageWidth * s.divisions - l0.overlapX));
      out[i * 2 + 1] = Math.trunc(Math.trunc(i / px) * (l0.imageHeight * s.divisions - l0.overlapY));
    }
    return out;
  }
  if (buffer.length !== n * 9)
    throw new WsiError(
      'CorruptFile',
      `${fileName}: slide position buffer is ${buffer.length} bytes, expected ${n * 9}`,
    );
  const view = new DataView(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  for (let i = 0; i < n; i++) {
    const flag = buffer[i * 9]!;
    if (flag & 0xfe) throw new WsiError('CorruptFile', `${fileName}: unexpected position flag value (${flag})`);
    out[i * 2] = view.getInt32(i * 9 + 1, true) * concat0;
    out[i * 2 + 1] = view.getInt32(i * 9 + 5, true) * concat0;
  }
  return out;
}

/** OpenSlide's level-0 size: image sizes summed, the last image of each photo minus the overlap (int64 truncation). */
function baseSize(count: number, div: number, size: number, overlap: number): number {
  let v = 0;
  for (let i = 0; i < count; i++) v = Math.trunc(v + (i % div !== div - 1 || i === count - 1 ? size : size - overlap));
  return v;
}

/**
 * Builds every level's tiles from Index.dat, exactly as OpenSlide places them.
 *
 * @example
 * ```ts
 * const levels = buildLevels(slidedat, indexDat, positions);
 * ```
 */
export function buildLevels(
  s: Slidedat,
  idx: IndexDat,
  positions: Int32Array,
  hasPositionBuffer: boolean,
): MiraxLevel[] {
  const l0 = s.levels[0]!;
  const d = s.divisions;
  const subtiles = hasPositionBuffer || l0.overlapX !== 0 || l0.overlapY !== 0;
  const baseW = baseSize(s.imagesX, d, l0.imageWidth, l0.overlapX);
  const baseH = baseSize(s.imagesY, d, l0.imageHeight, l0.overlapY);
  const posAcross = Math.trunc(s.imagesX / d);
  const active = new Set<number>();
  let total = 0;
  let concat0 = 1;
  let imageId = 0;
  const levels: MiraxLevel[] = [];
  s.levels.forEach((hs, li) => {
    total += hs.concatExponent;
    const concat = 2 ** total;
    if (li === 0) concat0 = concat;
    const perImage = Math.max(1, Math.trunc(concat / d));
    const tcd = subtiles ? Math.min(concat, d) : concat;
    const tpi = subtiles ? perImage : 1;
    const ppt = subtiles ? 1 : perImage;
    const tileW = hs.imageWidth / tpi;
    const tileH = hs.imageHeight / tpi;
    const ipp = Math.max(1, Math.trunc(d / concat));
    const advanceX = tileW - hs.overlapX / ipp;
    const advanceY = tileH - hs.overlapY / ipp;
    if (!(advanceX > 0 && advanceY > 0))
      throw new WsiError('CorruptFile', `Slidedat.ini: overlap of level ${li} is not smaller than its tiles`);
    const level: MiraxLevel = {
      width: Math.trunc(baseW / concat),
      height: Math.trunc(baseH / concat),
      downsample: Math.trunc(concat / concat0),
      imageWidth: hs.imageWidth,
      imageHeight: hs.imageHeight,
      format: hs.format,
      tileW,
      tileH,
      advanceX,
      advanceY,
      hint: Number.isInteger(advanceX) && Number.isInteger(advanceY) && advanceX === tileW && advanceY === tileH,
      tiles: [],
    };
    const grid = new Map<string, PlacedTile>();
    const drawW = hs.imageWidth > tileW ? Math.ceil(tileW) : hs.imageWidth;
    const drawH = hs.imageHeight > tileH ? Math.ceil(tileH) : hs.imageHeight;
    for (const rec of idx.hierRecords(li, s.imagesX * s.imagesY)) {
      const x = rec.image % s.imagesX;
      const y = Math.trunc(rec.image / s.imagesX);
      if (y >= s.imagesY) idx.fail(`: y (${y}) outside of bounds for zoom level (${li})`);
      if (x % concat) idx.fail(`: x (${x}) not correct multiple for zoom level (${li})`);
      if (y % concat) idx.fail(`: y (${y}) not correct multiple for zoom level (${li})`);
      const image: MiraxImage = { id: imageId++, file: rec.file, offset: rec.offset, length: rec.length };
      for (let yi = 0; yi < tpi; yi++) {
        const yy = y + yi * d;
        if (yy >= s.imagesY) break;
        for (let xi = 0; xi < tpi; xi++) {
          const xx = x + xi * d;
          if (xx >= s.imagesX) break;
          const xp = Math.trunc(xx / d);
          const yp = Math.trunc(yy / d);
          const cp = yp * posAcross + xp;
          const p0x = positions[cp * 2]! + l0.imageWidth * (xx - xp * d);
          const p0y = positions[cp * 2 + 1]! + l0.imageHeight * (yy - yp * d);
          if (li === 0) {
            if (positions[cp * 2] === 0 && positions[cp * 2 + 1] === 0 && (xp !== 0 || yp !== 0)) continue;
            active.add(cp);
          } else {
            let any = false;
            for (let ypp = yp; ypp < yp + ppt && !any; ypp++) {
              for (let xpp = xp; xpp < xp + ppt && !any; xpp++) any = active.has(ypp * posAcross + xpp);
            }
            if (!any) continue;
          }
          const col = Math.trunc(x / tcd) + xi;
          const row = Math.trunc(y / tcd) + yi;
          const px = p0x / concat;
          const py = p0y / concat;
          if (px - col * advanceX !== 0 || py - row * advanceY !== 0) level.hint = false;
          grid.set(`${col},${row}`, {
            image,
            x: px,
            y: py,
            w: tileW,
            h: tileH,
            drawW,
            drawH,
            srcX: tileW * xi,
            srcY: tileH * yi,
            col,
            row,
          });
        }
      }
    }
    level.tiles = [...grid.values()].sort((a, b) => a.row - b.row || a.col - b.col);
    levels.push(level);
  });
  if (levels.some((l) => !l.hint)) for (const l of levels) l.hint = false;
  return levels;
}
