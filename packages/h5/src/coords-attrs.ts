/**
 * The attributes of a `coords` dataset in each layout, and the mapping to and from {@link PatchGridMeta}.
 * See docs/formats.md ("HDF5 layouts") for the tables.
 */
import { basename, dirname } from 'node:path';
import { type PatchGridMeta, WsiError } from '@wsi/core';
import { type AttrInput, type AttrValue, f64, i64 } from './attrs.js';

/**
 * Which tool's file layout to write: ours (CLAM's attributes plus Trident's and more), CLAM's, or Trident's.
 *
 * @example
 * ```ts
 * const layout: H5Layout = 'trident';
 * ```
 */
export type H5Layout = 'wsi' | 'clam' | 'trident';

/**
 * Layout names, for validation of user input.
 *
 * @example
 * ```ts
 * if (!H5_LAYOUTS.includes(flag as H5Layout)) throw new Error(`unknown layout ${flag}`);
 * ```
 */
export const H5_LAYOUTS: readonly H5Layout[] = ['wsi', 'clam', 'trident'];

/**
 * The folder a coords file records (`save_path` in CLAM: the patches folder; `savetodir` in Trident: the job
 * folder, i.e. the parent of `patches/`).
 *
 * @example
 * ```ts
 * defaultSaveDir('/job/patches/s_patches.h5', 'trident'); // '/job'
 * ```
 */
export function defaultSaveDir(path: string, layout: H5Layout): string {
  const dir = dirname(path);
  return layout === 'trident' && basename(dir) === 'patches' ? dirname(dir) : dir;
}

function magAttr(x: number | undefined): AttrInput | undefined {
  if (x === undefined) return undefined;
  return Number.isInteger(x) ? i64(x) : f64(x);
}

/**
 * The attributes to write on `coords` for a layout.
 *
 * @throws WsiError `InvalidArgument` for the `trident` layout when magnifications are unknown (Trident requires
 *   `level0_magnification` and `target_magnification`).
 * @example
 * ```ts
 * writeAttrs(coords.dataset, coordsAttrs(meta, 'wsi', '/out/patches'));
 * ```
 */
export function coordsAttrs(
  meta: PatchGridMeta,
  layout: H5Layout,
  saveDir: string,
): Record<string, AttrInput | undefined> {
  // CLAM stores the dimensions of the patching level in both level_dim and downsampled_level_dim.
  const clam: Record<string, AttrInput | undefined> = {
    patch_size: i64(meta.patchSize),
    patch_level: i64(meta.patchLevel),
    downsample: f64(meta.downsample),
    downsampled_level_dim: i64(meta.downsampledLevelDim),
    level_dim: i64(meta.patchLevel === 0 ? meta.levelDim : meta.downsampledLevelDim),
    name: meta.name,
    save_path: saveDir,
  };
  if (layout === 'clam') return clam;
  if (layout === 'trident') {
    if (meta.level0Magnification === undefined || meta.targetMagnification === undefined) {
      throw new WsiError(
        'InvalidArgument',
        'the trident layout needs level0Magnification and targetMagnification (Trident reads patches by magnification)',
      );
    }
    return {
      patch_size: i64(meta.targetPatchSize ?? meta.patchSize),
      patch_size_level0: i64(meta.patchSizeLevel0),
      level0_magnification: magAttr(meta.level0Magnification),
      target_magnification: magAttr(meta.targetMagnification),
      overlap: i64(meta.overlap),
      name: meta.name,
      savetodir: saveDir,
      level0_width: i64(meta.levelDim[0]),
      level0_height: i64(meta.levelDim[1]),
    };
  }
  return {
    ...clam,
    patch_size_level0: i64(meta.patchSizeLevel0),
    level0_magnification: magAttr(meta.level0Magnification),
    target_magnification: magAttr(meta.targetMagnification),
    overlap: i64(meta.overlap),
    level0_width: i64(meta.levelDim[0]),
    level0_height: i64(meta.levelDim[1]),
    mpp: meta.mpp === undefined ? undefined : f64(meta.mpp),
    target_patch_size: meta.targetPatchSize === undefined ? undefined : i64(meta.targetPatchSize),
  };
}

function num(attrs: Record<string, AttrValue>, key: string): number | undefined {
  const v = attrs[key];
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (Array.isArray(v) && v.length === 1 && typeof v[0] === 'number') return v[0];
  if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return Number(v);
  return undefined;
}

function pair(attrs: Record<string, AttrValue>, key: string): [number, number] | undefined {
  const v = attrs[key];
  if (Array.isArray(v) && v.length === 2 && v.every((x) => typeof x === 'number' && Number.isFinite(x))) {
    return [v[0] as number, v[1] as number];
  }
  const s = num(attrs, key);
  return s === undefined ? undefined : [s, s];
}

/**
 * Rebuilds {@link PatchGridMeta} from the attributes of a `coords` dataset written by us, CLAM or Trident.
 * Fields the file does not hold are derived (documented in docs/formats.md ("HDF5 layouts")) or left undefined.
 *
 * @throws WsiError `CorruptFile` when neither CLAM's (`patch_size` + `patch_level`) nor Trident's
 *   (`patch_size` + `patch_size_level0`) essentials are present, naming the file.
 * @example
 * ```ts
 * const meta = metaFromCoordsAttrs(readAttrs(ds), 'slide-1', '/data/slide-1.h5');
 * ```
 */
export function metaFromCoordsAttrs(
  attrs: Record<string, AttrValue>,
  fallbackName: string,
  path: string,
): PatchGridMeta {
  const patchSize = num(attrs, 'patch_size');
  if (patchSize === undefined || patchSize <= 0) {
    throw new WsiError('CorruptFile', `${path}: "coords" has no usable "patch_size" attribute`, { details: { path } });
  }
  const name = typeof attrs.name === 'string' ? attrs.name : fallbackName;
  const patchLevel = num(attrs, 'patch_level');
  const l0mag = num(attrs, 'level0_magnification');
  const tmag = num(attrs, 'target_magnification');
  const l0w = num(attrs, 'level0_width');
  const l0h = num(attrs, 'level0_height');
  const optional = {
    ...(l0mag === undefined ? {} : { level0Magnification: l0mag }),
    ...(tmag === undefined ? {} : { targetMagnification: tmag }),
    ...(num(attrs, 'mpp') === undefined ? {} : { mpp: num(attrs, 'mpp') as number }),
  };
  if (patchLevel !== undefined) {
    // CLAM (and our wsi layout)
    const downsample = pair(attrs, 'downsample') ?? [1, 1];
    const levelDimAttr = pair(attrs, 'level_dim') ?? [0, 0];
    const downsampledLevelDim = pair(attrs, 'downsampled_level_dim') ?? levelDimAttr;
    const levelDim: [number, number] =
      l0w !== undefined && l0h !== undefined
        ? [l0w, l0h]
        : patchLevel === 0
          ? levelDimAttr
          : [Math.round(levelDimAttr[0] * downsample[0]), Math.round(levelDimAttr[1] * downsample[1])];
    const targetPatchSize = num(attrs, 'target_patch_size');
    return {
      name,
      patchSize,
      patchLevel,
      downsample,
      patchSizeLevel0: num(attrs, 'patch_size_level0') ?? Math.round(patchSize * downsample[0]),
      levelDim,
      downsampledLevelDim,
      overlap: num(attrs, 'overlap') ?? 0,
      ...optional,
      ...(targetPatchSize === undefined ? {} : { targetPatchSize }),
    };
  }
  const patchSizeLevel0 = num(attrs, 'patch_size_level0');
  if (patchSizeLevel0 === undefined || patchSizeLevel0 <= 0) {
    throw new WsiError(
      'CorruptFile',
      `${path}: "coords" has neither CLAM's "patch_level" nor Trident's "patch_size_level0" attribute`,
      { details: { path } },
    );
  }
  // Trident: patches are read at level 0 scale patch_size_level0 and resized to patch_size.
  const levelDim: [number, number] = [l0w ?? 0, l0h ?? 0];
  return {
    name,
    patchSize: patchSizeLevel0,
    patchLevel: 0,
    downsample: [1, 1],
    patchSizeLevel0,
    levelDim,
    downsampledLevelDim: levelDim,
    overlap: num(attrs, 'overlap') ?? 0,
    ...optional,
    ...(patchSize === patchSizeLevel0 ? {} : { targetPatchSize: patchSize }),
  };
}
