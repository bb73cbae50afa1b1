/**
 * The inner loop shared by embedding and scoring: patches read concurrently, preprocessed straight into one of two
 * batch buffers, and ORT running on one buffer while the other fills (decode and inference overlap).
 */
import type { PatchGridMeta, Region, Slide } from '@wsi/core';
import { throwIfAborted, WsiError } from '@wsi/core';
import type { Encoder } from './encoder.js';
import { Preprocessor } from './preprocess.js';

/** A slide that can read many regions at once (TiledSlide), or only one by one. */
type MaybeBatchSlide = Slide & {
  readRegions?: (
    regions: Iterable<Region>,
    o: { concurrency?: number; recycle?: boolean; signal?: AbortSignal },
  ) => AsyncIterable<{ index: number; raster: import('@wsi/core').Raster }>;
};

/**
 * Options of {@link runBatches}.
 *
 * @example
 * ```ts
 * const o: BatchRunOptions = { batchSize: 64, concurrency: 8 };
 * ```
 */
export interface BatchRunOptions {
  /** Patches per ORT run (default 64). */
  batchSize?: number;
  /** Regions decoded at the same time (default: the reader's choice). */
  concurrency?: number;
  signal?: AbortSignal;
  /** Called after each batch with the number of patches done. */
  onProgress?: (done: number, total: number) => void;
}

/**
 * The regions of a coords grid: `patchSize` pixels at `patchLevel`, from level-0 corners.
 *
 * @example
 * ```ts
 * const regions = patchRegions(coordsFile.coords, coordsFile.meta);
 * for await (const r of slide.readRegions(regions)) use(r);
 * ```
 */
export function patchRegions(coords: Int32Array, meta: PatchGridMeta): Region[] {
  const out: Region[] = [];
  for (let i = 0; i < coords.length; i += 2) {
    out.push({
      x: coords[i] as number,
      y: coords[i + 1] as number,
      level: meta.patchLevel,
      width: meta.patchSize,
      height: meta.patchSize,
    });
  }
  return out;
}

async function* readAll(
  slide: MaybeBatchSlide,
  regions: Region[],
  concurrency: number | undefined,
  signal?: AbortSignal,
) {
  if (typeof slide.readRegions === 'function') {
    yield* slide.readRegions(regions, {
      recycle: true,
      ...(concurrency === undefined ? {} : { concurrency }),
      ...(signal ? { signal } : {}),
    });
    return;
  }
  const k = concurrency ?? 8;
  const pending: Promise<import('@wsi/core').Raster>[] = [];
  let next = 0;
  for (let i = 0; i < regions.length; i++) {
    while (next < regions.length && pending.length < k)
      pending.push(slide.readRegion(regions[next++] as Region, signal ? { signal } : {}));
    yield { index: i, raster: await (pending.shift() as Promise<import('@wsi/core').Raster>) };
  }
}

/**
 * Runs `encoder` over every patch of the grid in fixed-size batches; `sink` receives each batch's outputs
 * (n × dim) and the n coordinate pairs, in order. Memory: two batch buffers plus the reader's in-flight regions.
 *
 * @example
 * ```ts
 * await runBatches(slide, coords, meta, enc, (feats, xy, n) => writer.append(feats, xy), { batchSize: 32 });
 * ```
 */
export async function runBatches(
  slide: Slide,
  coords: Int32Array,
  meta: PatchGridMeta,
  encoder: Encoder,
  sink: (outputs: Float32Array, coords: Int32Array, n: number) => void | Promise<void>,
  options: BatchRunOptions = {},
): Promise<void> {
  const batchSize = options.batchSize ?? 64;
  if (!(Number.isInteger(batchSize) && batchSize >= 1 && batchSize <= 4096)) {
    throw new WsiError('InvalidArgument', `batch size must be a whole number in 1…4096, got ${batchSize}`);
  }
  const pre = new Preprocessor(encoder.preset);
  const buffers = [new Float32Array(batchSize * pre.imageSize), new Float32Array(batchSize * pre.imageSize)];
  const total = coords.length / 2;
  // runs[k]: the run (and sink) of the batch last prepared in buffers[k]; ORT runs are chained one after another.
  const runs: (Promise<void> | undefined)[] = [undefined, undefined];
  let last: Promise<void> | undefined;
  let which = 0;
  let fill = 0;
  let start = 0;
  let done = 0;
  const launch = (n: number, first: number) => {
    const buf = buffers[which] as Float32Array;
    const prev = last;
    last = (async () => {
      if (prev) await prev;
      const feats = await encoder.run(buf, n);
      await sink(feats, coords.subarray(first * 2, (first + n) * 2), n);
      done += n;
      options.onProgress?.(done, total);
    })();
    last.catch(() => {}); // awaited below; keeps an early failure from being "unhandled"
    runs[which] = last;
    which ^= 1;
  };
  for await (const { raster } of readAll(
    slide as MaybeBatchSlide,
    patchRegions(coords, meta),
    options.concurrency,
    options.signal,
  )) {
    // The buffer about to be filled may still be read by ORT: wait for its run (the other buffer's run goes on).
    if (fill === 0 && runs[which]) await runs[which];
    pre.write(raster, buffers[which] as Float32Array, fill);
    fill++;
    if (fill === batchSize) {
      launch(fill, start);
      start += fill;
      fill = 0;
    }
    throwIfAborted(options.signal);
  }
  if (fill > 0) launch(fill, start);
  if (last) await last;
}
