/**
 * MIRAX camera geometry as the format describes it: the camera takes photos at stage positions; each photo is cut
 * into `divisions²` images of `imageWidth × imageHeight` placed edge to edge; neighbouring photos overlap by
 * `overlapX/Y` level-0 pixels (nominal grid) or sit where the stitching position buffer says. Level k concatenates
 * `2^k × 2^k` images into one image of the same size.
 */
import { WsiError } from '@wsi/core';

/**
 * The geometry of a generated MIRAX slide.
 *
 * @example
 * ```ts
 * const g: MiraxGeometry = { imagesX: 8, imagesY: 6, divisions: 2, imageWidth: 256, imageHeight: 256,
 *   overlapX: 20, overlapY: 12, levels: 3, positions: 'compressed', jitter: 6, seed: 1 };
 * ```
 */
export interface MiraxGeometry {
  /** IMAGENUMBER_X / IMAGENUMBER_Y: level-0 images across and down (multiples of `divisions`). */
  imagesX: number;
  imagesY: number;
  /** CameraImageDivisionsPerSide (1–4). */
  divisions: number;
  /** DIGITIZER_WIDTH / DIGITIZER_HEIGHT of every level's images. */
  imageWidth: number;
  imageHeight: number;
  /** Nominal overlap of neighbouring photos, level-0 pixels (integers). */
  overlapX: number;
  overlapY: number;
  /** Zoom levels (IMAGE_CONCAT_FACTOR 0 at level 0, 1 above). */
  levels: number;
  /** Where photo positions come from: the nominal grid, VIMSLIDE_POSITION_BUFFER, or a zlib StitchingIntensityLayer. */
  positions: 'none' | 'plain' | 'compressed';
  /** Largest random shift (level-0 px, ≥ 0) of photo positions from the nominal grid when a buffer is written. */
  jitter?: number;
  seed?: number;
}

/**
 * Checks a geometry and throws `InvalidArgument` for one the format cannot hold.
 *
 * @example
 * ```ts
 * checkGeometry({ ...g, divisions: 5 }); // throws: divisions 5 outside 1..4
 * ```
 */
export function checkGeometry(g: MiraxGeometry): void {
  const ints = [g.imagesX, g.imagesY, g.divisions, g.imageWidth, g.imageHeight, g.overlapX, g.overlapY, g.levels];
  if (!ints.every((v) => Number.isInteger(v) && v >= 0))
    throw new WsiError('InvalidArgument', 'MIRAX geometry values must be non-negative integers');
  if (g.divisions < 1 || g.divisions > 4)
    throw new WsiError('InvalidArgument', `divisions ${g.divisions} outside 1..4`);
  if (g.imagesX % g.divisions || g.imagesY % g.divisions || g.imagesX < 1 || g.imagesY < 1) {
    throw new WsiError('InvalidArgument', 'imagesX/imagesY must be positive multiples of divisions');
  }
  if (g.levels < 1) throw new WsiError('InvalidArgument', 'at least one level');
  for (let k = 0; k < g.levels; k++) {
    const t = tilesPerImage(g, k);
    if (g.imageWidth % t || g.imageHeight % t)
      throw new WsiError('InvalidArgument', `image size not divisible by ${t} at level ${k}`);
  }
}

/**
 * True when OpenSlide cuts images into per-photo sub-tiles (a position buffer or a nominal overlap exists).
 *
 * @example
 * ```ts
 * usesSubtiles({ ...g, positions: 'none', overlapX: 0, overlapY: 0 }); // false
 * ```
 */
export function usesSubtiles(g: MiraxGeometry): boolean {
  return g.positions !== 'none' || g.overlapX !== 0 || g.overlapY !== 0;
}

/**
 * Sub-tiles per image side at level `k`.
 *
 * @example
 * ```ts
 * tilesPerImage({ ...g, divisions: 2, positions: 'plain' }, 3); // 4
 * ```
 */
export function tilesPerImage(g: MiraxGeometry, k: number): number {
  return usesSubtiles(g) ? Math.max(1, Math.trunc((1 << k) / g.divisions)) : 1;
}

/** A small deterministic PRNG (mulberry32). */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Level-0 positions of every photo (x, y pairs, photo index = row × photosAcross + col): the nominal grid
 * `(i·(imageWidth·divisions − overlapX), …)`, shifted by up to `jitter` px when a position buffer is written.
 *
 * @example
 * ```ts
 * const pos = photoPositions(g); // Int32Array of 2 × photos
 * ```
 */
export function photoPositions(g: MiraxGeometry): Int32Array {
  const px = g.imagesX / g.divisions;
  const py = g.imagesY / g.divisions;
  const out = new Int32Array(px * py * 2);
  const rand = rng(g.seed ?? 1);
  const j = g.positions === 'none' ? 0 : (g.jitter ?? 0);
  for (let i = 0; i < px * py; i++) {
    out[i * 2] = (i % px) * (g.imageWidth * g.divisions - g.overlapX) + (i > 0 ? Math.floor(rand() * (j + 1)) : 0);
    out[i * 2 + 1] =
      Math.floor(i / px) * (g.imageHeight * g.divisions - g.overlapY) + (i > 0 ? Math.floor(rand() * (j + 1)) : 0);
  }
  return out;
}

/**
 * Level-0 position of level-0 image (xx, yy): its photo's position plus its offset inside the photo.
 *
 * @example
 * ```ts
 * const [x, y] = imagePosition(g, photoPositions(g), 3, 1);
 * ```
 */
export function imagePosition(g: MiraxGeometry, positions: Int32Array, xx: number, yy: number): [number, number] {
  const xp = Math.floor(xx / g.divisions);
  const yp = Math.floor(yy / g.divisions);
  const cp = yp * (g.imagesX / g.divisions) + xp;
  return [
    positions[cp * 2]! + g.imageWidth * (xx - xp * g.divisions),
    positions[cp * 2 + 1]! + g.imageHeight * (yy - yp * g.divisions),
  ];
}

/**
 * OpenSlide's level-0 size from the nominal overlaps (the last image of each photo loses the overlap).
 *
 * @example
 * ```ts
 * baseSize(g); // { width: 976, height: 994 }
 * ```
 */
export function baseSize(g: MiraxGeometry): { width: number; height: number } {
  let w = 0;
  let h = 0;
  for (let i = 0; i < g.imagesX; i++)
    w += i % g.divisions !== g.divisions - 1 || i === g.imagesX - 1 ? g.imageWidth : g.imageWidth - g.overlapX;
  for (let i = 0; i < g.imagesY; i++)
    h += i % g.divisions !== g.divisions - 1 || i === g.imagesY - 1 ? g.imageHeight : g.imageHeight - g.overlapY;
  return { width: w, height: h };
}
