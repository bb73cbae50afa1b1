/**
 * Patch image files (CLAM's h5 patch export): `imgs` N×H×W×3 uint8, chunked one patch per chunk, beside
 * `coords` (N×2 int64, level-0 corners).
 */
import type { PatchGridMeta } from '@wsi/core';
import { WsiError } from '@wsi/core';
import { AppendableDataset, type RowData } from './appendable.js';
import { type AttrValue, f64, i64, readAttrs, writeAttrs } from './attrs.js';
import { coordsAttrs, defaultSaveDir, metaFromCoordsAttrs } from './coords-attrs.js';
import { nameFromPath } from './coords-file.js';
import { H5Writer, withH5Read } from './file.js';
import type { Provenance } from './provenance.js';
import { getDataset, readRows, toInt32 } from './read.js';

/**
 * Options of {@link PatchImagesWriter.create}.
 *
 * @example
 * ```ts
 * const o: PatchImagesWriteOptions = { size: 256 };
 * ```
 */
export interface PatchImagesWriteOptions {
  /** Side of the stored patches in pixels (H = W). */
  size: number;
  provenance?: Provenance;
  /** Largest single write in bytes (default 256 MiB). */
  byteBudget?: number;
}

/**
 * Streams RGB patches and their coordinates into an h5 patch file, finished atomically.
 *
 * @example
 * ```ts
 * const w = await PatchImagesWriter.create('patches/slide.h5', meta, { size: 256 });
 * w.append(rgb, new Int32Array([0, 0, 256, 0])); // rgb: 2×256×256×3 Uint8Array
 * await w.finish();
 * ```
 */
export class PatchImagesWriter {
  private constructor(
    private readonly writer: H5Writer,
    private readonly imgs: AppendableDataset,
    private readonly coords: AppendableDataset,
    readonly size: number,
  ) {}

  /**
   * Creates the file with `imgs` (CLAM's attributes: `patch_level`, `wsi_name`, `downsample`, `level_dim`,
   * `downsampled_level_dim`) and `coords` (the `wsi` coords attributes).
   *
   * @example
   * ```ts
   * const w = await PatchImagesWriter.create('p.h5', meta, { size: 224 });
   * ```
   */
  static async create(path: string, meta: PatchGridMeta, options: PatchImagesWriteOptions): Promise<PatchImagesWriter> {
    const { size } = options;
    if (!Number.isSafeInteger(size) || size <= 0) {
      throw new WsiError('InvalidArgument', `patch size ${size} must be a positive integer`);
    }
    const writer = await H5Writer.create(
      path,
      options.provenance === undefined ? {} : { provenance: options.provenance },
    );
    try {
      const budget = options.byteBudget === undefined ? {} : { byteBudget: options.byteBudget };
      const imgs = AppendableDataset.create(writer.file, 'imgs', {
        dtype: 'uint8',
        rowShape: [size, size, 3],
        chunkRows: 1,
        ...budget,
      });
      const coords = AppendableDataset.create(writer.file, 'coords', { dtype: 'int64', rowShape: [2], ...budget });
      writeAttrs(imgs.dataset, {
        patch_level: i64(meta.patchLevel),
        wsi_name: meta.name,
        downsample: f64(meta.downsample),
        level_dim: i64(meta.patchLevel === 0 ? meta.levelDim : meta.downsampledLevelDim),
        downsampled_level_dim: i64(meta.downsampledLevelDim),
      });
      writeAttrs(coords.dataset, coordsAttrs(meta, 'wsi', defaultSaveDir(writer.path, 'wsi')));
      return new PatchImagesWriter(writer, imgs, coords, size);
    } catch (err) {
      await writer.abort();
      throw err;
    }
  }

  /** Patches written so far. */
  get length(): number {
    return this.imgs.length;
  }

  /**
   * Appends n patches (n×size×size×3 RGB bytes) and their n level-0 corners.
   *
   * @throws WsiError `InvalidArgument` when the counts disagree.
   * @example
   * ```ts
   * w.append(rgbBatch, xyBatch);
   * ```
   */
  append(rgb: Uint8Array, coords: RowData): void {
    this.writer.assertOpen();
    const per = this.size * this.size * 3;
    const n = rgb.length / per;
    if (!Number.isInteger(n) || coords.length !== n * 2) {
      throw new WsiError(
        'InvalidArgument',
        `${rgb.length} image bytes and ${coords.length} coordinates do not describe the same patches`,
      );
    }
    this.imgs.append(rgb);
    this.coords.append(coords);
  }

  /** Closes the file and moves it into place. */
  finish(): Promise<void> {
    return this.writer.finish();
  }

  /** Deletes the temporary file. */
  abort(): Promise<void> {
    return this.writer.abort();
  }
}

/**
 * Patches read back from an h5 patch file.
 *
 * @example
 * ```ts
 * const { rgb, count }: PatchImages = await readPatchImages(p);
 * ```
 */
export interface PatchImages {
  /** Number of patches returned. */
  count: number;
  /** Patch height and width. */
  height: number;
  width: number;
  /** Row-major count×H×W×3 RGB. */
  rgb: Uint8Array;
  /** Level-0 corners, interleaved x, y (absent when the file has no `coords`). */
  coords?: Int32Array;
  /** Grid metadata when `coords` carries patch attributes. */
  meta?: PatchGridMeta;
  imgsAttrs: Record<string, AttrValue>;
  /** Patches in the file. */
  totalRows: number;
}

/**
 * Reads patches `[start, end)` (default all) of an h5 patch file.
 *
 * @throws WsiError `NotFound` (no `imgs`), `CorruptFile` (not N×H×W×3 uint8, coords row mismatch).
 * @example
 * ```ts
 * const { rgb, count, height } = await readPatchImages('patches/slide.h5', { rows: [0, 16] });
 * ```
 */
export async function readPatchImages(
  path: string,
  options: { rows?: [number, number]; byteBudget?: number } = {},
): Promise<PatchImages> {
  return withH5Read(path, (file, fileSize) => {
    const info = getDataset(file, path, 'imgs', { ranks: [4], dtypes: ['uint8'], dims: { 3: 3 }, fileSize });
    const total = info.shape[0] ?? 0;
    const [start, end] = options.rows ?? [0, total];
    const budget = options.byteBudget === undefined ? {} : { byteBudget: options.byteBudget };
    const rgb = readRows(info, { start, end, ...budget }) as Uint8Array;
    const out: PatchImages = {
      count: end - start,
      height: info.shape[1] ?? 0,
      width: info.shape[2] ?? 0,
      rgb,
      imgsAttrs: readAttrs(info.dataset),
      totalRows: total,
    };
    if (file.keys().includes('coords')) {
      const c = getDataset(file, path, 'coords', { ranks: [2], dtypes: ['int64', 'int32'], dims: { 1: 2 }, fileSize });
      if (c.shape[0] !== total) {
        throw new WsiError('CorruptFile', `${path}: "coords" has ${c.shape[0]} rows but "imgs" has ${total}`);
      }
      out.coords = toInt32(readRows(c, { start, end, ...budget }), c);
      const attrs = readAttrs(c.dataset);
      if (attrs.patch_size !== undefined) out.meta = metaFromCoordsAttrs(attrs, nameFromPath(path), path);
    }
    return out;
  });
}
