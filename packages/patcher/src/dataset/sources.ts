/**
 * The patch h5 files behind a {@link PatchDataset}: validated `imgs` (N×H×W×3 uint8) and `coords`, read either all
 * into one preallocated array (in chunks) or on demand from handles kept open.
 */
import { resolve } from 'node:path';
import { WsiError } from '@wsi/core';
import { checkHdf5Signature, getDataset, type H5Lib, h5Error, loadH5, readRows, toInt32 } from '@wsi/h5';

type H5File = InstanceType<H5Lib['File']>;
type H5Dataset = ReturnType<typeof getDataset>['dataset'];

/**
 * One patch file as the dataset sees it.
 *
 * @example
 * ```ts
 * const f: PatchFileInfo = ds.files[0]; // { path, count: 1200, height: 256, width: 256 }
 * ```
 */
export interface PatchFileInfo {
  path: string;
  count: number;
  height: number;
  width: number;
}

/**
 * An open file: its handle and `imgs` dataset (disk mode), or nothing once loaded (memory mode).
 *
 * @example
 * ```ts
 * const f: OpenPatchFile = await openPatchFile('patches/slide.h5'); // f.count, f.coords, f.imgs
 * ```
 */
export interface OpenPatchFile extends PatchFileInfo {
  file?: H5File;
  imgs?: H5Dataset;
  /** Level-0 corners, interleaved (zeros when the file has no `coords`). */
  coords: Int32Array;
}

/**
 * Opens a patch file and checks `imgs` (N×H×W×3 uint8) and, when present, `coords` (N×2).
 *
 * @throws WsiError `NotFound` (file or `imgs`), `CorruptFile` (not HDF5, wrong shapes, row counts disagree).
 * @example
 * ```ts
 * const f = await openPatchFile('patches/slide.h5');
 * ```
 */
export async function openPatchFile(path: string): Promise<OpenPatchFile> {
  const target = resolve(path);
  const size = await checkHdf5Signature(target);
  const h5 = await loadH5();
  let file: H5File;
  try {
    file = new h5.File(target, 'r');
  } catch (err) {
    throw h5Error(err, 'CorruptFile', target, 'cannot open HDF5 file');
  }
  try {
    const info = getDataset(file, target, 'imgs', { ranks: [4], dtypes: ['uint8'], dims: { 3: 3 }, fileSize: size });
    const [count = 0, height = 0, width = 0] = info.shape;
    let coords: Int32Array = new Int32Array(count * 2);
    if (file.keys().includes('coords')) {
      const c = getDataset(file, target, 'coords', {
        ranks: [2],
        dtypes: ['int64', 'int32'],
        dims: { 1: 2 },
        fileSize: size,
      });
      if (c.shape[0] !== count)
        throw new WsiError('CorruptFile', `${target}: "coords" has ${c.shape[0]} rows but "imgs" has ${count}`);
      coords = toInt32(readRows(c), c);
    }
    return { path: target, count, height, width, file, imgs: info.dataset, coords };
  } catch (err) {
    file.close();
    throw err instanceof WsiError ? err : h5Error(err, 'CorruptFile', target, 'cannot read HDF5 file');
  }
}

/**
 * Reads rows `[start, end)` of an open file's `imgs` into `dst` at byte `offset`.
 *
 * @throws WsiError `CorruptFile` on a short read, `InvalidArgument` when the file was closed.
 * @example
 * ```ts
 * readImgRows(f, 10, 20, buffer, 0);
 * ```
 */
export function readImgRows(f: OpenPatchFile, start: number, end: number, dst: Uint8Array, offset: number): void {
  if (f.imgs === undefined) throw new WsiError('InvalidArgument', `${f.path} is closed`);
  let part: unknown;
  try {
    part = f.imgs.slice([[start, end]]);
  } catch (err) {
    throw h5Error(err, 'CorruptFile', f.path, `cannot read "imgs" rows [${start}, ${end})`);
  }
  const bytes = (end - start) * f.height * f.width * 3;
  if (!(part instanceof Uint8Array) || part.length !== bytes)
    throw new WsiError('CorruptFile', `${f.path}: short read of "imgs" rows [${start}, ${end})`);
  dst.set(part, offset);
}

/**
 * Closes a file's handle (safe to call twice).
 *
 * @example
 * ```ts
 * closePatchFile(f);
 * ```
 */
export function closePatchFile(f: OpenPatchFile): void {
  try {
    f.file?.close();
  } catch {
    // a damaged file may fail to close; nothing to keep
  }
  delete f.file;
  delete f.imgs;
}
