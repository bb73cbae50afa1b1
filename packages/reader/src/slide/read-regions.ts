/**
 * Many regions read with a bounded number in flight and yielded in input order, optionally with recycled output
 * buffers: the loop behind `readRegions` of {@link TiledSlide} and of MIRAX slides.
 */
import { availableParallelism } from 'node:os';
import { type Raster, type Region, WsiError } from '@wsi/core';
import { sharedBufferPool } from './buffer-pool.js';

/**
 * Options of `readRegions`.
 *
 * @example
 * ```ts
 * const options: ReadRegionsOptions = { concurrency: 8, recycle: true, signal: AbortSignal.timeout(60_000) };
 * ```
 */
export interface ReadRegionsOptions {
  /** Regions read at the same time (default: 2 × cores, at least 4) — enough to keep every core decoding. */
  concurrency?: number;
  signal?: AbortSignal;
  /**
   * Reuse pixel buffers: each yielded raster is valid only until the next one is asked for (its buffer then goes
   * back to the pool). Saves an allocation per patch; copy a raster you keep. Default false.
   */
  recycle?: boolean;
}

/**
 * One result of `readRegions`: the region's position in the input, the region, its pixels.
 *
 * @example
 * ```ts
 * const results: RegionResult[] = [];
 * for await (const r of slide.readRegions(regions)) results.push(r); // without `recycle`, rasters may be kept
 * ```
 */
export interface RegionResult {
  index: number;
  region: Region;
  raster: Raster;
}

/**
 * Reads `regions` with `read` (`pooled`: its output may come from the shared buffer pool, and is given back after
 * the consumer moved on) keeping up to `concurrency` in flight, yielding them in input order. Stopping early
 * (`break`) leaves no work behind: reads still in flight finish and their pooled buffers go back.
 *
 * @example
 * ```ts
 * for await (const r of readRegionsInOrder(regions, { concurrency: 4 }, (g, s, p) => slide.read(g, s, p))) use(r);
 * ```
 */
export async function* readRegionsInOrder(
  regions: Iterable<Region>,
  options: ReadRegionsOptions,
  read: (region: Region, signal: AbortSignal | undefined, pooled: boolean) => Promise<Raster>,
): AsyncGenerator<RegionResult> {
  const { signal, recycle = false } = options;
  const k = options.concurrency ?? Math.max(4, 2 * availableParallelism());
  if (!(Number.isInteger(k) && k >= 1))
    throw new WsiError('InvalidArgument', `concurrency must be a whole number ≥ 1, got ${k}`);
  const it = regions[Symbol.iterator]();
  const queue: { region: Region; p: Promise<Raster> }[] = [];
  let done = false;
  const pump = () => {
    while (!done && queue.length < k) {
      const n = it.next();
      if (n.done) {
        done = true;
        break;
      }
      const p = read(n.value, signal, recycle);
      p.catch(() => {}); // awaited in order below; this only keeps an early rejection from being "unhandled"
      queue.push({ region: n.value, p });
    }
  };
  let index = 0;
  try {
    pump();
    while (queue.length > 0) {
      const head = queue.shift() as { region: Region; p: Promise<Raster> };
      const raster = await head.p;
      pump();
      yield { index: index++, region: head.region, raster };
      if (recycle) sharedBufferPool.release(raster.data);
    }
  } finally {
    for (const q of queue)
      q.p.then(
        (r) => recycle && sharedBufferPool.release(r.data),
        () => {},
      );
  }
}
