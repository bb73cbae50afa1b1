/**
 * What the page is told about a slide: format, size, mpp, levels and its DeepZoom pyramid, including the coarsest
 * DeepZoom level the server renders (`minLevel`: coarser tiles would cost more than the per-tile pixel budget on a
 * slide without a pyramid).
 */
import { createHash } from 'node:crypto';
import { stat } from 'node:fs/promises';
import type { Slide } from '@wsi/core';
import { type DeepZoomGeometry, deepZoomGeometry, type TileFormat, tileRect } from './deepzoom.js';
import type { RegisteredSlide } from './registry.js';
import { tileSourcePixels } from './render.js';

/**
 * A served slide's description (`GET /api/slides/<id>`).
 *
 * @example
 * ```ts
 * const info: SlideInfo = await describeSlide(registered, slide, { tileSize: 254, overlap: 1, format: 'jpeg' });
 * ```
 */
export interface SlideInfo {
  id: string;
  name: string;
  format: string;
  width: number;
  height: number;
  mpp: { x: number; y: number } | null;
  objectivePower: number | null;
  levels: { width: number; height: number; downsample: number }[];
  associatedImages: string[];
  /** URL of the `.dzi` descriptor, relative to the server root. */
  dzi: string;
  tileSize: number;
  overlap: number;
  tileFormat: TileFormat;
  maxLevel: number;
  /** Coarsest DeepZoom level served. */
  minLevel: number;
}

/**
 * A slide's info with what the server keeps for itself (never sent).
 *
 * @example
 * ```ts
 * const entry: SlideEntry = await describeSlide(registered, slide, settings);
 * console.log(entry.info.width, entry.geometry.maxLevel);
 * ```
 */
export interface SlideEntry {
  info: SlideInfo;
  geometry: DeepZoomGeometry;
  /** Changes with the file and the tile settings: part of every tile ETag. */
  version: string;
}

/**
 * Tile settings shared by every slide of a server.
 *
 * @example
 * ```ts
 * const settings: TileSettings = { tileSize: 254, overlap: 1, format: 'jpeg', quality: 85, maxSourcePixels: 64 << 20 };
 * ```
 */
export interface TileSettings {
  tileSize: number;
  overlap: number;
  format: TileFormat;
  quality: number;
  /** Tiles whose source region has more pixels are not served (404). */
  maxSourcePixels: number;
}

/**
 * Describes an open slide for the page and computes its DeepZoom geometry and ETag version.
 *
 * @example
 * ```ts
 * const { info, geometry } = await describeSlide(s, slide, settings);
 * ```
 */
export async function describeSlide(s: RegisteredSlide, slide: Slide, t: TileSettings): Promise<SlideEntry> {
  const l0 = slide.levels[0] ?? { width: 1, height: 1 };
  const geometry = deepZoomGeometry(l0.width, l0.height, { tileSize: t.tileSize, overlap: t.overlap });
  let minLevel = geometry.maxLevel;
  while (minLevel > 0) {
    const tile = tileRect(geometry, minLevel - 1, 0, 0);
    if (!tile || tileSourcePixels(slide, tile) > t.maxSourcePixels) break;
    minLevel--;
  }
  const st = await stat(s.path).catch(() => undefined);
  const version = createHash('sha256')
    .update(JSON.stringify([s.path, st?.size, st?.mtimeMs, t.tileSize, t.overlap, t.format, t.quality]))
    .digest('hex')
    .slice(0, 12);
  const info: SlideInfo = {
    id: s.id,
    name: s.name,
    format: slide.format,
    width: l0.width,
    height: l0.height,
    mpp: slide.mpp ? { x: slide.mpp.x, y: slide.mpp.y } : null,
    objectivePower: slide.objectivePower ?? null,
    levels: slide.levels.map((l) => ({ width: l.width, height: l.height, downsample: l.downsample })),
    associatedImages: [...slide.associatedImages],
    dzi: `slides/${s.id}.dzi`,
    tileSize: t.tileSize,
    overlap: t.overlap,
    tileFormat: t.format,
    maxLevel: geometry.maxLevel,
    minLevel,
  };
  return { info, geometry, version };
}
