import { join } from 'node:path';
import { isWsiError } from '@wsi/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AppendableDataset } from '../src/appendable.js';
import { H5Writer, withH5Read } from '../src/file.js';
import { getDataset, readRows, toInt32 } from '../src/read.js';
import { readDataset } from '../src/read-dataset.js';
import { tempDir } from './helpers.js';

let dir: string;
let cleanup: () => void;
beforeEach(() => ({ dir, cleanup } = tempDir()));
afterEach(() => cleanup());

describe('AppendableDataset', () => {
  it('appends float32 rows in many slices under a tiny byte budget and reads them back in slices', async () => {
    const p = join(dir, 'f.h5');
    const w = await H5Writer.create(p);
    const d = 7;
    const ds = AppendableDataset.create(w.file, 'features', {
      dtype: 'float32',
      rowShape: [d],
      byteBudget: 3 * d * 4,
      chunkRows: 5,
    });
    const all = Float32Array.from({ length: 103 * d }, (_, i) => i * 0.5);
    ds.append(all.subarray(0, 40 * d));
    ds.append(all.subarray(40 * d));
    ds.append(new Float32Array(0));
    expect(ds.length).toBe(103);
    await w.finish();
    await withH5Read(p, (f, size) => {
      const info = getDataset(f, p, 'features', { ranks: [2], dtypes: ['float32'], dims: { 1: d }, fileSize: size });
      expect(info.shape).toEqual([103, d]);
      expect(info.dataset.metadata.chunks).toEqual([5, d]);
      expect(readRows(info, { byteBudget: 2 * d * 4 })).toEqual(all);
      expect(readRows(info, { start: 50, end: 53, byteBudget: 1 })).toEqual(all.subarray(50 * d, 53 * d));
      expect(() => readRows(info, { start: 100, end: 104 })).toThrow(/outside dataset "features"/);
    });
  });

  it('stores int64 from Int32Array, Float64Array, number[] and BigInt64Array input', async () => {
    const p = join(dir, 'c.h5');
    const w = await H5Writer.create(p);
    const ds = AppendableDataset.create(w.file, 'coords', { dtype: 'int64', rowShape: [2], byteBudget: 16 });
    ds.append(new Int32Array([0, 1, 2, 3]));
    ds.append(new Float64Array([4, 5]));
    ds.append([6, 7]);
    ds.append(new BigInt64Array([8n, 9n, 2n ** 40n, 11n]));
    expect(() => ds.append(new Float64Array([1.5, 2]))).toThrow(/not an integer/);
    expect(ds.length).toBe(6);
    await w.finish();
    await withH5Read(p, (f) => {
      const info = getDataset(f, p, 'coords', { ranks: [2], dtypes: ['int64'], dims: { 1: 2 } });
      const raw = readRows(info, { byteBudget: 16 }) as BigInt64Array;
      expect(raw).toBeInstanceOf(BigInt64Array);
      expect(Array.from(raw)).toEqual([0n, 1n, 2n, 3n, 4n, 5n, 6n, 7n, 8n, 9n, 2n ** 40n, 11n]);
      expect(toInt32(readRows(info, { end: 4 }), info)).toEqual(new Int32Array([0, 1, 2, 3, 4, 5, 6, 7]));
      expect(() => toInt32(raw, info)).toThrow(/does not fit in int32/);
    });
    const big = await readDataset(p, 'coords', { int64As: 'bigint', rows: [5, 6] });
    expect(big).toEqual({ dtype: 'int64', shape: [6, 2], data: new BigInt64Array([2n ** 40n, 11n]) });
    expect((await readDataset(p, 'coords', { rows: [0, 2] })).data).toEqual(new Int32Array([0, 1, 2, 3]));
    await expect(readDataset(p, 'coords')).rejects.toThrow(/does not fit in int32/);
    await expect(readDataset(p, 'nope')).rejects.toThrow(/has no dataset "nope"/);
  });

  it('appends uint8 images and int32 rows', async () => {
    const p = join(dir, 'u.h5');
    const w = await H5Writer.create(p);
    const imgs = AppendableDataset.create(w.file, 'imgs', {
      dtype: 'uint8',
      rowShape: [4, 4, 3],
      chunkRows: 1,
      byteBudget: 48,
    });
    const rgb = Uint8Array.from({ length: 5 * 48 }, (_, i) => i % 251);
    imgs.append(rgb);
    const ints = AppendableDataset.create(w.file, 'i', { dtype: 'int32', rowShape: [3], byteBudget: 12 });
    ints.append([1, -2, 3, 2 ** 31 - 1, -(2 ** 31), 0]);
    expect(() => ints.append([2 ** 31, 0, 0])).toThrow(/not an integer in/);
    expect(() => imgs.append(new Uint8Array(47))).toThrow(/whole number of rows/);
    await w.finish();
    await withH5Read(p, (f) => {
      const info = getDataset(f, p, 'imgs', { ranks: [4], dtypes: ['uint8'], dims: { 3: 3 } });
      expect(info.shape).toEqual([5, 4, 4, 3]);
      expect(readRows(info, { byteBudget: 100 })).toEqual(rgb);
      const i = getDataset(f, p, 'i', { ranks: [2], dtypes: ['int32'] });
      expect(readRows(i)).toEqual(new Int32Array([1, -2, 3, 2 ** 31 - 1, -(2 ** 31), 0]));
    });
  });

  it('rejects bad options', async () => {
    const w = await H5Writer.create(join(dir, 'x.h5'));
    const bad = (o: object) => () => AppendableDataset.create(w.file, 'x', { dtype: 'float32', rowShape: [2], ...o });
    expect(bad({ rowShape: [0] })).toThrow(/positive/);
    expect(bad({ byteBudget: 0 })).toThrow(/byte budget/);
    expect(bad({ chunkRows: 0 })).toThrow(/chunkRows/);
    try {
      bad({ byteBudget: 2 ** 32 })();
    } catch (e) {
      expect(isWsiError(e, 'InvalidArgument')).toBe(true);
    }
    await w.abort();
  });
});
