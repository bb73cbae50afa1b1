/**
 * `dzsave`: a static DeepZoom pyramid (`<name>.dzi` + `<name>_files/<level>/<col>_<row>.<ext>`) for hosting
 * without a server, written in a temporary folder beside the output and renamed into place when complete.
 */
import { mkdir, mkdtemp, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type Slide, slideName, throwIfAborted, WsiError } from '@wsi/core';
import { openSlide } from '@wsi/reader';
import { type DeepZoomTile, deepZoomGeometry, dziXml, type TileFormat, tileCount, tileRect } from './deepzoom.js';
import { encodeTile, renderTileRaster, slideBackground } from './render.js';

/**
 * Options of {@link dzsave}.
 *
 * @example
 * ```ts
 * const o: DzsaveOptions = { tileSize: 254, overlap: 1, format: 'jpeg', quality: 85, concurrency: 4 };
 * ```
 */
export interface DzsaveOptions {
  tileSize?: number;
  overlap?: number;
  format?: TileFormat;
  /** JPEG quality (default 85). */
  quality?: number;
  /** Output base name (default: the slide's `<name>`, or `slide` for an opened Slide). */
  name?: string;
  /** Tiles rendered at once (default 4). */
  concurrency?: number;
  signal?: AbortSignal;
  /** Called after each tile with (done, total). */
  onProgress?: (done: number, total: number) => void;
}

/**
 * What {@link dzsave} wrote.
 *
 * @example
 * ```ts
 * const { dzi, tiles } = await dzsave('a.svs', 'out/');
 * ```
 */
export interface DzsaveResult {
  dzi: string;
  filesDir: string;
  levels: number;
  tiles: number;
  bytes: number;
}

async function exists(p: string): Promise<boolean> {
  return (await stat(p).catch(() => undefined)) !== undefined;
}

/**
 * Writes a DeepZoom pyramid of a slide (a path is opened and closed; an opened Slide is left open). An existing
 * pyramid of the same name is replaced only once the new one is complete.
 *
 * @example
 * ```ts
 * import { dzsave } from '@wsi/viewer';
 * const r = await dzsave('CMU-1.svs', 'site/', { format: 'jpeg' });
 * console.log(r.dzi, r.tiles); // site/CMU-1.dzi, site/CMU-1_files/…
 * ```
 */
export async function dzsave(input: string | Slide, outDir: string, opts: DzsaveOptions = {}): Promise<DzsaveResult> {
  const name = opts.name ?? (typeof input === 'string' ? slideName(input) : 'slide');
  if (!/^[^/\\\0]+$/.test(name) || name === '.' || name === '..')
    throw new WsiError('InvalidArgument', `output name must be a plain file name, got '${name}'`);
  const format = opts.format ?? 'jpeg';
  const quality = opts.quality ?? 85;
  const slide = typeof input === 'string' ? await openSlide(input) : input;
  await mkdir(outDir, { recursive: true });
  const tmp = await mkdtemp(join(outDir, `.${name}.tmp-`));
  try {
    const l0 = slide.levels[0] ?? { width: 1, height: 1 };
    const g = deepZoomGeometry(l0.width, l0.height, {
      ...(opts.tileSize !== undefined ? { tileSize: opts.tileSize } : {}),
      ...(opts.overlap !== undefined ? { overlap: opts.overlap } : {}),
    });
    const background = slideBackground(slide);
    let total = 0;
    for (let k = 0; k <= g.maxLevel; k++) {
      const { cols, rows } = tileCount(g, k);
      await mkdir(join(tmp, `${name}_files`, String(k)), { recursive: true });
      total += cols * rows;
    }
    // one generator shared by the workers: tiles are made as they are taken, not listed up front
    const tiles = (function* (): Generator<DeepZoomTile> {
      for (let k = 0; k <= g.maxLevel; k++) {
        const { cols, rows } = tileCount(g, k);
        for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) yield tileRect(g, k, c, r) as DeepZoomTile;
      }
    })();
    let done = 0;
    let bytes = 0;
    const worker = async (): Promise<void> => {
      for (let it = tiles.next(); !it.done; it = tiles.next()) {
        throwIfAborted(opts.signal);
        const t = it.value;
        const rgba = await renderTileRaster(slide, t, { background, ...(opts.signal ? { signal: opts.signal } : {}) });
        const body = await encodeTile(rgba, format, background, quality);
        await writeFile(join(tmp, `${name}_files`, String(t.level), `${t.col}_${t.row}.${format}`), body);
        bytes += body.length;
        opts.onProgress?.(++done, total);
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, opts.concurrency ?? 4) }, worker));
    await writeFile(join(tmp, `${name}.dzi`), dziXml(g, format));
    const filesDir = join(outDir, `${name}_files`);
    const dzi = join(outDir, `${name}.dzi`);
    if (await exists(filesDir)) await rename(filesDir, join(tmp, 'previous_files'));
    await rename(join(tmp, `${name}_files`), filesDir);
    await rename(join(tmp, `${name}.dzi`), dzi);
    return { dzi, filesDir, levels: g.maxLevel + 1, tiles: total, bytes };
  } finally {
    await rm(tmp, { recursive: true, force: true });
    if (typeof input === 'string') await slide.close();
  }
}
