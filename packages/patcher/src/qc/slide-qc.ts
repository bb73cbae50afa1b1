/**
 * QC of every patch of a coordinate set: each patch's footprint is read through the reader's parallel
 * `readRegions` at a pyramid level coarse enough to be cheap (about `side` pixels per patch), measured, and flagged.
 */
import { type PatchGridMeta, type Raster, type Slide, WsiError } from '@wsi/core';
import type { QcTable } from '@wsi/h5';
import { measurePatchInto, QC_MEASURES, QcScratch } from './measure.js';
import { DEFAULT_QC_RULES, QC_COLUMNS, QC_FLAGS, type QcRules, qcFlags } from './rules.js';

/**
 * Options of {@link computePatchQc}.
 *
 * @example
 * ```ts
 * const o: PatchQcOptions = { side: 128, concurrency: 8, rules: { maxPen: 0.02 } };
 * ```
 */
export interface PatchQcOptions {
  /**
   * Smallest side in pixels a patch is measured at (default 64): QC reads the coarsest pyramid level (never finer
   * than the patch level) at which the patch footprint is still at least this wide. `Infinity` measures at the
   * patch level itself.
   */
  side?: number;
  /** Reads in flight (default 8). */
  concurrency?: number;
  /** Thresholds of the stored `flags` column (default {@link DEFAULT_QC_RULES}). */
  rules?: Partial<QcRules>;
  signal?: AbortSignal;
}

/**
 * Where QC reads: the level and the footprint side at that level.
 *
 * @example
 * ```ts
 * qcReadPlan(slide, meta, 64); // { level: 1, side: 64 } for 256-px level-0 patches on a 1/4/16 pyramid
 * ```
 */
export function qcReadPlan(slide: Slide, meta: PatchGridMeta, side = 64): { level: number; side: number } {
  if (!(side >= 1)) throw new WsiError('InvalidArgument', `qc side must be ≥ 1, got ${side}`);
  const levels = slide.levels;
  const patchDs = levels[meta.patchLevel]?.downsample ?? 1;
  let best = meta.patchLevel;
  for (let l = 0; l < levels.length; l++) {
    const ds = (levels[l] as { downsample: number }).downsample;
    if (ds + 1e-9 < patchDs) continue;
    if (meta.patchSizeLevel0 / ds >= side && ds > ((levels[best] as { downsample: number }).downsample ?? 1)) best = l;
  }
  const ds = (levels[best] as { downsample: number }).downsample;
  return {
    level: best,
    side: best === meta.patchLevel ? meta.patchSize : Math.max(1, Math.round(meta.patchSizeLevel0 / ds)),
  };
}

interface RegionReader {
  readRegions(
    regions: Iterable<{ x: number; y: number; level: number; width: number; height: number }>,
    options: { concurrency?: number; signal?: AbortSignal; recycle?: boolean },
  ): AsyncGenerator<{ index: number; raster: Raster }>;
}

/**
 * Measures every patch of a set and returns the `qc` table to store beside `coords` (columns {@link QC_COLUMNS},
 * `flags` under `rules`; attributes `rules` (JSON), `qc_level`, `qc_side`, `flag_bits` (JSON)).
 *
 * @throws WsiError from the reader (`Aborted`, `CorruptFile`, …); `InvalidArgument` for bad options.
 * @example
 * ```ts
 * const qc = await computePatchQc(slide, { coords, meta });
 * await writeCoordsFile(path, { coords, meta }, { qc });
 * ```
 */
export async function computePatchQc(
  slide: Slide,
  set: { coords: Int32Array; meta: PatchGridMeta },
  options: PatchQcOptions = {},
): Promise<QcTable> {
  const { level, side } = qcReadPlan(slide, set.meta, options.side ?? 64);
  const concurrency = options.concurrency ?? 8;
  const n = set.coords.length >> 1;
  const k = QC_COLUMNS.length;
  const data = new Float32Array(n * k);
  const scratch = new QcScratch();
  const { coords } = set;
  function* regions(): Generator<{ x: number; y: number; level: number; width: number; height: number }> {
    for (let i = 0; i < n; i++)
      yield { x: coords[i * 2] as number, y: coords[i * 2 + 1] as number, level, width: side, height: side };
  }
  const measure = (i: number, r: Raster): void =>
    measurePatchInto(
      { width: r.width, height: r.height, channels: r.channels, data: r.data as Uint8Array },
      data,
      i * k,
      scratch,
    );
  const reader = slide as unknown as Partial<RegionReader>;
  const signal = options.signal ? { signal: options.signal } : {};
  if (typeof reader.readRegions === 'function') {
    for await (const { index, raster } of reader.readRegions.call(slide, regions(), {
      concurrency,
      recycle: true,
      ...signal,
    }))
      measure(index, raster);
  } else {
    let i = 0;
    for (const region of regions()) measure(i++, await slide.readRegion(region, signal));
  }
  const rules = { ...DEFAULT_QC_RULES, ...options.rules };
  const flags = qcFlags(QC_COLUMNS, data, rules);
  for (let i = 0; i < n; i++) data[i * k + QC_MEASURES.length] = flags[i] as number;
  return {
    columns: QC_COLUMNS,
    data,
    attrs: { rules: JSON.stringify(rules), flag_bits: JSON.stringify(QC_FLAGS), qc_level: level, qc_side: side },
  };
}
