/**
 * `PatchGenerator`: configured once (preset, patch size, resolution, acceptance rule) and reused across slides;
 * `segment`, `grid`, `patches` and the `write…` steps are each usable alone, `run` chains them.
 */
import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import {
  fingerprintSource,
  openByteSource,
  type PatchCoords,
  type PatchGridMeta,
  type Slide,
  slideName,
  WsiError,
} from '@wsi/core';
import { H5_LAYOUTS, type H5Layout, type QcTable, writeCoordsFile } from '@wsi/h5';
import { openSlide } from '@wsi/reader';
import { type Patch, type PatchWriteOptions, streamPatches, writePatchesH5, writePatchImages } from './extract.js';
import { type AcceptRule, tissueGrid } from './grid.js';
import { tissueGeoJson, writeMaskPng, writeOverlayPng, writeTextAtomic } from './outputs.js';
import { type PresetName, type SegmentationParams, segmentationParams } from './presets.js';
import { computePatchQc, type PatchQcOptions } from './qc/slide-qc.js';
import { type PatchPlan, type PatchResolution, resolvePatchPlan } from './resolution.js';
import { segmentTissue, type TissueSegmentation } from './segment.js';

/**
 * Options of {@link PatchGenerator}.
 *
 * @example
 * ```ts
 * const o: PatchGeneratorOptions = { preset: 'tcga', patchSize: 256, magnification: 20, layout: 'trident' };
 * ```
 */
export interface PatchGeneratorOptions extends Partial<PatchResolution> {
  preset?: PresetName;
  /** Overrides of the preset's parameters. */
  segmentation?: Partial<SegmentationParams>;
  rule?: AcceptRule;
  minTissueFraction?: number;
  origin?: 'contour' | 'slide';
  layout?: H5Layout;
  /** Patch reads in flight (default 8). */
  concurrency?: number;
  /**
   * Per-patch quality control stored as the `qc` dataset of the coords file by {@link PatchGenerator.run}
   * (default true; `false` skips it, options tune the QC read and the `flags` thresholds).
   */
  qc?: boolean | PatchQcOptions;
}

/**
 * Where {@link PatchGenerator.run} wrote, and what it found.
 *
 * @example
 * ```ts
 * const { coordsPath, count } = await gen.run('a.svs', 'out');
 * ```
 */
export interface PatchRunResult {
  name: string;
  count: number;
  regions: number;
  holes: number;
  segmentationLevel: number;
  coordsPath: string;
  geojsonPath: string;
  maskPath: string;
  overlayPath: string;
  meta: PatchGridMeta;
  /** QC summary when QC ran: the level and side it read, and how many patches have a non-zero `flags`. */
  qc?: { level: number; side: number; flagged: number };
  seconds: { segment: number; grid: number; qc: number; write: number };
}

/**
 * Output paths of a layout: the coords file and the segmentation folder.
 *
 * @example
 * ```ts
 * layoutPaths('out', 'a', 'trident', meta).coords; // out/20x_256px_0px_overlap/patches/a_patches.h5
 * ```
 */
export function layoutPaths(
  dir: string,
  name: string,
  layout: H5Layout,
  meta: PatchGridMeta,
): { coords: string; segmentation: string } {
  if (layout === 'trident') {
    if (meta.targetMagnification === undefined) {
      throw new WsiError(
        'InvalidArgument',
        'the trident layout needs a known magnification (objective power, mpp or --slide-mpp)',
      );
    }
    const job = join(
      dir,
      `${meta.targetMagnification}x_${meta.targetPatchSize ?? meta.patchSize}px_${meta.overlap}px_overlap`,
    );
    return { coords: join(job, 'patches', `${name}_patches.h5`), segmentation: join(dir, 'segmentation') };
  }
  return {
    coords: join(dir, 'patches', `${name}.h5`),
    segmentation: join(dir, layout === 'clam' ? 'masks' : 'segmentation'),
  };
}

function qcSummary(qc: QcTable): { level: number; side: number; flagged: number } {
  const k = qc.columns.length;
  const f = qc.columns.indexOf('flags');
  let flagged = 0;
  for (let o = f; o < qc.data.length; o += k) if ((qc.data[o] as number) !== 0) flagged++;
  return { level: Number(qc.attrs?.qc_level ?? 0), side: Number(qc.attrs?.qc_side ?? 0), flagged };
}

async function withSlide<T>(slide: Slide | string, fn: (s: Slide) => Promise<T>): Promise<T> {
  if (typeof slide !== 'string') return fn(slide);
  const s = await openSlide(slide);
  try {
    return await fn(s);
  } finally {
    await s.close();
  }
}

/**
 * Segments slides and makes their patch grids, coords files and patch exports with one configuration.
 *
 * @example
 * ```ts
 * const gen = new PatchGenerator({ preset: 'tcga', patchSize: 256, magnification: 20 });
 * for (const path of slides) await gen.run(path, 'out');
 * ```
 */
export class PatchGenerator {
  readonly params: SegmentationParams;
  readonly resolution: PatchResolution;
  readonly options: PatchGeneratorOptions;

  /** @throws WsiError `InvalidArgument` for an unknown preset, layout or rule, or bad numbers. */
  constructor(options: PatchGeneratorOptions = {}) {
    this.options = { ...options };
    this.params = segmentationParams(options.preset ?? 'clam-default', options.segmentation ?? {});
    const patchSize = options.patchSize ?? 256;
    if (!(Number.isInteger(patchSize) && patchSize >= 1))
      throw new WsiError('InvalidArgument', `patch size must be a positive integer, got ${patchSize}`);
    this.resolution = {
      patchSize,
      ...(options.magnification === undefined ? {} : { magnification: options.magnification }),
      ...(options.mpp === undefined ? {} : { mpp: options.mpp }),
      ...(options.level === undefined ? {} : { level: options.level }),
      ...(options.overlap === undefined ? {} : { overlap: options.overlap }),
      ...(options.slideMpp === undefined ? {} : { slideMpp: options.slideMpp }),
    };
    if (options.layout !== undefined && !H5_LAYOUTS.includes(options.layout)) {
      throw new WsiError('InvalidArgument', `unknown layout '${options.layout}' (one of ${H5_LAYOUTS.join(', ')})`);
    }
    if (options.rule !== undefined && !['four_pt', 'center', 'tissue'].includes(options.rule)) {
      throw new WsiError('InvalidArgument', `unknown acceptance rule '${options.rule}'`);
    }
  }

  /** Segments the slide's tissue. */
  segment(slide: Slide | string, signal?: AbortSignal): Promise<TissueSegmentation> {
    return withSlide(slide, (s) => segmentTissue(s, this.params, signal ? { signal } : {}));
  }

  /** The reading plan for a slide (level, read size, resize target). */
  plan(slide: Slide): PatchPlan {
    return resolvePatchPlan(slide, this.resolution);
  }

  /**
   * The accepted patches of a slide (segmenting it unless `seg` is given) and their grid metadata.
   *
   * @example
   * ```ts
   * const { coords, meta } = await gen.grid(slide);
   * ```
   */
  async grid(slide: Slide, name: string, seg?: TissueSegmentation): Promise<PatchCoords> {
    const plan = this.plan(slide);
    const s = seg ?? (await this.segment(slide));
    const coords = tissueGrid(s, {
      patchSizeLevel0: plan.patchSizeLevel0,
      stepLevel0: plan.stepLevel0,
      ...(this.options.rule === undefined ? {} : { rule: this.options.rule }),
      ...(this.options.minTissueFraction === undefined ? {} : { minTissueFraction: this.options.minTissueFraction }),
      ...(this.options.origin === undefined ? {} : { origin: this.options.origin }),
    });
    const meta: PatchGridMeta = {
      name,
      patchSize: plan.readSize,
      patchLevel: plan.patchLevel,
      downsample: plan.downsample,
      patchSizeLevel0: plan.patchSizeLevel0,
      levelDim: plan.levelDim,
      downsampledLevelDim: plan.downsampledLevelDim,
      overlap: plan.overlap,
      ...(plan.level0Magnification === undefined ? {} : { level0Magnification: plan.level0Magnification }),
      ...(plan.targetMagnification === undefined ? {} : { targetMagnification: plan.targetMagnification }),
      ...(plan.mpp === undefined ? {} : { mpp: plan.mpp }),
      ...(plan.targetPatchSize === undefined ? {} : { targetPatchSize: plan.targetPatchSize }),
    };
    return { coords, meta };
  }

  /** Streams the pixels of a coordinate set. */
  patches(slide: Slide, set: PatchCoords, signal?: AbortSignal): AsyncGenerator<Patch> {
    return streamPatches(slide, set, { concurrency: this.options.concurrency ?? 8, ...(signal ? { signal } : {}) });
  }

  /** Writes `<dir>/<name>.geojson`, `<name>_mask.png`, `<name>_overlay.png`. */
  async writeSegmentation(
    seg: TissueSegmentation,
    dir: string,
    name: string,
    set?: PatchCoords,
  ): Promise<{ geojson: string; mask: string; overlay: string }> {
    const out = {
      geojson: join(dir, `${name}.geojson`),
      mask: join(dir, `${name}_mask.png`),
      overlay: join(dir, `${name}_overlay.png`),
    };
    await writeTextAtomic(out.geojson, `${JSON.stringify(tissueGeoJson(seg))}\n`);
    await writeMaskPng(seg.mask, out.mask);
    await writeOverlayPng(seg, set?.coords, set?.meta.patchSizeLevel0 ?? 0, out.overlay);
    return out;
  }

  /**
   * Per-patch quality control of a set (see {@link computePatchQc}), with the generator's `qc` options.
   *
   * @example
   * ```ts
   * const qc = await gen.qc(slide, set);
   * ```
   */
  qc(slide: Slide, set: PatchCoords, signal?: AbortSignal): Promise<QcTable> {
    const o = typeof this.options.qc === 'object' ? this.options.qc : {};
    return computePatchQc(slide, set, {
      concurrency: this.options.concurrency ?? 8,
      ...o,
      ...(signal ? { signal } : {}),
    });
  }

  /** Writes the coords file of a set (and its `qc` dataset when given) at `path` in the generator's layout. */
  async writeCoords(set: PatchCoords, path: string, fingerprint = '', qc?: QcTable): Promise<void> {
    await mkdir(dirname(path), { recursive: true });
    await writeCoordsFile(path, set, {
      layout: this.options.layout ?? 'wsi',
      provenance: { params: this.provenanceParams(), slideFingerprint: fingerprint },
      ...(qc === undefined ? {} : { qc }),
    });
  }

  /** Extracts the patches of a set to an h5 patch file. */
  writePatchesH5(slide: Slide, set: PatchCoords, path: string, options: PatchWriteOptions = {}): Promise<number> {
    return writePatchesH5(slide, set, path, {
      concurrency: this.options.concurrency ?? 8,
      provenance: { params: this.provenanceParams() },
      ...options,
    });
  }

  /** Extracts the patches of a set to PNG/JPEG files in `dir`. */
  writePatchImages(
    slide: Slide,
    set: PatchCoords,
    dir: string,
    options: PatchWriteOptions & { format?: 'png' | 'jpeg' } = {},
  ): Promise<string[]> {
    return writePatchImages(slide, set, dir, { concurrency: this.options.concurrency ?? 8, ...options });
  }

  /** The parameters recorded in files' `wsi_params`. */
  provenanceParams(): Record<string, unknown> {
    return {
      tool: 'wsi patch',
      segmentation: this.params,
      resolution: this.resolution,
      rule: this.options.rule ?? 'four_pt',
      minTissueFraction: this.options.minTissueFraction ?? 0,
      origin: this.options.origin ?? 'contour',
      layout: this.options.layout ?? 'wsi',
      qc: this.options.qc === false ? false : typeof this.options.qc === 'object' ? this.options.qc : true,
    };
  }

  /**
   * Segments, grids and writes the segmentation files and the coords file of one slide under `dir` (see
   * {@link layoutPaths}). A slide without tissue gives an empty coords file and a warning through `onWarning`.
   *
   * @example
   * ```ts
   * const r = await gen.run('a.svs', 'out', { onWarning: console.warn });
   * ```
   */
  async run(
    slidePath: string,
    dir: string,
    options: { signal?: AbortSignal; name?: string; onWarning?: (msg: string) => void } = {},
  ): Promise<PatchRunResult> {
    const name = options.name ?? slideName(slidePath);
    return withSlide(slidePath, async (slide) => {
      const t0 = performance.now();
      const seg = await segmentTissue(slide, this.params, options.signal ? { signal: options.signal } : {});
      const t1 = performance.now();
      const set = await this.grid(slide, name, seg);
      const t2 = performance.now();
      const qc = this.options.qc === false ? undefined : await this.qc(slide, set, options.signal);
      const tq = performance.now();
      const paths = layoutPaths(dir, name, this.options.layout ?? 'wsi', set.meta);
      const segFiles = await this.writeSegmentation(seg, paths.segmentation, name, set);
      let fingerprint = '';
      try {
        const src = await openByteSource(slidePath);
        try {
          fingerprint = await fingerprintSource(src);
        } finally {
          await src.close();
        }
      } catch {
        fingerprint = '';
      }
      await this.writeCoords(set, paths.coords, fingerprint, qc);
      const t3 = performance.now();
      const count = set.coords.length >> 1;
      if (count === 0) {
        options.onWarning?.(
          `${name}: no patches (${seg.regions.length} tissue regions kept). The preset's a_t = ${this.params.aT} reference patches of ${this.params.refPatchSize}² level-0 px may drop all tissue on small slides; try a smaller aT (--a-t) or another preset`,
        );
      }
      return {
        name,
        count,
        regions: seg.regions.length,
        holes: seg.regions.reduce((a, r) => a + r.holes.length, 0),
        segmentationLevel: seg.level,
        coordsPath: paths.coords,
        geojsonPath: segFiles.geojson,
        maskPath: segFiles.mask,
        overlayPath: segFiles.overlay,
        meta: set.meta,
        ...(qc === undefined ? {} : { qc: qcSummary(qc) }),
        seconds: {
          segment: (t1 - t0) / 1000,
          grid: (t2 - t1) / 1000,
          qc: (tq - t2) / 1000,
          write: (t3 - tq) / 1000,
        },
      };
    });
  }
}
