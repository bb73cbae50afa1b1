/**
 * From a bag of DICOM instances to a pyramid: pick one series (Pyramid UID, else Series Instance UID), levels from
 * the VOLUME instances grouped by TotalPixelMatrix size (largest first), associated images from LABEL / OVERVIEW /
 * THUMBNAIL, and a tile → frame locator per level for TILED_FULL (concatenations, focal planes, optical paths) and
 * TILED_SPARSE (per-frame plane positions).
 */
import { WsiError } from '@wsi/core';
import { checkFrameInfo, type FrameInfo } from './codecs.js';
import { TAG, WSI_SOP_CLASS } from './dictionary.js';
import type { DicomInstance } from './instance.js';
import { type DicomJson, dicomNumber, dicomSequence, dicomString, dicomStrings } from './json.js';

/**
 * Where a tile's frame is.
 *
 * @example
 * ```ts
 * const ref: FrameRef | null = plan.levels[0].locate(3, 2);
 * ```
 */
export interface FrameRef {
  instance: DicomInstance;
  /** 0-based frame index within `instance`. */
  frame: number;
}

/**
 * One image of the pyramid (a level or an associated image) and how its tiles map to frames.
 *
 * @example
 * ```ts
 * const l0: DicomImagePlan = planSeries(instances, dir).levels[0];
 * ```
 */
export interface DicomImagePlan {
  width: number;
  height: number;
  tileWidth: number;
  tileHeight: number;
  info: FrameInfo;
  /** Instances behind the image, first one's attributes describe it. */
  instances: DicomInstance[];
  /** The frame of tile (col, row), or null for a tile a sparse tiling leaves out. */
  locate(col: number, row: number): FrameRef | null;
}

/**
 * A series resolved into levels and associated images.
 *
 * @example
 * ```ts
 * const plan: DicomSeriesPlan = planSeries(instances, dir);
 * plan.associated.has('label');
 * ```
 */
export interface DicomSeriesPlan {
  levels: DicomImagePlan[];
  associated: Map<string, DicomImagePlan>;
  /** Optical path identifiers, brightfield first; the first is the one read. */
  opticalPaths: string[];
  /** Instances that belong to no level or associated image of the chosen series (closed by the caller). */
  unused: DicomInstance[];
}

const ASSOCIATED: Record<string, string> = { LABEL: 'label', OVERVIEW: 'macro', THUMBNAIL: 'thumbnail' };
/** Largest grid a level may declare (tiles), so a hostile header cannot size our tables. */
const MAX_TILES = 1 << 24;

function imageType(ds: DicomJson): string {
  return (dicomStrings(ds, TAG.ImageType)[2] ?? '').toUpperCase();
}

function isWsi(inst: DicomInstance): boolean {
  const sop = dicomString(inst.meta, TAG.SOPClassUID) ?? dicomString(inst.fileMeta, TAG.MediaStorageSOPClassUID);
  return sop === WSI_SOP_CLASS;
}

function seriesKey(ds: DicomJson): string {
  return dicomString(ds, TAG.PyramidUID) ?? dicomString(ds, TAG.SeriesInstanceUID) ?? '';
}

function int(ds: DicomJson, tag: string, name: string, where: string, fallback?: number): number {
  const v = dicomNumber(ds, tag) ?? fallback;
  if (v === undefined || !Number.isSafeInteger(v) || v < 1) {
    throw new WsiError('CorruptFile', `${where}: ${name} is ${v === undefined ? 'missing' : `not valid (${v})`}`);
  }
  return v;
}

/**
 * Frame format of an instance (sizes and pixel description), validated (`UnsupportedFormat`, `CorruptFile`).
 *
 * @example
 * ```ts
 * frameInfo(instance).width; // Columns
 * ```
 */
export function frameInfo(inst: DicomInstance): FrameInfo {
  const ds = inst.meta;
  const info: FrameInfo = {
    transferSyntax: inst.transferSyntax,
    photometric: dicomString(ds, TAG.PhotometricInterpretation) ?? 'RGB',
    width: int(ds, TAG.Columns, 'Columns', inst.description),
    height: int(ds, TAG.Rows, 'Rows', inst.description),
    samplesPerPixel: int(ds, TAG.SamplesPerPixel, 'SamplesPerPixel', inst.description, 3),
    bitsAllocated: int(ds, TAG.BitsAllocated, 'BitsAllocated', inst.description, 8),
    planarConfiguration: dicomNumber(ds, TAG.PlanarConfiguration) ?? 0,
  };
  checkFrameInfo(info, inst.description);
  return info;
}

/**
 * Optical paths of an instance, brightfield ones first (illumination type 111744, or full-spectrum colour).
 *
 * @example
 * ```ts
 * opticalPaths(level0.meta); // ['1', '2']
 * ```
 */
export function opticalPaths(ds: DicomJson): string[] {
  const items = dicomSequence(ds, TAG.OpticalPathSequence);
  const scored = items.map((item, i) => {
    const id = dicomString(item, TAG.OpticalPathIdentifier) ?? String(i);
    const illum = dicomSequence(item, TAG.IlluminationTypeCodeSequence).map((c) => dicomString(c, TAG.CodeValue));
    const colour = dicomSequence(item, TAG.IlluminationColorCodeSequence).map((c) => dicomString(c, TAG.CodeValue));
    const bright = illum.includes('111744') || colour.includes('414298005') || colour.includes('R-102FE');
    return { id, bright, i };
  });
  scored.sort((a, b) => Number(b.bright) - Number(a.bright) || a.i - b.i);
  return scored.map((s) => s.id);
}

/**
 * Resolves instances into a pyramid. No WSI instance → `UnsupportedFormat`; no VOLUME image, inconsistent tile
 * sizes or formats within a level, frame counts that do not cover the grid → `CorruptFile`.
 *
 * @example
 * ```ts
 * const plan = planSeries(instances, '/data/slide-7');
 * console.log(plan.levels.map((l) => [l.width, l.height]));
 * ```
 */
export function planSeries(all: DicomInstance[], where: string): DicomSeriesPlan {
  const wsi = all.filter(isWsi);
  if (wsi.length === 0) throw new WsiError('UnsupportedFormat', `${where}: no VL Whole Slide Microscopy instance`);
  // the series holding the largest VOLUME image
  const volumes = wsi.filter((i) => imageType(i.meta) === 'VOLUME');
  if (volumes.length === 0) throw new WsiError('CorruptFile', `${where}: no VOLUME image (no pyramid level)`);
  const area = (i: DicomInstance) =>
    (dicomNumber(i.meta, TAG.TotalPixelMatrixColumns) ?? 0) * (dicomNumber(i.meta, TAG.TotalPixelMatrixRows) ?? 0);
  const biggest = volumes.reduce((a, b) => (area(b) > area(a) ? b : a));
  const key = seriesKey(biggest.meta);
  const chosen = new Set(wsi.filter((i) => seriesKey(i.meta) === key));
  const paths = opticalPaths(biggest.meta);
  const path = paths[0];

  const bySize = new Map<string, DicomInstance[]>();
  const associatedBy = new Map<string, DicomInstance[]>();
  const seen = new Set<string>();
  const used = new Set<DicomInstance>();
  for (const inst of chosen) {
    const uid = dicomString(inst.meta, TAG.SOPInstanceUID);
    if (uid !== undefined) {
      if (seen.has(uid)) continue; // the same instance twice (a copied file)
      seen.add(uid);
    }
    const type = imageType(inst.meta);
    const w = int(
      inst.meta,
      TAG.TotalPixelMatrixColumns,
      'TotalPixelMatrixColumns',
      inst.description,
      dicomNumber(inst.meta, TAG.Columns),
    );
    const h = int(
      inst.meta,
      TAG.TotalPixelMatrixRows,
      'TotalPixelMatrixRows',
      inst.description,
      dicomNumber(inst.meta, TAG.Rows),
    );
    const target = type === 'VOLUME' ? bySize : ASSOCIATED[type] ? associatedBy : undefined;
    if (!target) continue;
    if (type === 'VOLUME' && path !== undefined && !carriesPath(inst.meta, path)) continue;
    const k = type === 'VOLUME' ? `${w}x${h}` : (ASSOCIATED[type] as string);
    const list = target.get(k) ?? [];
    list.push(inst);
    target.set(k, list);
    used.add(inst);
  }
  const levels = [...bySize.values()].map((list) => planImage(list, path));
  levels.sort((a, b) => b.width - a.width || b.height - a.height);
  const associated = new Map<string, DicomImagePlan>();
  for (const name of ['label', 'macro', 'thumbnail']) {
    const list = associatedBy.get(name);
    if (list) associated.set(name, planImage(list.slice(0, 1), path));
  }
  return { levels, associated, opticalPaths: paths, unused: all.filter((i) => !used.has(i)) };
}

function carriesPath(ds: DicomJson, path: string): boolean {
  const items = dicomSequence(ds, TAG.OpticalPathSequence);
  return (
    items.length === 0 || items.some((it, i) => (dicomString(it, TAG.OpticalPathIdentifier) ?? String(i)) === path)
  );
}

/** One level from its instances (several: a concatenation, or copies per focal plane / optical path). */
function planImage(list: DicomInstance[], path: string | undefined): DicomImagePlan {
  const first = list[0] as DicomInstance;
  const info = frameInfo(first);
  const width = int(first.meta, TAG.TotalPixelMatrixColumns, 'TotalPixelMatrixColumns', first.description, info.width);
  const height = int(first.meta, TAG.TotalPixelMatrixRows, 'TotalPixelMatrixRows', first.description, info.height);
  for (const inst of list.slice(1)) {
    const other = frameInfo(inst);
    if (other.width !== info.width || other.height !== info.height) {
      throw new WsiError(
        'CorruptFile',
        `${inst.description}: frames are ${other.width}×${other.height}, other instances of the ${width}×${height} level have ${info.width}×${info.height} (inconsistent sizes)`,
      );
    }
    if (
      other.transferSyntax !== info.transferSyntax ||
      other.photometric !== info.photometric ||
      other.samplesPerPixel !== info.samplesPerPixel
    ) {
      throw new WsiError(
        'CorruptFile',
        `${inst.description}: pixel format differs from other instances of the ${width}×${height} level`,
      );
    }
  }
  const across = Math.ceil(width / info.width);
  const down = Math.ceil(height / info.height);
  if (across * down > MAX_TILES)
    throw new WsiError('CorruptFile', `${first.description}: ${across}×${down} tiles is more than we accept`);
  const base = { width, height, tileWidth: info.width, tileHeight: info.height, info, instances: list };
  const sparse = list.some(
    (i) => (dicomString(i.meta, TAG.DimensionOrganizationType) ?? 'TILED_FULL').toUpperCase() === 'TILED_SPARSE',
  );
  return sparse ? planSparse(base, across, down, path) : planFull(base, across, down, path);
}

type PlanBase = Omit<DicomImagePlan, 'locate'>;

function frameCount(inst: DicomInstance): number {
  return int(inst.meta, TAG.NumberOfFrames, 'NumberOfFrames', inst.description, 1);
}

/** TILED_FULL: frames in row-major order, then focal planes, then optical paths; concatenations by frame offset. */
function planFull(base: PlanBase, across: number, down: number, path: string | undefined): DicomImagePlan {
  // one concatenation (or one instance): the parts that share the first one's source UID
  const first = base.instances[0] as DicomInstance;
  const source = (i: DicomInstance) =>
    dicomString(i.meta, TAG.SOPInstanceUIDOfConcatenationSource) ?? dicomString(i.meta, TAG.SOPInstanceUID);
  const parts = base.instances
    .filter((i) => source(i) === source(first))
    .map((instance) => ({
      instance,
      offset: dicomNumber(instance.meta, TAG.ConcatenationFrameOffsetNumber) ?? 0,
      frames: frameCount(instance),
    }))
    .sort((a, b) => a.offset - b.offset);
  const total = parts.reduce((n, p) => Math.max(n, p.offset + p.frames), 0);
  const planes = dicomNumber(first.meta, TAG.TotalPixelMatrixFocalPlanes) ?? 1;
  const ids = dicomSequence(first.meta, TAG.OpticalPathSequence).map(
    (it, i) => dicomString(it, TAG.OpticalPathIdentifier) ?? String(i),
  );
  const pathIndex = Math.max(0, path === undefined ? 0 : ids.indexOf(path));
  const start = pathIndex * planes * across * down;
  if (total < start + across * down) {
    throw new WsiError(
      'CorruptFile',
      `${first.description}: ${total} frames for a TILED_FULL grid of ${across}×${down} tiles (missing frames)`,
      {
        details: { frames: total, needed: start + across * down },
      },
    );
  }
  return {
    ...base,
    locate(col, row) {
      const g = start + row * across + col;
      const part = parts.find((p) => g >= p.offset && g < p.offset + p.frames);
      return part ? { instance: part.instance, frame: g - part.offset } : null;
    },
  };
}

/** TILED_SPARSE: each frame's position from its Plane Position (Slide) functional group. */
function planSparse(base: PlanBase, across: number, down: number, path: string | undefined): DicomImagePlan {
  const map = new Map<number, FrameRef>();
  for (const instance of base.instances) {
    const frames = frameCount(instance);
    const perFrame = dicomSequence(instance.meta, TAG.PerFrameFunctionalGroupsSequence);
    const shared = dicomSequence(instance.meta, TAG.SharedFunctionalGroupsSequence)[0];
    if (perFrame.length !== frames) {
      throw new WsiError(
        'CorruptFile',
        `${instance.description}: TILED_SPARSE with ${perFrame.length} per-frame groups for ${frames} frames (missing frames)`,
      );
    }
    const sharedPath = dicomString(
      dicomSequence(shared, TAG.OpticalPathIdentificationSequence)[0],
      TAG.OpticalPathIdentifier,
    );
    perFrame.forEach((item, frame) => {
      const pos =
        dicomSequence(item, TAG.PlanePositionSlideSequence)[0] ??
        dicomSequence(shared, TAG.PlanePositionSlideSequence)[0];
      const c = dicomNumber(pos, TAG.ColumnPositionInTotalImagePixelMatrix);
      const r = dicomNumber(pos, TAG.RowPositionInTotalImagePixelMatrix);
      if (c === undefined || r === undefined)
        throw new WsiError('CorruptFile', `${instance.description}: frame ${frame + 1} has no plane position`);
      const framePath =
        dicomString(dicomSequence(item, TAG.OpticalPathIdentificationSequence)[0], TAG.OpticalPathIdentifier) ??
        sharedPath;
      if (path !== undefined && framePath !== undefined && framePath !== path) return;
      const col = Math.floor((c - 1) / base.tileWidth);
      const row = Math.floor((r - 1) / base.tileHeight);
      if (col < 0 || row < 0 || col >= across || row >= down) {
        throw new WsiError(
          'CorruptFile',
          `${instance.description}: frame ${frame + 1} at (${c}, ${r}) lies outside the ${base.width}×${base.height} matrix`,
        );
      }
      const k = row * across + col;
      if (!map.has(k)) map.set(k, { instance, frame });
    });
  }
  return { ...base, locate: (col, row) => map.get(row * across + col) ?? null };
}
