/**
 * Batch options and results of {@link PatchDataset.batches}, and the seeded orders and draws behind them.
 */
import type { HedJitterOptions } from '../stain/hed.js';
import { seededRandom } from '../stain/image.js';
import type { TensorNormalization } from './tensor.js';

/**
 * Options of {@link PatchDataset.batches}.
 *
 * @example
 * ```ts
 * const o: BatchOptions = { batchSize: 64, shuffle: true, seed: 1, epoch: 0, augment: { flips: true, rot90: true } };
 * ```
 */
export interface BatchOptions {
  /** Patches per batch (default 64). */
  batchSize?: number;
  /** Visit patches in a seeded random order (default false). */
  shuffle?: boolean;
  /** Seed of shuffling and augmentation (default 0). */
  seed?: number;
  /** Epoch number, mixed into the seed so every epoch has its own order (default 0). */
  epoch?: number;
  /** Drop a last, short batch (default false). */
  dropLast?: boolean;
  /** Mean/std/scale/channel order (an `@wsi/embed` preset fits); default ImageNet. */
  normalize?: TensorNormalization;
  /** Random flips, 90° rotations and HED stain jitter, drawn per patch from (seed, epoch, index). */
  augment?: { flips?: boolean; rot90?: boolean; hed?: HedJitterOptions | boolean };
  /** Batches built ahead of the consumer (default 2); memory holds at most `prefetch + 1` batches. */
  prefetch?: number;
  /** Reuse `max(1, prefetch) + 1` batch buffers: a batch is then valid only until the next is asked for (default false). */
  recycle?: boolean;
}

/**
 * One batch: `x` is Float32 `[n, 3, H, W]` (NCHW); `indices` are global patch indices.
 *
 * @example
 * ```ts
 * for await (const b of ds.batches({ batchSize: 64 })) await session.run({ input: new Tensor('float32', b.x, b.shape) });
 * ```
 */
export interface PatchBatch {
  x: Float32Array;
  shape: [number, number, number, number];
  indices: Int32Array;
  /** Level-0 corners, interleaved. */
  coords: Int32Array;
  /** File index of each patch. */
  files: Int32Array;
  /** Present when the dataset has labels. */
  labels?: Int32Array;
}

/**
 * A seeded permutation of `0…n-1` (Fisher–Yates).
 *
 * @example
 * ```ts
 * seededPermutation(5, 42); // Int32Array [3, 0, 4, 1, 2] (for instance; always the same for seed 42)
 * ```
 */
export function seededPermutation(n: number, seed: number): Int32Array {
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) out[i] = i;
  const rand = seededRandom(seed);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    const t = out[i] as number;
    out[i] = out[j] as number;
    out[j] = t;
  }
  return out;
}

/**
 * A 32-bit seed mixed from (seed, epoch, index), so per-patch draws do not depend on batching or prefetch.
 *
 * @example
 * ```ts
 * const rand = seededRandom(mixSeed(1, 0, 42));
 * ```
 */
export function mixSeed(seed: number, epoch: number, index: number): number {
  let h = Math.imul(seed ^ 0x85ebca6b, 0xc2b2ae35) ^ Math.imul(epoch + 0x27d4eb2f, 0x165667b1);
  h = Math.imul(h ^ (h >>> 15), 0x2c1b3c6d) ^ Math.imul(index + 0x9e3779b9, 0x297a2d39);
  return (h ^ (h >>> 16)) >>> 0;
}
