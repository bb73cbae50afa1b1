/**
 * PatchDataset over small patch h5 files (the `wsi extract --format h5` format) whose pixels encode their global
 * index: both modes give identical patches and batches; index lookup, shuffles, augmentation and recycling.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isWsiError, type PatchGridMeta } from '@wsi/core';
import { PatchImagesWriter } from '@wsi/h5';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dihedralMap, IMAGENET_NORMALIZATION, type PatchBatch, PatchDataset, seededPermutation } from '../src/index.js';

const S = 8;
const COUNTS = [5, 0, 7, 4];
let dir: string;
let paths: string[];

function pixel(global: number, y: number, x: number, c: number): number {
  return (global * 29 + y * 8 + x + c * 85) & 255;
}

function meta(name: string): PatchGridMeta {
  return {
    name,
    patchSize: S,
    patchLevel: 0,
    downsample: [1, 1],
    patchSizeLevel0: S,
    levelDim: [1000, 1000],
    downsampledLevelDim: [1000, 1000],
    overlap: 0,
  };
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'wsi-ds-'));
  paths = [];
  let g = 0;
  for (const [f, n] of COUNTS.entries()) {
    const p = join(dir, `s${f}.h5`);
    const w = await PatchImagesWriter.create(p, meta(`s${f}`), { size: S });
    const rgb = new Uint8Array(n * S * S * 3);
    const xy = new Int32Array(n * 2);
    for (let k = 0; k < n; k++, g++) {
      for (let y = 0; y < S; y++)
        for (let x = 0; x < S; x++) for (let c = 0; c < 3; c++) rgb[((k * S + y) * S + x) * 3 + c] = pixel(g, y, x, c);
      xy[k * 2] = g * 100;
      xy[k * 2 + 1] = f;
    }
    if (n > 0) w.append(rgb, xy);
    await w.finish();
    paths.push(p);
  }
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function collect(ds: PatchDataset, o: Parameters<PatchDataset['batches']>[0]): Promise<PatchBatch[]> {
  const out: PatchBatch[] = [];
  for await (const b of ds.batches(o)) out.push({ ...b, x: b.x.slice() });
  return out;
}

describe('PatchDataset', () => {
  it('maps global indices to (file, local) across files, an empty one included', async () => {
    const ds = await PatchDataset.open(paths);
    expect(ds.length).toBe(16);
    expect(Array.from(ds.offsets)).toEqual([0, 5, 5, 12, 16]);
    expect(ds.locate(0)).toEqual({ file: 0, local: 0 });
    expect(ds.locate(4)).toEqual({ file: 0, local: 4 });
    expect(ds.locate(5)).toEqual({ file: 2, local: 0 });
    expect(ds.locate(12)).toEqual({ file: 3, local: 0 });
    expect(ds.locate(15)).toEqual({ file: 3, local: 3 });
    for (const bad of [-1, 16, 1.5]) expect(() => ds.locate(bad)).toThrow(/outside/);
    const g = ds.get(13);
    expect(g).toMatchObject({ x: 1300, y: 3, file: 3, local: 1 });
    await ds.close();
  });

  it('reads the same pixels in memory and disk modes, and the pixels written', async () => {
    const disk = await PatchDataset.open(paths, { mode: 'disk' });
    const mem = await PatchDataset.open(paths, { mode: 'memory', chunkRows: 2 });
    for (let i = 0; i < 16; i++) {
      const a = disk.read(i);
      expect(mem.read(i)).toEqual(a);
      expect(a[0]).toBe(pixel(i, 0, 0, 0));
      expect(a[(3 * S + 5) * 3 + 2]).toBe(pixel(i, 3, 5, 2));
    }
    await disk.close();
    await mem.close();
    expect(() => mem.read(0)).toThrow(/closed/);
  });

  it('yields normalised NCHW batches, identical in both modes, with a seeded per-epoch shuffle', async () => {
    const disk = await PatchDataset.open(paths, { labels: [0, 1, 2, 3] });
    const mem = await PatchDataset.open(paths, { mode: 'memory', labels: [0, 1, 2, 3] });
    const o = { batchSize: 6, shuffle: true, seed: 5, epoch: 1 };
    const a = await collect(disk, o);
    const b = await collect(mem, o);
    expect(a.map((x) => x.shape)).toEqual([
      [6, 3, S, S],
      [6, 3, S, S],
      [4, 3, S, S],
    ]);
    for (let k = 0; k < a.length; k++) {
      expect(b[k]?.x).toEqual(a[k]?.x);
      expect(b[k]?.indices).toEqual(a[k]?.indices);
    }
    const order = a.flatMap((x) => Array.from(x.indices));
    expect([...order].sort((p, q) => p - q)).toEqual(Array.from({ length: 16 }, (_, i) => i));
    expect(order).not.toEqual(Array.from({ length: 16 }, (_, i) => i));
    expect((await collect(disk, o)).flatMap((x) => Array.from(x.indices))).toEqual(order);
    expect((await collect(disk, { ...o, epoch: 2 })).flatMap((x) => Array.from(x.indices))).not.toEqual(order);
    // values: (v / 255 − mean) / std at channel c, pixel (y, x)
    const first = a[0] as PatchBatch;
    const gi = first.indices[1] as number;
    const [m, s] = [IMAGENET_NORMALIZATION.mean, IMAGENET_NORMALIZATION.std];
    const at = (c: number, y: number, x: number) => first.x[((1 * 3 + c) * S + y) * S + x] as number;
    expect(at(2, 3, 4)).toBeCloseTo((pixel(gi, 3, 4, 2) / 255 - (m[2] as number)) / (s[2] as number), 5);
    expect(first.labels?.[1]).toBe(disk.locate(gi).file);
    expect(first.coords[2]).toBe(gi * 100);
    expect((await collect(disk, { batchSize: 6, dropLast: true })).length).toBe(2);
    await disk.close();
    await mem.close();
  });

  it('augments each patch by one of the 8 dihedral transforms, reproducibly, and HED jitter changes colours', async () => {
    const ds = await PatchDataset.open(paths);
    const o = { batchSize: 16, seed: 3, augment: { flips: true, rot90: true } };
    const [plain] = await collect(ds, { batchSize: 16 });
    const [aug] = await collect(ds, o);
    const [again] = await collect(ds, o);
    expect(again?.x).toEqual(aug?.x);
    const per = 3 * S * S;
    const seen = new Set<string>();
    for (let k = 0; k < 16; k++) {
      const src = (plain as PatchBatch).x.subarray(k * per, (k + 1) * per);
      const got = (aug as PatchBatch).x.subarray(k * per, (k + 1) * per);
      let match = '';
      for (let r = 0; r < 4 && !match; r++)
        for (const hf of [false, true])
          for (const vf of [false, true]) {
            const map = dihedralMap(S, r, hf, vf);
            const ok = Array.from(got).every((v, j) => {
              const c = Math.floor(j / (S * S));
              const p = j % (S * S);
              return v === src[c * S * S + (map ? (map[p] as number) : p)];
            });
            if (ok && !match) match = `${r}${hf}${vf}`;
          }
      expect(match).not.toBe('');
      seen.add(match);
    }
    expect(seen.size).toBeGreaterThan(2);
    // a 90° clockwise map moves the top-left pixel to the top-right
    expect(dihedralMap(S, 1, false, false)?.[S - 1]).toBe(0);
    const [hed] = await collect(ds, { batchSize: 16, seed: 3, augment: { hed: { sigma: 0.2, bias: 0.1 } } });
    expect(hed?.x).not.toEqual(plain?.x);
    await ds.close();
  });

  it('recycles prefetch + 1 buffers when asked, and allocates fresh ones otherwise', async () => {
    const ds = await PatchDataset.open(paths, { mode: 'memory' });
    const xs: Float32Array[] = [];
    for await (const b of ds.batches({ batchSize: 2, prefetch: 2, recycle: true })) xs.push(b.x);
    expect(xs).toHaveLength(8);
    expect(xs[3]?.buffer).toBe(xs[0]?.buffer);
    expect(xs[1]?.buffer).not.toBe(xs[0]?.buffer);
    const fresh: Float32Array[] = [];
    for await (const b of ds.batches({ batchSize: 2 })) fresh.push(b.x);
    expect(new Set(fresh.map((x) => x.buffer)).size).toBe(8);
    await ds.close();
  });

  it('refuses bad input with typed errors', async () => {
    const code = async (p: Promise<unknown>, c: string) =>
      expect(
        await p.then(
          () => undefined,
          (e) => e,
        ),
      ).toSatisfy((e: unknown) => isWsiError(e, c as never));
    await code(PatchDataset.open([]), 'InvalidArgument');
    await code(PatchDataset.open(paths, { labels: [1] }), 'InvalidArgument');
    await code(PatchDataset.open(paths, { mode: 'memory', maxBytes: 100 }), 'InvalidArgument');
    await code(PatchDataset.open([join(dir, 'missing.h5')]), 'NotFound');
    const other = join(dir, 'big.h5');
    const w = await PatchImagesWriter.create(other, meta('big'), { size: 4 });
    await w.finish();
    await code(PatchDataset.open([paths[0] as string, other]), 'InvalidArgument');
    const ds = await PatchDataset.open(paths);
    await code(collect(ds, { batchSize: 0 }), 'InvalidArgument');
    await code(collect(ds, { normalize: { mean: [0, 0, 0], std: [1, 0, 1] } }), 'InvalidArgument');
    await ds.close();
    expect(seededPermutation(10, 1)).toEqual(seededPermutation(10, 1));
  });
});
