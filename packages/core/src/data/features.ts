/**
 * Patch embeddings: `features` (float32 N×D) with optional aligned `coords`, as in CLAM's `h5_files` and
 * Trident's `features_<encoder>` files.
 *
 * @example
 * ```ts
 * const fs: FeatureSet = { count: 2, dim: 3, features: new Float32Array(6), encoder: 'resnet50' };
 * const row1 = fs.features.subarray(1 * fs.dim, 2 * fs.dim);
 * ```
 */
export interface FeatureSet {
  /** Number of patches (rows). */
  count: number;
  /** Embedding dimension (columns). */
  dim: number;
  /** Row-major N×D. */
  features: Float32Array;
  /** Level-0 top-left corners, interleaved x,y (N×2), when the file has them. */
  coords?: Int32Array;
  /** Encoder id (Trident's name, a model file stem, or `default`). */
  encoder?: string;
  /** Slide `<name>`. */
  name?: string;
}
