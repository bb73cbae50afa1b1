/**
 * Patch coordinate sets: the grid the patcher writes and every later stage reads (`coords` in h5 files).
 * Field names follow CLAM's and Trident's h5 attributes (see docs/formats.md).
 */

/**
 * How a coordinate set was made: the attributes stored on the `coords` dataset.
 *
 * @example
 * ```ts
 * const meta: PatchGridMeta = {
 *   name: 'slide', patchSize: 256, patchLevel: 0, downsample: [1, 1], patchSizeLevel0: 256,
 *   levelDim: [4096, 3072], downsampledLevelDim: [4096, 3072], overlap: 0,
 * };
 * ```
 */
export interface PatchGridMeta {
  /** Slide `<name>` (docs/formats.md). */
  name: string;
  /** Patch side in pixels as read at `patchLevel` (CLAM's `patch_size`). */
  patchSize: number;
  /** Pyramid level the patches are read at (CLAM's `patch_level`). */
  patchLevel: number;
  /** Downsample of `patchLevel` (x, y), as CLAM stores it. */
  downsample: [number, number];
  /** Patch side in level-0 pixels (Trident's `patch_size_level0`). */
  patchSizeLevel0: number;
  /**
   * Level-0 slide dimensions [width, height] (stored as `level0_width`/`level0_height`; note CLAM's own `level_dim`
   * attribute holds the patch level's dimensions, like `downsampled_level_dim`).
   */
  levelDim: [number, number];
  /** Dimensions of `patchLevel` [width, height] (CLAM's `downsampled_level_dim`). */
  downsampledLevelDim: [number, number];
  /** Overlap between neighbouring patches, in pixels at the target resolution. */
  overlap: number;
  /** Native objective magnification at level 0, when known. */
  level0Magnification?: number;
  /** Magnification the patches represent, when a magnification was requested. */
  targetMagnification?: number;
  /** Microns per pixel at level 0, when known. */
  mpp?: number;
  /** Size patches are resized to after reading (CLAM's `custom_downsample` convention), when they are. */
  targetPatchSize?: number;
}

/**
 * Level-0 top-left corners of patches, interleaved `[x0, y0, x1, y1, …]`, with the grid's metadata.
 *
 * @example
 * ```ts
 * const set: PatchCoords = { coords: new Int32Array([0, 0, 256, 0]), meta };
 * const count = set.coords.length / 2;
 * ```
 */
export interface PatchCoords {
  coords: Int32Array;
  meta: PatchGridMeta;
}
