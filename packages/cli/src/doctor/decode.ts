/**
 * Tile decode rate through @wsi/reader: distinct level-0 tiles read one at a time, then with every core busy.
 */
import { availableParallelism } from 'node:os';
import type { Region } from '@wsi/core';

/**
 * A decode measurement.
 *
 * @example
 * ```ts
 * const d: DecodeMeasure = await measureDecode('slide.svs');
 * ```
 */
export interface DecodeMeasure {
  slide: string;
  format: string;
  tileWidth: number;
  tileHeight: number;
  /** Level-0 size. */
  width: number;
  height: number;
  /** The slide's objective power, when it records one. */
  objectivePower?: number;
  tiles: number;
  /** One tile in flight. */
  tilesPerSecondOneCore: number;
  /** `2 × cores` tiles in flight. */
  tilesPerSecond: number;
  /** `tilesPerSecond / cores`. */
  tilesPerSecondPerCore: number;
  megapixelsPerSecond: number;
}

function tileRegions(w: number, h: number, tw: number, th: number): Region[] {
  const out: Region[] = [];
  // start in the middle (tissue is rarely at the border), spiral-free: row-major from the centre row
  const rows = Math.floor(h / th);
  const cols = Math.floor(w / tw);
  const mid = Math.floor(rows / 2);
  for (let k = 0; k < rows; k++) {
    const r = (mid + k) % Math.max(1, rows);
    for (let c = 0; c < cols; c++) out.push({ x: c * tw, y: r * th, level: 0, width: tw, height: th });
  }
  return out;
}

async function rate(
  read: (r: Region) => Promise<unknown>,
  regions: Region[],
  inFlight: number,
  ms: number,
): Promise<{ tiles: number; seconds: number }> {
  let next = 0;
  let done = 0;
  const t0 = performance.now();
  const worker = async () => {
    while (performance.now() - t0 < ms) {
      const r = regions[next++];
      if (!r) return;
      await read(r);
      done++;
    }
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
  return { tiles: done, seconds: Math.max(1e-6, (performance.now() - t0) / 1000) };
}

/**
 * Reads distinct level-0 tiles of a slide (no decoded-tile cache) for about `seconds` with one tile in flight, then
 * as long with `2 × cores` in flight.
 *
 * @throws WsiError from `openSlide` for unreadable slides.
 * @example
 * ```ts
 * const { tilesPerSecondPerCore } = await measureDecode('slide.svs', { seconds: 2 });
 * ```
 */
export async function measureDecode(location: string, o: { seconds?: number } = {}): Promise<DecodeMeasure> {
  const { openSlide } = await import('@wsi/reader');
  const ms = (o.seconds ?? 2) * 1000;
  const cores = availableParallelism();
  const slide = await openSlide(location, { cacheBytes: 1 });
  try {
    const l0 = slide.levels[0];
    if (!l0) throw new Error('slide has no levels');
    const tw = l0.tileWidth > 0 ? l0.tileWidth : 256;
    const th = l0.tileHeight > 0 ? l0.tileHeight : 256;
    const regions = tileRegions(l0.width, l0.height, tw, th);
    const half = Math.floor(regions.length / 2);
    const read = (r: Region) => slide.readRegion(r);
    const one = await rate(read, regions.slice(0, half), 1, ms / 2);
    const all = await rate(read, regions.slice(half), 2 * cores, ms / 2);
    const tps = all.tiles / all.seconds;
    return {
      slide: location,
      format: slide.format,
      tileWidth: tw,
      tileHeight: th,
      width: l0.width,
      height: l0.height,
      ...(slide.objectivePower ? { objectivePower: slide.objectivePower } : {}),
      tiles: one.tiles + all.tiles,
      tilesPerSecondOneCore: Math.round((one.tiles / one.seconds) * 10) / 10,
      tilesPerSecond: Math.round(tps * 10) / 10,
      tilesPerSecondPerCore: Math.round((tps / cores) * 10) / 10,
      megapixelsPerSecond: Math.round(((tps * tw * th) / 1e6) * 10) / 10,
    };
  } finally {
    await slide.close();
  }
}
