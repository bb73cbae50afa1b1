/**
 * Per-patch scores (MIL attention, classifier outputs) that heatmaps are drawn from:
 * `<name>.scores.csv` with header `x,y,score[,…]`, or a `scores` dataset aligned with `coords` in h5.
 *
 * @example
 * ```ts
 * const s: PatchScores = { columns: ['score'], coords: new Int32Array([0, 0]), scores: new Float32Array([0.9]) };
 * ```
 */
export interface PatchScores {
  /** Score column names (the CSV header after `x,y`). */
  columns: string[];
  /** Level-0 top-left corners, interleaved x,y. */
  coords: Int32Array;
  /** Row-major N×columns.length. */
  scores: Float32Array;
  /** Patch side in level-0 pixels, when known (same as the coords file's `patch_size_level0`). */
  patchSizeLevel0?: number;
}
