/**
 * Bag sources: the training engine sees bags through {@link BagSource} and never touches files itself.
 */
import { WsiError } from '@wsi/core';

/**
 * One bag as the trainer sees it.
 *
 * @example
 * ```ts
 * const bag: BagInfo = { id: 'case1', label: 1, count: 5000, caseId: 'P1', slides: [{ name: 'case1', count: 5000 }] };
 * ```
 */
export interface BagInfo {
  id: string;
  /** Integer class 0..C−1 (undefined when predicting an unlabelled manifest). */
  label?: number;
  /** Total instances (patches) over the bag's slides. */
  count: number;
  caseId?: string;
  fold?: number;
  /** The bag's slides in order, with their instance counts (attention rows follow this order). */
  slides: { name: string; count: number; hasCoords?: boolean }[];
  /** Other manifest columns of the bag's first row, carried through to predictions. */
  extra?: Record<string, string>;
}

/**
 * A bag's instances.
 *
 * @example
 * ```ts
 * const { features, n, coords }: LoadedBag = await source.load(0); // n × dim floats
 * ```
 */
export interface LoadedBag {
  /** Row-major count×dim. */
  features: Float32Array;
  n: number;
  /** Level-0 x,y per instance (interleaved) when every slide's file has coords. */
  coords?: Int32Array;
}

/**
 * Where bags come from: memory, or feature files read on demand.
 *
 * @example
 * ```ts
 * const source: BagSource = await manifestBags({ manifest: 'cohort.csv', features: 'feats' });
 * console.log(source.dim, source.bags.length);
 * ```
 */
export interface BagSource {
  dim: number;
  bags: BagInfo[];
  load(index: number): Promise<LoadedBag>;
}

/**
 * An in-memory bag for {@link memoryBags}.
 *
 * @example
 * ```ts
 * const bag: MemoryBag = { id: 'b0', label: 1, features: new Float32Array(100 * 16), n: 100 };
 * const source = memoryBags([bag], 16);
 * ```
 */
export interface MemoryBag {
  id: string;
  label?: number;
  features: Float32Array;
  n: number;
  coords?: Int32Array;
  caseId?: string;
}

/**
 * A {@link BagSource} over bags already in memory (tests, synthetic data, callers with their own loaders).
 *
 * @throws WsiError `InvalidArgument` for empty bags or features sized unlike n×dim.
 * @example
 * ```ts
 * const src = memoryBags([{ id: 'b1', label: 1, features, n: 100 }], 1024);
 * ```
 */
export function memoryBags(bags: MemoryBag[], dim: number): BagSource {
  bags.forEach((b) => {
    if (!(Number.isInteger(b.n) && b.n >= 1))
      throw new WsiError('InvalidArgument', `bag '${b.id}' has ${b.n} instances`);
    if (b.features.length !== b.n * dim) {
      throw new WsiError('InvalidArgument', `bag '${b.id}': ${b.features.length} values, expected ${b.n}×${dim}`);
    }
  });
  return {
    dim,
    bags: bags.map((b) => ({
      id: b.id,
      count: b.n,
      slides: [{ name: b.id, count: b.n }],
      ...(b.label === undefined ? {} : { label: b.label }),
      ...(b.caseId === undefined ? {} : { caseId: b.caseId }),
    })),
    load: async (i) => {
      const b = bags[i];
      if (!b) throw new WsiError('OutOfBounds', `bag index ${i} out of range`);
      return { features: b.features, n: b.n, ...(b.coords ? { coords: b.coords } : {}) };
    },
  };
}

/**
 * Checks labels against the number of classes before training.
 *
 * @throws WsiError `InvalidArgument` listing every bag whose label is missing or outside 0..classes−1.
 * @example
 * ```ts
 * validateLabels(source.bags, 2);
 * ```
 */
export function validateLabels(bags: readonly BagInfo[], classes: number): void {
  const bad = bags.filter(
    (b) => !(Number.isInteger(b.label) && (b.label as number) >= 0 && (b.label as number) < classes),
  );
  if (bad.length) {
    const list = bad
      .slice(0, 10)
      .map((b) => `'${b.id}' (${b.label ?? 'none'})`)
      .join(', ');
    throw new WsiError('InvalidArgument', `${bad.length} bag(s) have labels outside 0..${classes - 1}: ${list}`, {
      details: { bags: bad.map((b) => b.id) },
    });
  }
}
