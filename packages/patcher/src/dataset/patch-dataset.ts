/**
 * `PatchDataset`: many patch h5 files (`imgs` + `coords`, what `wsi extract --format h5` writes) as one indexed
 * collection for training: in-memory or on-disk, random access, seeded shuffles, and batches as normalised Float32
 * NCHW tensors with optional augmentation, prefetched with bounded memory.
 */
import { WsiError } from '@wsi/core';
import { applyHedJitter, drawHedJitter } from '../stain/hed.js';
import { seededRandom } from '../stain/image.js';
import { type BatchOptions, mixSeed, type PatchBatch, seededPermutation } from './batch.js';
import { closePatchFile, type OpenPatchFile, openPatchFile, type PatchFileInfo, readImgRows } from './sources.js';
import { dihedralMap, IMAGENET_NORMALIZATION, normalizationTables, writeChw } from './tensor.js';

/**
 * Options of {@link PatchDataset.open}.
 *
 * @example
 * ```ts
 * const o: PatchDatasetOptions = { mode: 'memory', labels: [0, 1, 1] };
 * ```
 */
export interface PatchDatasetOptions {
  /** `memory`: every patch in one preallocated array, loaded in chunks; `disk` (default): read on demand. */
  mode?: 'memory' | 'disk';
  /** Rows per read when loading into memory (default: about 2 MiB per read, which h5wasm reads fastest). */
  chunkRows?: number;
  /** Largest in-memory array in bytes (default 4 GiB); beyond it `open` refuses and suggests `disk`. */
  maxBytes?: number;
  /** One integer label per file (e.g. the slide's class), returned with each patch and batch. */
  labels?: readonly number[];
}

/**
 * Patches of many h5 patch files behind one global index (files in the given order, patches in file order).
 *
 * @example
 * ```ts
 * const ds = await PatchDataset.open(['a.h5', 'b.h5'], { mode: 'memory' });
 * for await (const b of ds.batches({ batchSize: 64, shuffle: true, seed: 1, normalize: getPreset('uni_v1') })) train(b);
 * await ds.close();
 * ```
 */
export class PatchDataset {
  readonly mode: 'memory' | 'disk';
  readonly length: number;
  readonly height: number;
  readonly width: number;
  /** `offsets[f]` = global index of file f's first patch; `offsets[files.length]` = length. */
  readonly offsets: Float64Array;
  readonly #files: OpenPatchFile[];
  readonly #labels: readonly number[] | undefined;
  #pixels: Uint8Array | undefined;

  private constructor(files: OpenPatchFile[], mode: 'memory' | 'disk', labels: readonly number[] | undefined) {
    this.#files = files;
    this.mode = mode;
    this.#labels = labels;
    this.offsets = new Float64Array(files.length + 1);
    for (let f = 0; f < files.length; f++)
      this.offsets[f + 1] = (this.offsets[f] as number) + (files[f] as OpenPatchFile).count;
    this.length = this.offsets[files.length] as number;
    this.height = files[0]?.height ?? 0;
    this.width = files[0]?.width ?? 0;
  }

  /**
   * Opens the files (checking that all patches share one size) and, in memory mode, loads every patch.
   *
   * @throws WsiError `InvalidArgument` (no files, sizes differ, labels do not match, too large for memory),
   *   `NotFound` / `CorruptFile` from a file.
   * @example
   * ```ts
   * const ds = await PatchDataset.open(['a.h5', 'b.h5'], { mode: 'disk', labels: [0, 1] });
   * ```
   */
  static async open(paths: readonly string[], options: PatchDatasetOptions = {}): Promise<PatchDataset> {
    const mode = options.mode ?? 'disk';
    if (mode !== 'memory' && mode !== 'disk') throw new WsiError('InvalidArgument', `unknown mode '${String(mode)}'`);
    if (paths.length === 0) throw new WsiError('InvalidArgument', 'a patch dataset needs at least one file');
    if (options.labels !== undefined && options.labels.length !== paths.length)
      throw new WsiError('InvalidArgument', `${options.labels.length} labels for ${paths.length} files`);
    const files: OpenPatchFile[] = [];
    try {
      for (const p of paths) {
        const f = await openPatchFile(p);
        files.push(f);
        const first = files[0] as OpenPatchFile;
        if (f.height !== first.height || f.width !== first.width)
          throw new WsiError(
            'InvalidArgument',
            `${f.path} holds ${f.width}×${f.height} patches but ${first.path} holds ${first.width}×${first.height}`,
          );
      }
      const ds = new PatchDataset(files, mode, options.labels);
      const rowBytes = Math.max(1, ds.height * ds.width * 3);
      const chunkRows = options.chunkRows ?? Math.max(1, Math.floor(2 ** 21 / rowBytes));
      if (mode === 'memory') ds.#load(chunkRows, options.maxBytes ?? 4 * 2 ** 30);
      return ds;
    } catch (err) {
      for (const f of files) closePatchFile(f);
      throw err;
    }
  }

  #load(chunkRows: number, maxBytes: number): void {
    if (!(Number.isInteger(chunkRows) && chunkRows >= 1))
      throw new WsiError('InvalidArgument', `chunkRows must be ≥ 1, got ${chunkRows}`);
    const per = this.height * this.width * 3;
    const bytes = this.length * per;
    if (bytes > maxBytes)
      throw new WsiError(
        'InvalidArgument',
        `${this.length} patches need ${bytes} bytes in memory, over the ${maxBytes}-byte limit; use mode 'disk'`,
      );
    try {
      this.#pixels = new Uint8Array(bytes);
    } catch (err) {
      throw new WsiError('InvalidArgument', `cannot allocate ${bytes} bytes for the patches; use mode 'disk'`, {
        cause: err,
      });
    }
    this.#files.forEach((f, i) => {
      const base = (this.offsets[i] as number) * per;
      for (let r = 0; r < f.count; r += chunkRows)
        readImgRows(f, r, Math.min(f.count, r + chunkRows), this.#pixels as Uint8Array, base + r * per);
      closePatchFile(f);
    });
  }

  /** The files, in index order. */
  get files(): PatchFileInfo[] {
    return this.#files.map(({ path, count, height, width }) => ({ path, count, height, width }));
  }

  /**
   * The file of global index `i` and the patch's index inside it (binary search over cumulative counts).
   *
   * @throws WsiError `OutOfBounds` outside `[0, length)`.
   * @example
   * ```ts
   * ds.locate(1500); // { file: 1, local: 300 } when the first file holds 1200 patches
   * ```
   */
  locate(i: number): { file: number; local: number } {
    if (!(Number.isInteger(i) && i >= 0 && i < this.length))
      throw new WsiError('OutOfBounds', `patch ${i} outside the dataset of ${this.length}`);
    let lo = 0;
    let hi = this.#files.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((this.offsets[mid] as number) <= i) lo = mid;
      else hi = mid - 1;
    }
    return { file: lo, local: i - (this.offsets[lo] as number) };
  }

  /**
   * The RGB pixels (H×W×3) of patch `i`, into `dst` at `offset` when given.
   *
   * @throws WsiError `OutOfBounds`, `InvalidArgument` after {@link PatchDataset.close}.
   * @example
   * ```ts
   * const rgb = ds.read(42);
   * ```
   */
  read(i: number, dst?: Uint8Array, offset = 0): Uint8Array {
    const { file, local } = this.locate(i);
    const per = this.height * this.width * 3;
    const out = dst ?? new Uint8Array(per);
    if (this.mode === 'memory') {
      if (this.#pixels === undefined) throw new WsiError('InvalidArgument', 'the dataset is closed');
      out.set(this.#pixels.subarray(i * per, (i + 1) * per), offset);
    } else readImgRows(this.#files[file] as OpenPatchFile, local, local + 1, out, offset);
    return out;
  }

  /**
   * Patch `i` with where it comes from.
   *
   * @example
   * ```ts
   * const { rgb, x, y, file, label } = ds.get(7);
   * ```
   */
  get(i: number): { rgb: Uint8Array; x: number; y: number; file: number; local: number; label?: number } {
    const { file, local } = this.locate(i);
    const f = this.#files[file] as OpenPatchFile;
    const label = this.#labels?.[file];
    return {
      rgb: this.read(i),
      x: f.coords[local * 2] as number,
      y: f.coords[local * 2 + 1] as number,
      file,
      local,
      ...(label === undefined ? {} : { label }),
    };
  }

  /**
   * The visiting order of an epoch: identity, or a seeded permutation of (seed, epoch).
   *
   * @example
   * ```ts
   * const order = ds.order({ shuffle: true, seed: 1, epoch: 3 });
   * ```
   */
  order(options: { shuffle?: boolean; seed?: number; epoch?: number } = {}): Int32Array {
    if (!options.shuffle) return Int32Array.from({ length: this.length }, (_, i) => i);
    return seededPermutation(this.length, mixSeed(options.seed ?? 0, options.epoch ?? 0, -1));
  }

  /** Fills one batch of `idx` into `x` (and the metadata arrays). */
  #fill(
    idx: Int32Array,
    x: Float32Array,
    scratch: Uint8Array,
    opts: BatchOptions,
    tables: ReturnType<typeof normalizationTables>,
  ): PatchBatch {
    const n = idx.length;
    const { height: h, width: w } = this;
    const pixels = h * w;
    const per = pixels * 3;
    const coords = new Int32Array(n * 2);
    const files = new Int32Array(n);
    const labels = this.#labels === undefined ? undefined : new Int32Array(n);
    // disk mode: read runs of consecutive patches of one file with one slice
    let b = 0;
    while (b < n) {
      const start = idx[b] as number;
      const { file, local } = this.locate(start);
      const f = this.#files[file] as OpenPatchFile;
      let run = 1;
      while (b + run < n && idx[b + run] === start + run && local + run < f.count) run++;
      if (this.mode === 'disk') readImgRows(f, local, local + run, scratch, b * per);
      else scratch.set((this.#pixels as Uint8Array).subarray(start * per, (start + run) * per), b * per);
      for (let k = 0; k < run; k++) {
        coords[(b + k) * 2] = f.coords[(local + k) * 2] as number;
        coords[(b + k) * 2 + 1] = f.coords[(local + k) * 2 + 1] as number;
        files[b + k] = file;
        if (labels) labels[b + k] = this.#labels?.[file] as number;
      }
      b += run;
    }
    const aug = opts.augment;
    const hed = aug?.hed === true ? {} : aug?.hed === false ? undefined : aug?.hed;
    for (let k = 0; k < n; k++) {
      const patch = scratch.subarray(k * per, (k + 1) * per);
      let map: Int32Array | null = null;
      if (aug && (aug.flips || aug.rot90 || hed)) {
        const rand = seededRandom(mixSeed(opts.seed ?? 0, opts.epoch ?? 0, idx[k] as number));
        const rot = aug.rot90 && h === w ? Math.floor(rand() * 4) : 0;
        const hf = aug.flips ? rand() < 0.5 : false;
        const vf = aug.flips ? rand() < 0.5 : false;
        map = h === w ? dihedralMap(h, rot, hf, vf) : null;
        if (hed) applyHedJitter(patch, patch, pixels, 3, drawHedJitter({ ...hed, random: rand }));
      }
      writeChw(patch, pixels, tables, map, x, k * per);
    }
    return { x, shape: [n, 3, h, w], indices: idx, coords, files, ...(labels ? { labels } : {}) };
  }

  /**
   * Batches of normalised Float32 NCHW tensors, built up to `prefetch` ahead (each in its own macrotask, so the
   * next batch is prepared while the consumer awaits e.g. a model run).
   *
   * @throws WsiError `InvalidArgument` for bad options.
   * @example
   * ```ts
   * for await (const b of ds.batches({ batchSize: 64, shuffle: true, seed: 7, augment: { flips: true, rot90: true } })) {
   *   console.log(b.shape); // [64, 3, 224, 224]
   * }
   * ```
   */
  async *batches(options: BatchOptions = {}): AsyncGenerator<PatchBatch> {
    const size = options.batchSize ?? 64;
    const prefetch = options.prefetch ?? 2;
    if (!(Number.isInteger(size) && size >= 1))
      throw new WsiError('InvalidArgument', `batchSize must be ≥ 1, got ${size}`);
    if (!(Number.isInteger(prefetch) && prefetch >= 0))
      throw new WsiError('InvalidArgument', `prefetch must be ≥ 0, got ${prefetch}`);
    const tables = normalizationTables(options.normalize ?? IMAGENET_NORMALIZATION);
    const order = this.order(options);
    const count = options.dropLast ? Math.floor(this.length / size) : Math.ceil(this.length / size);
    const per = this.height * this.width * 3;
    const ring = options.recycle ? Math.max(1, prefetch) + 1 : 0;
    const xs: Float32Array[] = [];
    const scratch = new Uint8Array(size * per);
    const build = (j: number): PatchBatch => {
      const idx = order.slice(j * size, Math.min(this.length, (j + 1) * size));
      let x: Float32Array;
      if (ring > 0) {
        x = xs[j % ring] ?? new Float32Array(size * per);
        xs[j % ring] = x;
        x = idx.length === size ? x : x.subarray(0, idx.length * per);
      } else x = new Float32Array(idx.length * per);
      return this.#fill(idx, x, scratch, options, tables);
    };
    const queue: Promise<PatchBatch>[] = [];
    let next = 0;
    const schedule = (): void => {
      while (next < count && queue.length < Math.max(1, prefetch)) {
        const j = next++;
        const p = new Promise<PatchBatch>((res, rej) =>
          setImmediate(() => {
            try {
              res(build(j));
            } catch (err) {
              rej(err);
            }
          }),
        );
        p.catch(() => {}); // surfaced when awaited
        queue.push(p);
      }
    };
    schedule();
    while (queue.length > 0) {
      const batch = await (queue.shift() as Promise<PatchBatch>);
      schedule();
      yield batch;
    }
  }

  /**
   * Releases file handles (disk mode) and the pixel array (memory mode).
   *
   * @example
   * ```ts
   * await ds.close();
   * ```
   */
  async close(): Promise<void> {
    for (const f of this.#files) closePatchFile(f);
    this.#pixels = undefined;
  }
}
