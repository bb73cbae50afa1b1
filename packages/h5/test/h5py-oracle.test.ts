/**
 * Every file type we write, opened by Debian's h5py the way CLAM's and Trident's loaders open them; and files
 * written by h5py the way CLAM and Trident write them, read by us.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { hasPythonModules, runPythonJson } from '@wsi/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readCoordsFile, writeCoordsFile } from '../src/coords-file.js';
import { FeaturesWriter, readFeaturesFile } from '../src/features-file.js';
import { PatchImagesWriter, readPatchImages } from '../src/patches-file.js';
import { writeScoresFile } from '../src/scores-file.js';
import { grid, META, META0, tempDir } from './helpers.js';

const oracle = hasPythonModules(['h5py', 'numpy']);

/** Python: describe every dataset (dtype, shape, chunks, maxshape) and attribute (value, numpy type). */
const DESCRIBE = `
import h5py, json, sys, numpy as np
def val(v):
    if isinstance(v, (bytes, np.bytes_)): return {'bytes': v.decode()}
    if isinstance(v, np.ndarray): return [val(x) for x in v.tolist()] if v.dtype != object else [str(x) for x in v]
    if isinstance(v, np.generic): return v.item()
    return v
def kind(v):
    if isinstance(v, str): return 'str'
    if isinstance(v, np.ndarray): return 'array:' + str(v.dtype)
    return type(v).__name__
out = {}
with h5py.File(sys.argv[1], 'r') as f:
    out['root'] = {k: [val(v), kind(v)] for k, v in f.attrs.items()}
    for name, d in f.items():
        out[name] = {'dtype': str(d.dtype), 'shape': list(d.shape), 'chunks': d.chunks, 'maxshape': list(d.maxshape),
                     'attrs': {k: [val(v), kind(v)] for k, v in d.attrs.items()}, 'first': val(d[0]) if len(d) else None}
print(json.dumps(out))
`;

interface DescribedDataset {
  dtype: string;
  shape: number[];
  chunks: number[] | null;
  maxshape: (number | null)[];
  attrs: Record<string, [unknown, string]>;
  first: unknown;
}
/** What DESCRIBE prints; a dataset a file lacks is simply absent (the test then fails on it). */
interface Described {
  root: Record<string, [unknown, string]>;
  coords: DescribedDataset;
  features: DescribedDataset;
  imgs: DescribedDataset;
  scores: DescribedDataset;
}

describe.skipIf(!oracle)('h5py reads what we write (skipped when /usr/bin/python3 lacks h5py)', () => {
  let dir: string;
  let cleanup: () => void;
  beforeAll(() => ({ dir, cleanup } = tempDir()));
  afterAll(() => cleanup());

  it('coords files: int64 N×2, CLAM and Trident attribute names/values/types, loaders work', async () => {
    const wsi = join(dir, 'wsi.h5');
    const clam = join(dir, 'clam.h5');
    const trident = join(dir, 'trident_patches.h5');
    await writeCoordsFile(
      wsi,
      { coords: grid(70), meta: META },
      { provenance: { params: { patchSize: 256 }, slideFingerprint: 'fp' } },
    );
    await writeCoordsFile(clam, { coords: grid(70), meta: META }, { layout: 'clam' });
    await writeCoordsFile(trident, { coords: grid(70, 512), meta: META0 }, { layout: 'trident' });
    const w = runPythonJson<Described>(DESCRIBE, [wsi]);
    expect(w.coords).toMatchObject({ dtype: 'int64', shape: [70, 2], maxshape: [null, 2], first: [0, 0] });
    expect(w.coords.attrs).toEqual({
      patch_size: [256, 'int64'],
      patch_level: [1, 'int64'],
      downsample: [[4.000121, 4.000232], 'array:float64'],
      downsampled_level_dim: [[11500, 8228], 'array:int64'],
      level_dim: [[11500, 8228], 'array:int64'],
      name: ['CMU-1', 'str'],
      save_path: [dir, 'str'],
      patch_size_level0: [1024, 'int64'],
      level0_magnification: [40, 'int64'],
      target_magnification: [10, 'int64'],
      overlap: [0, 'int64'],
      level0_width: [46000, 'int64'],
      level0_height: [32914, 'int64'],
      mpp: [0.499, 'float64'],
    });
    expect(w.root.wsi_version?.[1]).toBe('str');
    expect(w.root.wsi_params).toEqual(['{"patchSize":256}', 'str']);
    expect(w.root.slide_fingerprint).toEqual(['fp', 'str']);
    expect(Object.keys(runPythonJson<Described>(DESCRIBE, [clam]).coords.attrs).sort()).toEqual([
      'downsample',
      'downsampled_level_dim',
      'level_dim',
      'name',
      'patch_level',
      'patch_size',
      'save_path',
    ]);
    expect(runPythonJson<Described>(DESCRIBE, [trident]).coords.attrs).toEqual({
      patch_size: [256, 'int64'],
      patch_size_level0: [512, 'int64'],
      level0_magnification: [40, 'int64'],
      target_magnification: [20, 'int64'],
      overlap: [0, 'int64'],
      name: ['slide-0', 'str'],
      savetodir: [dir, 'str'],
      level0_width: [2220, 'int64'],
      level0_height: [2967, 'int64'],
    });
    // The loaders: CLAM's Whole_Slide_Bag_FP / StitchCoords and Trident's read_coords / read_coords_legacy.
    const loaders = runPythonJson<Record<string, unknown>>(
      `
import h5py, json, sys
out = {}
for p in sys.argv[1:]:
    with h5py.File(p, 'r') as f:
        d = f['coords']
        r = {'len': len(d), 'patch_level': int(d.attrs['patch_level']) if 'patch_level' in d.attrs else None,
             'patch_size': int(d.attrs['patch_size']), 'custom_downsample': int(d.attrs.get('custom_downsample', 1))}
        attrs = dict(d.attrs)
        r['trident_ok'] = None not in (attrs.get('patch_size'), attrs.get('level0_magnification'), attrs.get('target_magnification'))
        r['sum'] = int(d[:].sum())
        out[p] = r
print(json.dumps(out))
`,
      [wsi, clam, trident],
    );
    const sum = (a: Int32Array) => a.reduce((s, v) => s + v, 0);
    expect(loaders[wsi]).toEqual({
      len: 70,
      patch_level: 1,
      patch_size: 256,
      custom_downsample: 1,
      trident_ok: true,
      sum: sum(grid(70)),
    });
    expect(loaders[clam]).toMatchObject({ len: 70, patch_level: 1, patch_size: 256, trident_ok: false });
    expect(loaders[trident]).toMatchObject({
      len: 70,
      patch_level: null,
      patch_size: 256,
      trident_ok: true,
      sum: sum(grid(70, 512)),
    });
  });

  it('features files: float32 N×D + int64 coords (Trident attrs), CLAM variant float32 + int32 without attrs', async () => {
    const t = join(dir, 'feat.h5');
    const c = join(dir, 'feat_clam.h5');
    const feats = Float32Array.from({ length: 40 * 8 }, (_, i) => i / 7);
    for (const [p, layout] of [
      [t, 'trident'],
      [c, 'clam'],
    ] as const) {
      const w = await FeaturesWriter.create(p, {
        dim: 8,
        name: 'CMU-1',
        encoder: 'conch_v15',
        layout,
        coordsMeta: META0,
        byteBudget: 100,
      });
      w.append(feats, grid(40));
      await w.finish();
    }
    const dt = runPythonJson<Described>(DESCRIBE, [t]);
    expect(dt.features).toMatchObject({ dtype: 'float32', shape: [40, 8], maxshape: [null, 8] });
    expect(dt.features.attrs).toEqual({
      name: ['CMU-1', 'str'],
      savetodir: [dir, 'str'],
      encoder: ['conch_v15', 'str'],
    });
    expect(dt.coords).toMatchObject({ dtype: 'int64', shape: [40, 2] });
    expect(dt.coords.attrs.patch_size_level0).toEqual([512, 'int64']);
    const dc = runPythonJson<Described>(DESCRIBE, [c]);
    expect(dc.features).toMatchObject({ dtype: 'float32', shape: [40, 8], chunks: [32, 8], attrs: {} });
    expect(dc.coords).toMatchObject({ dtype: 'int32', shape: [40, 2], chunks: [32, 2], attrs: {} });
    const values = runPythonJson<number[]>(
      `import h5py, json, sys\nwith h5py.File(sys.argv[1], 'r') as f: print(json.dumps(f['features'][3].tolist()))`,
      [t],
    );
    expect(values).toEqual(Array.from(feats.subarray(24, 32)));
  });

  it('patch image files: imgs N×H×W×3 uint8 with CLAM attrs; scores N×K float32 with columns', async () => {
    const p = join(dir, 'imgs.h5');
    const w = await PatchImagesWriter.create(p, META, { size: 16 });
    const rgb = Uint8Array.from({ length: 3 * 16 * 16 * 3 }, (_, i) => i % 256);
    w.append(rgb, grid(3));
    await w.finish();
    const d = runPythonJson<Described>(DESCRIBE, [p]);
    expect(d.imgs).toMatchObject({
      dtype: 'uint8',
      shape: [3, 16, 16, 3],
      chunks: [1, 16, 16, 3],
      maxshape: [null, 16, 16, 3],
    });
    expect(d.imgs.attrs).toEqual({
      patch_level: [1, 'int64'],
      wsi_name: ['CMU-1', 'str'],
      downsample: [[4.000121, 4.000232], 'array:float64'],
      level_dim: [[11500, 8228], 'array:int64'],
      downsampled_level_dim: [[11500, 8228], 'array:int64'],
    });
    expect(d.coords).toMatchObject({ dtype: 'int64', shape: [3, 2] });
    const s = join(dir, 'scores.h5');
    await writeScoresFile(s, { columns: ['a', 'b'], coords: grid(2), scores: new Float32Array([1, 2, 3, 4]) });
    const ds = runPythonJson<Described>(DESCRIBE, [s]);
    expect(ds.scores).toMatchObject({ dtype: 'float32', shape: [2, 2], first: [1, 2] });
    expect(ds.scores.attrs.columns).toEqual([['a', 'b'], 'array:object']);
  });
});

describe.skipIf(!oracle)('we read what h5py writes as CLAM and Trident do (skipped without h5py)', () => {
  let dir: string;
  let cleanup: () => void;
  beforeAll(() => {
    ({ dir, cleanup } = tempDir());
    mkdirSync(join(dir, 'patches'));
    // Files shaped like CLAM's create_patches_fp / extract_features_fp and Trident's coords_to_h5 / features output.
    runPythonJson(
      `
import h5py, json, sys, os, numpy as np
d = sys.argv[1]
coords = np.array([[0, 0], [512, 0], [1024, 512]], dtype=np.int64)
def dset(f, name, data, chunk):
    ds = f.create_dataset(name, shape=data.shape, maxshape=(None,) + data.shape[1:], chunks=(chunk,) + data.shape[1:], dtype=data.dtype)
    ds[:] = data
    return ds
with h5py.File(os.path.join(d, 'patches', 'clam.h5'), 'w') as f:
    ds = dset(f, 'coords', coords, 32)
    for k, v in {'patch_size': 256, 'patch_level': 1, 'downsample': (2.0, 2.0), 'downsampled_level_dim': tuple(np.array((1000, 800))),
                 'level_dim': (1000, 800), 'name': 'clam', 'save_path': os.path.join(d, 'patches')}.items():
        ds.attrs[k] = v
with h5py.File(os.path.join(d, 'patches', 'tri_patches.h5'), 'w') as f:
    ds = dset(f, 'coords', coords, 1)
    for k, v in {'patch_size': 256, 'patch_size_level0': 512, 'level0_magnification': 40, 'target_magnification': 20, 'overlap': 0,
                 'name': 'tri', 'savetodir': d, 'level0_width': 2000, 'level0_height': 1600}.items():
        ds.attrs[k] = v
feats = np.arange(3 * 5, dtype=np.float32).reshape(3, 5)
with h5py.File(os.path.join(d, 'clam_feats.h5'), 'w') as f:
    dset(f, 'features', feats, 32); dset(f, 'coords', coords.astype(np.int32), 32)
with h5py.File(os.path.join(d, 'tri_feats.h5'), 'w') as f:
    a = dset(f, 'features', feats, 1)
    for k, v in {'name': 'tri', 'savetodir': d, 'encoder': 'None'}.items(): a.attrs[k] = v
    dset(f, 'coords', coords, 1)
with h5py.File(os.path.join(d, 'userblock.h5'), 'w', userblock_size=1024) as f:
    f.create_dataset('features', data=feats[None])
with h5py.File(os.path.join(d, 'imgs.h5'), 'w') as f:
    dset(f, 'imgs', np.full((2, 4, 4, 3), 9, dtype=np.uint8), 1)
print(json.dumps(True))
`,
      [dir],
    );
  });
  afterAll(() => cleanup());

  it('reads CLAM and Trident coords files into PatchGridMeta', async () => {
    const clam = await readCoordsFile(join(dir, 'patches', 'clam.h5'));
    expect(clam.coords).toEqual(new Int32Array([0, 0, 512, 0, 1024, 512]));
    expect(clam.meta).toEqual({
      name: 'clam',
      patchSize: 256,
      patchLevel: 1,
      downsample: [2, 2],
      patchSizeLevel0: 512,
      levelDim: [2000, 1600],
      downsampledLevelDim: [1000, 800],
      overlap: 0,
    });
    const tri = await readCoordsFile(join(dir, 'patches', 'tri_patches.h5'));
    expect(tri.meta).toEqual({
      name: 'tri',
      patchSize: 512,
      patchLevel: 0,
      downsample: [1, 1],
      patchSizeLevel0: 512,
      levelDim: [2000, 1600],
      downsampledLevelDim: [2000, 1600],
      overlap: 0,
      level0Magnification: 40,
      targetMagnification: 20,
      targetPatchSize: 256,
    });
  });

  it('reads CLAM h5_files, Trident features, 1×N×D features after a user block, and bare imgs', async () => {
    const feats = Float32Array.from({ length: 15 }, (_, i) => i);
    const clam = await readFeaturesFile(join(dir, 'clam_feats.h5'));
    expect(clam).toMatchObject({ count: 3, dim: 5, name: 'clam_feats' });
    expect(clam.features).toEqual(feats);
    expect(clam.coords).toEqual(new Int32Array([0, 0, 512, 0, 1024, 512]));
    const tri = await readFeaturesFile(join(dir, 'tri_feats.h5'), { rows: [1, 2] });
    expect(tri).toMatchObject({ count: 1, dim: 5, name: 'tri', totalRows: 3 });
    expect(tri.encoder).toBeUndefined();
    expect(tri.features).toEqual(feats.subarray(5, 10));
    const ub = await readFeaturesFile(join(dir, 'userblock.h5'));
    expect(ub).toMatchObject({ count: 3, dim: 5 });
    expect(ub.coords).toBeUndefined();
    const imgs = await readPatchImages(join(dir, 'imgs.h5'));
    expect(imgs).toMatchObject({ count: 2, height: 4, width: 4 });
    expect(imgs.rgb.every((v) => v === 9)).toBe(true);
  });
});
