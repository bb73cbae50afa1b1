/**
 * Per-epoch sampling: the order of training bags (shuffled, or class-balanced resampling) and the seeded random
 * subsampling of patches in bags larger than a cap (biopsy bags that concatenate many slides).
 */
import { WsiError } from '@wsi/core';
import type { Rng } from '../engine/rng.js';

/**
 * The bags of one epoch: a shuffle of `indices`, or (`balanced`) as many draws with replacement in which each class
 * present is equally likely (a class first, then one of its bags).
 *
 * @example
 * ```ts
 * const order = epochOrder(trainIdx, labels, new Rng(1), true);
 * ```
 */
export function epochOrder(
  indices: readonly number[],
  labels: readonly number[],
  rng: Rng,
  balanced = false,
): number[] {
  if (!balanced) return rng.shuffle([...indices]);
  const byClass = new Map<number, number[]>();
  for (const i of indices) {
    const l = labels[i] as number;
    const list = byClass.get(l) ?? [];
    list.push(i);
    byClass.set(l, list);
  }
  const groups = [...byClass.keys()].sort((a, b) => a - b).map((k) => byClass.get(k) as number[]);
  if (!groups.length) return [];
  return indices.map(() => {
    const g = groups[rng.int(groups.length)] as number[];
    return g[rng.int(g.length)] as number;
  });
}

/**
 * A reusable buffer for {@link subsampleBag}.
 *
 * @example
 * ```ts
 * const { features, rows }: SubsampleBuffer = subsampleBag(bag.features, bag.n, dim, 15000, rng);
 * ```
 */
export interface SubsampleBuffer {
  features: Float32Array;
  rows: Int32Array;
}

/**
 * At most `max` patches of a bag (row-major n×dim), picked uniformly without replacement by a seeded generator and
 * kept in their original order; the bag itself when it is small enough. Reuses `buffer` between calls.
 *
 * @throws WsiError `InvalidArgument` when `max` < 1.
 * @example
 * ```ts
 * const { features, n } = subsampleBag(bag.features, bag.n, 1024, 15000, rng, buf);
 * ```
 */
export function subsampleBag(
  features: Float32Array,
  n: number,
  dim: number,
  max: number,
  rng: Rng,
  buffer: SubsampleBuffer,
): { features: Float32Array; n: number; rows?: Int32Array } {
  if (!(Number.isInteger(max) && max >= 1))
    throw new WsiError('InvalidArgument', `max patches must be a positive integer, got ${max}`);
  if (n <= max) return { features, n };
  if (buffer.rows.length < n) buffer.rows = new Int32Array(n);
  const rows = buffer.rows;
  for (let i = 0; i < n; i++) rows[i] = i;
  for (let i = 0; i < max; i++) {
    const j = i + rng.int(n - i);
    const tmp = rows[i] as number;
    rows[i] = rows[j] as number;
    rows[j] = tmp;
  }
  const picked = rows.subarray(0, max).sort();
  if (buffer.features.length < max * dim) buffer.features = new Float32Array(max * dim);
  for (let k = 0; k < max; k++) {
    const r = picked[k] as number;
    buffer.features.set(features.subarray(r * dim, (r + 1) * dim), k * dim);
  }
  return { features: buffer.features, n: max, rows: picked };
}
