import { join } from 'node:path';
import { isWsiError } from '@wsi/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CoordsWriter, readCoordsFile, writeCoordsFile } from '../src/coords-file.js';
import { FeaturesWriter, readFeaturesFile } from '../src/features-file.js';
import { H5Writer } from '../src/file.js';
import { inspectH5 } from '../src/inspect.js';
import { PatchImagesWriter, readPatchImages } from '../src/patches-file.js';
import { readScoresFile, writeScoresFile } from '../src/scores-file.js';
import { grid, META, META0, tempDir } from './helpers.js';

let dir: string;
let cleanup: () => void;
beforeEach(() => ({ dir, cleanup } = tempDir()));
afterEach(() => cleanup());

describe('coords files', () => {
  it('round-trips the wsi layout with every PatchGridMeta field', async () => {
    const p = join(dir, 'CMU-1.h5');
    const coords = grid(100);
    await writeCoordsFile(p, { coords, meta: { ...META, targetPatchSize: 224 } }, { provenance: { params: { a: 1 } } });
    const back = await readCoordsFile(p);
    expect(back.coords).toEqual(coords);
    expect(back.meta).toEqual({ ...META, targetPatchSize: 224 });
    expect(back.attrs.level_dim).toEqual(META.downsampledLevelDim);
    expect(back.attrs.save_path).toBe(dir);
    expect(back.provenance.params).toEqual({ a: 1 });
  });

  it('round-trips the clam layout (CLAM attributes only; level-0 size derived)', async () => {
    const p = join(dir, 'CMU-1.h5');
    await writeCoordsFile(p, { coords: grid(3), meta: META }, { layout: 'clam' });
    const back = await readCoordsFile(p);
    expect(Object.keys(back.attrs).sort()).toEqual(
      ['downsample', 'downsampled_level_dim', 'level_dim', 'name', 'patch_level', 'patch_size', 'save_path'].sort(),
    );
    expect(back.meta.patchSize).toBe(256);
    expect(back.meta.patchLevel).toBe(1);
    expect(back.meta.downsample).toEqual(META.downsample);
    expect(back.meta.patchSizeLevel0).toBe(1024);
    expect(back.meta.levelDim).toEqual([46001, 32914]); // 11500×4.000121, 8228×4.000232, rounded
    expect(back.meta.level0Magnification).toBeUndefined();
  });

  it('round-trips the trident layout in its canonical form', async () => {
    const patches = join(dir, 'patches');
    await import('node:fs/promises').then((fs) => fs.mkdir(patches));
    const p = join(patches, 'slide-0_patches.h5');
    await writeCoordsFile(p, { coords: grid(5, 512), meta: META0 }, { layout: 'trident' });
    const back = await readCoordsFile(p);
    expect(back.attrs).toMatchObject({
      patch_size: 256,
      patch_size_level0: 512,
      level0_magnification: 40,
      target_magnification: 20,
      overlap: 0,
      name: 'slide-0',
      savetodir: dir,
      level0_width: 2220,
      level0_height: 2967,
    });
    expect(back.meta).toEqual(META0);
    await expect(writeCoordsFile(p, { coords: grid(1), meta: META0 }, { layout: 'trident' })).resolves.toBeUndefined();
    const noMag = { ...META0, level0Magnification: undefined };
    await expect(
      writeCoordsFile(join(dir, 'x.h5'), { coords: grid(1), meta: noMag }, { layout: 'trident' }),
    ).rejects.toSatisfy((e: unknown) => isWsiError(e, 'InvalidArgument'));
  });

  it('streams batches with CoordsWriter and leaves nothing on abort', async () => {
    const p = join(dir, 's.h5');
    const w = await CoordsWriter.create(p, META, { byteBudget: 32 });
    const all = grid(50);
    for (let i = 0; i < 50; i += 7) w.append(all.subarray(i * 2, Math.min(50, i + 7) * 2));
    expect(w.length).toBe(50);
    await w.finish();
    expect((await readCoordsFile(p)).coords).toEqual(all);
    const w2 = await CoordsWriter.create(join(dir, 'gone.h5'), META);
    w2.append([0, 0]);
    await w2.abort();
    await expect(readCoordsFile(join(dir, 'gone.h5'))).rejects.toSatisfy((e: unknown) => isWsiError(e, 'NotFound'));
  });
});

describe('features files', () => {
  it('streams features and coords (wsi layout) and reads row ranges', async () => {
    const p = join(dir, 'CMU-1.h5');
    const d = 16;
    const w = await FeaturesWriter.create(p, {
      dim: d,
      name: 'CMU-1',
      encoder: 'resnet50',
      coordsMeta: META,
      byteBudget: 64,
    });
    const feats = Float32Array.from({ length: 30 * d }, (_, i) => Math.sin(i));
    const xy = grid(30);
    w.append(feats.subarray(0, 10 * d), xy.subarray(0, 20));
    w.append(feats.subarray(10 * d), xy.subarray(20));
    expect(() => w.append(new Float32Array(d), [0, 0, 1, 1])).toThrow(/same rows/);
    await w.finish();
    const all = await readFeaturesFile(p);
    expect(all).toMatchObject({ count: 30, dim: d, encoder: 'resnet50', name: 'CMU-1', totalRows: 30 });
    expect(all.features).toEqual(feats);
    expect(all.coords).toEqual(xy);
    expect(all.featuresAttrs).toEqual({ name: 'CMU-1', savetodir: dir, encoder: 'resnet50' });
    expect(all.coordsAttrs.patch_size_level0).toBe(1024);
    const part = await readFeaturesFile(p, { rows: [5, 8], byteBudget: 8 });
    expect(part.count).toBe(3);
    expect(part.features).toEqual(feats.subarray(5 * d, 8 * d));
    expect(part.coords).toEqual(xy.subarray(10, 16));
    await expect(readFeaturesFile(p, { rows: [25, 31] })).rejects.toSatisfy((e: unknown) =>
      isWsiError(e, 'OutOfBounds'),
    );
  });

  it('writes the clam variant without attributes and int32 coords; copies coords attrs verbatim', async () => {
    const p = join(dir, 'c.h5');
    const w = await FeaturesWriter.create(p, { dim: 4, name: 'c', layout: 'clam' });
    w.append(new Float32Array(8).fill(1), [0, 0, 256, 0]);
    await w.finish();
    const tree = await inspectH5(p);
    expect(tree.kind).toBe('group');
    const ds = tree.kind === 'group' ? tree.children : [];
    expect(ds.map((c) => c.kind === 'dataset' && [c.path, c.dtype, c.shape, Object.keys(c.attrs).length])).toEqual([
      ['/coords', 'int32', [2, 2], 0],
      ['/features', 'float32', [2, 4], 0],
    ]);
    const back = await readFeaturesFile(p);
    expect(back.encoder).toBeUndefined();
    expect(back.name).toBe('c');
    const q = join(dir, 't.h5');
    const t = await FeaturesWriter.create(q, {
      dim: 1,
      name: 't',
      layout: 'trident',
      coordsAttrs: { patch_size: 256, name: 't' },
    });
    t.append(new Float32Array([0.5]), [3, 4]);
    await t.finish();
    const tb = await readFeaturesFile(q);
    expect(tb.featuresAttrs.encoder).toBe('None');
    expect(tb.encoder).toBeUndefined();
    expect(tb.coordsAttrs).toEqual({ patch_size: 256, name: 't' });
  });

  it('accepts features stored as 1×N×D', async () => {
    const p = join(dir, 'three.h5');
    const w = await H5Writer.create(p);
    w.file.create_dataset({
      name: 'features',
      data: Float32Array.from({ length: 6 }, (_, i) => i),
      shape: [1, 3, 2],
      dtype: '<f',
    });
    w.file.create_dataset({
      name: 'coords',
      data: new BigInt64Array([0n, 0n, 1n, 1n, 2n, 2n]),
      shape: [1, 3, 2],
      dtype: '<q',
    });
    await w.finish();
    const back = await readFeaturesFile(p, { rows: [1, 3] });
    expect(back).toMatchObject({ count: 2, dim: 2, totalRows: 3 });
    expect(back.features).toEqual(new Float32Array([2, 3, 4, 5]));
    expect(back.coords).toEqual(new Int32Array([1, 1, 2, 2]));
  });
});

describe('patch images and scores', () => {
  it('round-trips imgs + coords in batches', async () => {
    const p = join(dir, 'p.h5');
    const w = await PatchImagesWriter.create(p, META0, { size: 8, byteBudget: 200 });
    const rgb = Uint8Array.from({ length: 5 * 8 * 8 * 3 }, (_, i) => (i * 7) % 256);
    const xy = grid(5, 512);
    w.append(rgb.subarray(0, 2 * 192), xy.subarray(0, 4));
    w.append(rgb.subarray(2 * 192), xy.subarray(4));
    await w.finish();
    const back = await readPatchImages(p);
    expect(back).toMatchObject({ count: 5, height: 8, width: 8, totalRows: 5 });
    expect(back.rgb).toEqual(rgb);
    expect(back.coords).toEqual(xy);
    expect(back.meta).toEqual(META0);
    expect(back.imgsAttrs).toEqual({
      patch_level: 0,
      wsi_name: 'slide-0',
      downsample: [1, 1],
      level_dim: [2220, 2967],
      downsampled_level_dim: [2220, 2967],
    });
    const some = await readPatchImages(p, { rows: [4, 5] });
    expect(some.rgb).toEqual(rgb.subarray(4 * 192));
  });

  it('round-trips scores with column names', async () => {
    const p = join(dir, 's.h5');
    const set = {
      columns: ['tumor', 'stroma'],
      coords: grid(3),
      scores: new Float32Array([0.1, 0.9, 0.5, 0.5, 1, 0]),
      patchSizeLevel0: 1024,
    };
    await writeScoresFile(p, set);
    expect(await readScoresFile(p)).toEqual(set);
    await expect(writeScoresFile(p, { ...set, columns: ['a'] })).rejects.toSatisfy((e: unknown) =>
      isWsiError(e, 'InvalidArgument'),
    );
  });
});
