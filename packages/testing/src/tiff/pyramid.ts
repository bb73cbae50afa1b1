/**
 * Pyramidal TIFF: level 0 read from a source band by band, lower levels downscaled on the fly (bounded memory).
 */
import { WsiError } from '@wsi/core';
import { type BandSink, Downscaler, PageSink } from './band-sink.js';
import type { BlockCodec } from './compress.js';
import type { TiffTag } from './ifd.js';
import type { PageOptions, TiffPage } from './page.js';
import type { RgbSource } from './source.js';
import { type TiffWriteResult, TiffWriter } from './writer.js';

/**
 * A pyramid level given explicitly: its own pixels instead of a downscale of the level above.
 *
 * @example
 * ```ts
 * const level1: ExplicitLevel = { source: myHalfSizeSource };
 * ```
 */
export interface ExplicitLevel {
  source: RgbSource;
}

/**
 * Size of one planned level.
 *
 * @example
 * ```ts
 * planLevels(1000, 700, [1, 2, 4]); // [{width:1000,height:700,downsample:1}, {width:500,…}, …]
 * ```
 */
export interface LevelPlan {
  width: number;
  height: number;
  downsample: number;
  source?: RgbSource;
}

/**
 * Level sizes for `levels` (a count of ×2 levels, or downsample factors / explicit levels; the first is level 0).
 * `rounding` decides `ceil(w / d)` (default) or `floor(w / d)`.
 *
 * @example
 * ```ts
 * planLevels(1001, 701, 3).map((l) => l.width); // [1001, 501, 251]
 * ```
 */
export function planLevels(
  width: number,
  height: number,
  levels: number | readonly (number | ExplicitLevel)[],
  rounding: 'ceil' | 'floor' = 'ceil',
): LevelPlan[] {
  const specs: (number | ExplicitLevel)[] =
    typeof levels === 'number' ? Array.from({ length: levels }, (_, i) => 2 ** i) : [...levels];
  if (specs.length < 1 || (typeof levels === 'number' && (!Number.isInteger(levels) || levels > 40))) {
    throw new WsiError('InvalidArgument', `levels must be a count >= 1 or a non-empty list, got ${String(levels)}`);
  }
  const round = rounding === 'ceil' ? Math.ceil : Math.floor;
  const out: LevelPlan[] = [];
  for (const [i, s] of specs.entries()) {
    if (typeof s === 'number') {
      if (!(s >= 1) || (i === 0 && s !== 1)) throw new WsiError('InvalidArgument', `bad downsample ${s} at level ${i}`);
      const w = Math.max(1, round(width / s));
      const h = Math.max(1, round(height / s));
      out.push({ width: w, height: h, downsample: width / w });
    } else {
      if (i === 0) throw new WsiError('InvalidArgument', 'level 0 comes from `source`, not an explicit level');
      out.push({
        width: s.source.width,
        height: s.source.height,
        downsample: width / s.source.width,
        source: s.source,
      });
    }
    const prev = out[i - 1];
    const cur = out[i] as LevelPlan;
    if (prev && (cur.width > prev.width || cur.height > prev.height)) {
      throw new WsiError('InvalidArgument', `level ${i} (${cur.width}x${cur.height}) is larger than level ${i - 1}`);
    }
  }
  return out;
}

/** Default level count: halve until the level fits in one tile. */
export function defaultLevelCount(width: number, height: number, tileSize: number): number {
  let n = 1;
  while (Math.max(Math.ceil(width / 2 ** (n - 1)), Math.ceil(height / 2 ** (n - 1))) > tileSize && n < 40) n++;
  return n;
}

async function drive(source: RgbSource, root: BandSink): Promise<void> {
  const { width, height } = root;
  for (let y = 0; y < height; y += root.bandHeight) {
    const rows = Math.min(root.bandHeight, height - y);
    const band = await source.read(0, y, width, rows);
    if (band.length < width * rows * 3) {
      throw new WsiError('CorruptFile', `source returned ${band.length} bytes for ${width}x${rows} at y=${y}`);
    }
    await root.push(band, y, rows);
  }
}

/**
 * Streams every level into its (already added) page: level 0 and explicit levels are read from their sources in
 * bands of one tile row; the other levels are downscaled from the level above. `extras` are further sinks (a
 * thumbnail page, an in-memory overview) fed from the smallest level at least as large as they are.
 *
 * @example
 * ```ts
 * await streamPyramid(source, [{ page: p0 }, { page: p1 }], [thumbSink]);
 * ```
 */
export async function streamPyramid(
  source: RgbSource,
  levels: readonly { page: TiffPage; source?: RgbSource }[],
  extras: readonly BandSink[] = [],
): Promise<void> {
  const sinks = levels.map((l) => new PageSink(l.page));
  const roots: { sink: PageSink; source: RgbSource }[] = [];
  for (const [i, sink] of sinks.entries()) {
    const own = i === 0 ? source : levels[i]?.source;
    if (own) {
      if (own.width !== sink.width || own.height !== sink.height) {
        throw new WsiError(
          'InvalidArgument',
          `level ${i} source is ${own.width}x${own.height}, page is ${sink.width}x${sink.height}`,
        );
      }
      roots.push({ sink, source: own });
    } else {
      const parent = sinks[i - 1] as PageSink;
      parent.children.push(new Downscaler(parent.width, parent.height, sink));
    }
  }
  for (const extra of extras) {
    let parent = sinks[0] as PageSink;
    for (const s of sinks) if (s.width >= extra.width && s.height >= extra.height) parent = s;
    parent.children.push(new Downscaler(parent.width, parent.height, extra));
  }
  for (const r of roots) await drive(r.source, r.sink);
}

/**
 * Options of {@link writePyramidalTiff}.
 *
 * @example
 * ```ts
 * const o: PyramidalTiffOptions = { source, tileSize: 256, compression: 'jpeg', quality: 90, pyramid: 'pages', levels: 4 };
 * ```
 */
export interface PyramidalTiffOptions extends Partial<BlockCodec> {
  /** Level 0 pixels. */
  source: RgbSource;
  /** Tile edge in pixels, multiple of 16 (default 256). */
  tileSize?: number;
  /** `pages` (one IFD per level, like Aperio/generic TIFF, default) or `subifd` (levels as SubIFDs of level 0). */
  pyramid?: 'pages' | 'subifd';
  /** Level count (×2 each) or downsample factors / explicit levels; default: halve until one tile. */
  levels?: number | readonly (number | ExplicitLevel)[];
  /** `ceil` (default) or `floor` for level sizes. */
  levelRounding?: 'ceil' | 'floor';
  bigtiff?: boolean | 'auto';
  byteOrder?: 'le' | 'be';
  photometric?: PageOptions['photometric'];
  /** Microns per pixel at level 0, written as X/YResolution in pixels per cm. */
  mpp?: number;
  /** ImageDescription of each level. */
  description?: string | ((level: number, plan: LevelPlan) => string | undefined);
  software?: string;
  /** Extra tags for level 0. */
  tags?: readonly TiffTag[];
}

/**
 * Writes a tiled pyramidal TIFF (levels as pages or as SubIFDs), streaming tiles with bounded memory.
 *
 * @example
 * ```ts
 * await writePyramidalTiff('/tmp/p.tif', {
 *   source: syntheticTissue({ width: 2000, height: 1500, seed: 1 }),
 *   tileSize: 256, compression: 'jpeg', quality: 90, pyramid: 'pages', levels: [1, 2, 4],
 * });
 * ```
 */
export async function writePyramidalTiff(
  path: string,
  options: PyramidalTiffOptions,
): Promise<TiffWriteResult & { levels: LevelPlan[] }> {
  const { source } = options;
  const tileSize = options.tileSize ?? 256;
  const plan = planLevels(
    source.width,
    source.height,
    options.levels ?? defaultLevelCount(source.width, source.height, tileSize),
    options.levelRounding,
  );
  const writer = await TiffWriter.create(path, {
    bigtiff: options.bigtiff ?? 'auto',
    byteOrder: options.byteOrder ?? 'le',
  });
  try {
    const pages: { page: TiffPage; source?: RgbSource }[] = [];
    for (const [i, l] of plan.entries()) {
      const desc = typeof options.description === 'function' ? options.description(i, l) : options.description;
      const pageOpts: PageOptions = {
        width: l.width,
        height: l.height,
        tileWidth: tileSize,
        tileHeight: tileSize,
        compression: options.compression ?? 'jpeg',
        subfileType: i === 0 ? 0 : 1,
      };
      if (options.quality !== undefined) pageOpts.quality = options.quality;
      if (options.chromaSubsampling) pageOpts.chromaSubsampling = options.chromaSubsampling;
      if (options.predictor !== undefined) pageOpts.predictor = options.predictor;
      if (options.photometric) pageOpts.photometric = options.photometric;
      if (desc !== undefined) pageOpts.description = desc;
      if (options.software !== undefined) pageOpts.software = options.software;
      if (options.mpp !== undefined) {
        const ppcm = 10_000 / (options.mpp * l.downsample);
        pageOpts.resolution = { x: ppcm, y: ppcm, unit: 'cm' };
      }
      if (i === 0 && options.tags) pageOpts.tags = options.tags;
      const parent = options.pyramid === 'subifd' && i > 0 ? pages[0]?.page : undefined;
      const page = writer.addPage(pageOpts, parent);
      pages.push(l.source ? { page, source: l.source } : { page });
    }
    await streamPyramid(source, pages);
    return { ...(await writer.finish()), levels: plan };
  } catch (err) {
    await writer.abort();
    throw err;
  }
}
