/**
 * Grids, coords files in the three layouts (checked with Debian h5py as CLAM's and Trident's loaders read them),
 * extraction, and bad input, on small composed and synthetic SVS slides.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isWsiError } from '@wsi/core';
import { readCoordsFile } from '@wsi/h5';
import { openSlide } from '@wsi/reader';
import { bufferSource, fixture, hasPythonModules, runPythonJson, writeComposedSlide, writeSvs } from '@wsi/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  copyRgb,
  magnificationFromMpp,
  PatchGenerator,
  resolvePatchPlan,
  segmentationParams,
  streamPatches,
  tissueGrid,
  writePatchesH5,
  writePatchImages,
} from '../src/index.js';

const tiles = fixture('tiles');
const h5py = hasPythonModules(['h5py', 'numpy', 'openslide']);

async function expectCode(p: Promise<unknown> | (() => unknown), code: string): Promise<void> {
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (err) {
    expect(isWsiError(err, code as never), String(err)).toBe(true);
    return;
  }
  throw new Error(`expected a ${code} error`);
}

const H5_ATTRS = `
import sys, json, h5py
f = h5py.File(sys.argv[1], 'r')
d = f['coords']
def v(x):
    if hasattr(x, 'tolist'): x = x.tolist()
    if isinstance(x, bytes): x = x.decode()
    return x
print(json.dumps({'keys': sorted(f.keys()), 'shape': list(d.shape), 'dtype': str(d.dtype), 'attrs': {k: v(d.attrs[k]) for k in d.attrs}, 'attrTypes': {k: type(d.attrs[k]).__name__ + ':' + str(getattr(d.attrs[k], 'dtype', '')) for k in d.attrs}, 'first': v(d[:2]) if d.shape[0] else []}))
`;

describe.skipIf(!tiles)('PatchGenerator on a composed 40× slide without a 20× level (needs shared tiles)', () => {
  let dir: string;
  let path: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'wsi-patcher-'));
    path = join(dir, 'c40.svs');
    await writeComposedSlide(path, {
      width: 6144,
      height: 4608,
      islands: 2,
      seed: 9,
      levels: [1, 4, 16],
      mpp: 0.25,
      appMag: 40,
      quality: 80,
    });
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('plans 20× as 512 px read at level 0 resized to 256 (custom_downsample), 10× natively at level 1', async () => {
    const slide = await openSlide(path);
    try {
      const p20 = resolvePatchPlan(slide, { patchSize: 256, magnification: 20 });
      expect(p20).toMatchObject({
        patchLevel: 0,
        readSize: 512,
        targetPatchSize: 256,
        patchSizeLevel0: 512,
        stepLevel0: 512,
        level0Magnification: 40,
        targetMagnification: 20,
        mpp: 0.25,
      });
      const p10 = resolvePatchPlan(slide, { patchSize: 256, magnification: 10 });
      expect(p10).toMatchObject({
        patchLevel: 1,
        readSize: 256,
        patchSizeLevel0: 1024,
        downsample: [4, 4],
        targetMagnification: 10,
      });
      expect(p10.targetPatchSize).toBeUndefined();
      const pm = resolvePatchPlan(slide, { patchSize: 224, mpp: 0.5, overlap: 32 });
      expect(pm).toMatchObject({
        patchLevel: 0,
        readSize: 448,
        targetPatchSize: 224,
        patchSizeLevel0: 448,
        stepLevel0: 384,
        overlap: 32,
      });
      const pl = resolvePatchPlan(slide, { patchSize: 256, level: 2 });
      expect(pl).toMatchObject({ patchLevel: 2, readSize: 256, patchSizeLevel0: 4096, targetMagnification: 2.5 });
      expect(resolvePatchPlan(slide, { patchSize: 256 })).toMatchObject({
        patchLevel: 0,
        patchSizeLevel0: 256,
        targetMagnification: 40,
      });
    } finally {
      await slide.close();
    }
  });

  it.skipIf(!h5py)(
    "writes wsi, clam and trident coords files that h5py reads with the loaders' names, dtypes and attributes",
    async () => {
      const out = join(dir, 'out');
      const results: Record<string, Awaited<ReturnType<PatchGenerator['run']>>> = {};
      for (const layout of ['wsi', 'clam', 'trident'] as const) {
        const gen = new PatchGenerator({
          preset: 'tcga',
          segmentation: { aT: 1, aH: 0.1 },
          patchSize: 256,
          magnification: 20,
          layout,
        });
        results[layout] = await gen.run(path, join(out, layout));
      }
      const wsi = results.wsi as (typeof results)['wsi'];
      expect(wsi.count).toBeGreaterThan(20);
      expect(wsi.coordsPath).toBe(join(out, 'wsi', 'patches', 'c40.h5'));
      expect(results.trident?.coordsPath).toBe(
        join(out, 'trident', '20x_256px_0px_overlap', 'patches', 'c40_patches.h5'),
      );
      for (const p of [wsi.geojsonPath, wsi.maskPath, wsi.overlayPath]) expect(existsSync(p)).toBe(true);
      const geo = JSON.parse(readFileSync(wsi.geojsonPath, 'utf8'));
      expect(geo.features).toHaveLength(wsi.regions);
      expect(
        geo.features.some((f: { geometry: { coordinates: unknown[] } }) => f.geometry.coordinates.length > 1),
      ).toBe(true);

      type H5 = {
        keys: string[];
        shape: number[];
        dtype: string;
        attrs: Record<string, unknown>;
        attrTypes: Record<string, string>;
        first: number[][];
      };
      const w = runPythonJson<H5>(H5_ATTRS, [wsi.coordsPath]);
      expect(w.shape).toEqual([wsi.count, 2]);
      expect(w.dtype).toBe('int64');
      expect(w.attrs).toMatchObject({
        patch_size: 512,
        patch_level: 0,
        downsample: [1, 1],
        downsampled_level_dim: [6144, 4608],
        level_dim: [6144, 4608],
        name: 'c40',
        patch_size_level0: 512,
        level0_magnification: 40,
        target_magnification: 20,
        overlap: 0,
        level0_width: 6144,
        level0_height: 4608,
        mpp: 0.25,
        target_patch_size: 256,
      });
      const c = runPythonJson<H5>(H5_ATTRS, [results.clam?.coordsPath as string]);
      expect(Object.keys(c.attrs).sort()).toEqual([
        'downsample',
        'downsampled_level_dim',
        'level_dim',
        'name',
        'patch_level',
        'patch_size',
        'save_path',
      ]);
      expect(c.attrs).toMatchObject({ patch_size: 512, patch_level: 0, downsample: [1, 1], level_dim: [6144, 4608] });
      expect(c.attrTypes.patch_size).toBe('int64:int64');
      const t = runPythonJson<H5>(H5_ATTRS, [results.trident?.coordsPath as string]);
      expect(t.attrs).toMatchObject({
        patch_size: 256,
        patch_size_level0: 512,
        level0_magnification: 40,
        target_magnification: 20,
        overlap: 0,
        name: 'c40',
        level0_width: 6144,
        level0_height: 4608,
      });
      expect(t.attrs.savetodir).toBe(join(out, 'trident', '20x_256px_0px_overlap'));
      expect(c.first).toEqual(w.first);
      expect(t.shape).toEqual(w.shape);
      // our reader gets the same grid back
      const back = await readCoordsFile(wsi.coordsPath);
      expect(back.meta).toMatchObject({ patchSize: 512, targetPatchSize: 256, patchSizeLevel0: 512 });
    },
  );

  it.skipIf(!h5py)(
    'extracts patches to h5 (imgs N×256×256×3 uint8, chunked per patch) matching OpenSlide, and to PNG files',
    async () => {
      const slide = await openSlide(path);
      try {
        const gen = new PatchGenerator({ preset: 'tcga', segmentation: { aT: 1 }, patchSize: 256, magnification: 20 });
        const set = await gen.grid(slide, 'c40');
        const few = { coords: set.coords.subarray(0, 20), meta: set.meta };
        const h5 = join(dir, 'x', 'c40.h5');
        expect(await writePatchesH5(slide, few, h5, { batch: 3, concurrency: 4 })).toBe(10);
        const r = runPythonJson<{ shape: number[]; dtype: string; chunks: number[]; coords: number[][]; diff: number }>(
          `
import sys, json, h5py, numpy as np, openslide
f = h5py.File(sys.argv[1], 'r'); s = openslide.OpenSlide(sys.argv[2])
imgs = f['imgs']; x, y = (int(v) for v in f['coords'][3])
ref = np.array(s.read_region((x, y), 0, (512, 512)).convert('RGB').resize((256, 256)))
print(json.dumps({'shape': list(imgs.shape), 'dtype': str(imgs.dtype), 'chunks': list(imgs.chunks), 'coords': f['coords'][:].tolist(), 'diff': float(np.abs(imgs[3].astype(int) - ref.astype(int)).mean())}))
`,
          [h5, path],
        );
        expect(r.shape).toEqual([10, 256, 256, 3]);
        expect(r.dtype).toBe('uint8');
        expect(r.chunks).toEqual([1, 256, 256, 3]);
        expect(r.coords.flat()).toEqual([...few.coords]);
        expect(r.diff).toBeLessThan(6); // different resamplers and JPEG decoders
        // level 0, no resize: the reader's recycled rasters go straight into the batch
        const g0 = new PatchGenerator({ preset: 'tcga', segmentation: { aT: 1 }, patchSize: 256 });
        const s0 = await g0.grid(slide, 'c40');
        const l0 = join(dir, 'x', 'c40-l0.h5');
        expect(
          await writePatchesH5(slide, { coords: s0.coords.subarray(0, 40), meta: s0.meta }, l0, { batch: 7 }),
        ).toBe(20);
        const d0 = runPythonJson<{ diffs: number[] }>(
          `
import sys, json, h5py, numpy as np, openslide
f = h5py.File(sys.argv[1], 'r'); s = openslide.OpenSlide(sys.argv[2])
out = []
for i in (0, 7, 19):
    x, y = (int(v) for v in f['coords'][i])
    ref = np.array(s.read_region((x, y), 0, (256, 256)).convert('RGB'))
    out.append(float(np.abs(f['imgs'][i].astype(int) - ref.astype(int)).mean()))
print(json.dumps({'diffs': out}))
`,
          [l0, path],
        );
        for (const d of d0.diffs) expect(d).toBeLessThan(3);
        const files = await writePatchImages(
          slide,
          { coords: few.coords.subarray(0, 6), meta: few.meta },
          join(dir, 'png'),
          { format: 'png' },
        );
        expect(files).toHaveLength(3);
        expect(readdirSync(join(dir, 'png')).sort()).toEqual(
          [0, 1, 2].map((i) => `c40_${few.coords[i * 2]}_${few.coords[i * 2 + 1]}.png`).sort(),
        );
        // the stream yields in order and stops early without leaking reads
        const seen: number[] = [];
        for await (const p of streamPatches(slide, few, { concurrency: 3 })) {
          seen.push(p.index);
          expect(p.rgb.length).toBe(256 * 256 * 3);
          if (seen.length === 4) break;
        }
        expect(seen).toEqual([0, 1, 2, 3]);
      } finally {
        await slide.close();
      }
    },
  );
});

describe('copyRgb', () => {
  it('drops alpha exactly, aligned or not', () => {
    for (const [w, h, off] of [
      [5, 3, 0],
      [16, 4, 4],
      [7, 1, 3],
    ] as const) {
      const data = Uint8Array.from({ length: w * h * 4 }, (_, i) => (i * 37 + 11) & 255);
      const dst = new Uint8Array(off + w * h * 3);
      copyRgb({ width: w, height: h, channels: 4, dtype: 'uint8', data }, dst, off);
      const want = new Uint8Array(w * h * 3);
      for (let i = 0; i < w * h; i++) want.set(data.subarray(i * 4, i * 4 + 3), i * 3);
      expect([...dst.subarray(off)]).toEqual([...want]);
    }
  });
});

describe('bad input and edge cases', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'wsi-patcher-bad-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const solid = (w: number, h: number, rgb: [number, number, number]): Uint8Array => {
    const a = new Uint8Array(w * h * 3);
    for (let i = 0; i < a.length; i += 3) a.set(rgb, i);
    return a;
  };

  it('no tissue: an empty coords file and a warning, not an error', async () => {
    const path = join(dir, 'white.svs');
    await writeSvs(path, {
      source: bufferSource(solid(1024, 768, [245, 245, 245]), 1024, 768),
      levels: [1, 4],
      label: false,
      macro: false,
    });
    const warnings: string[] = [];
    const r = await new PatchGenerator({ preset: 'bwh-biopsy' }).run(path, join(dir, 'out-white'), {
      onWarning: (m) => warnings.push(m),
    });
    expect(r.count).toBe(0);
    expect(warnings[0]).toMatch(/no patches/);
    const back = await readCoordsFile(r.coordsPath);
    expect(back.coords.length).toBe(0);
  });

  it('all tissue, one-level slide: one region, the whole slide patched', async () => {
    const path = join(dir, 'pink.svs');
    await writeSvs(path, {
      source: bufferSource(solid(1024, 768, [200, 90, 160]), 1024, 768),
      levels: [1],
      label: false,
      macro: false,
    });
    const slide = await openSlide(path);
    try {
      expect(slide.levels).toHaveLength(1);
      const gen = new PatchGenerator({ preset: 'otsu', patchSize: 256 });
      const seg = await gen.segment(slide);
      expect(seg.level).toBe(0);
      expect(seg.regions).toHaveLength(1);
      expect(seg.mask.data.every((v) => v === 255)).toBe(true);
      const set = await gen.grid(slide, 'pink');
      expect(set.coords.length / 2).toBe(4 * 3);
      expect(
        tissueGrid(seg, { patchSizeLevel0: 256, stepLevel0: 256, rule: 'tissue', minTissueFraction: 1 }).length / 2,
      ).toBe(12);
      expect(tissueGrid(seg, { patchSizeLevel0: 256, stepLevel0: 256, rule: 'center' }).length / 2).toBe(12);
      // patch larger than the slide
      await expectCode(() => resolvePatchPlan(slide, { patchSize: 2048 }), 'InvalidArgument');
      // no mpp and no objective: magnification needs --slide-mpp
      const bare = join(dir, 'bare.svs');
      await writeSvs(bare, {
        source: bufferSource(solid(512, 512, [200, 90, 160]), 512, 512),
        levels: [1],
        mpp: null,
        appMag: null,
        label: false,
        macro: false,
      });
      const b = await openSlide(bare);
      try {
        await expectCode(() => resolvePatchPlan(b, { patchSize: 128, magnification: 20 }), 'InvalidArgument');
        await expectCode(() => resolvePatchPlan(b, { patchSize: 128, mpp: 0.5 }), 'InvalidArgument');
        expect(resolvePatchPlan(b, { patchSize: 128, magnification: 10, slideMpp: 0.5 })).toMatchObject({
          level0Magnification: 20,
          readSize: 256,
          targetPatchSize: 128,
        });
        await expectCode(
          new PatchGenerator({ patchSize: 128, layout: 'trident' }).run(bare, join(dir, 'out-bare')),
          'InvalidArgument',
        );
      } finally {
        await b.close();
      }
    } finally {
      await slide.close();
    }
  });

  it('invalid parameters are typed errors', async () => {
    await expectCode(() => segmentationParams('nope'), 'InvalidArgument');
    // found by the fuzzer: inherited keys ('toString', '__proto__') were taken for presets
    expect(() => segmentationParams('toString')).toThrow(/unknown preset 'toString'/);
    expect(() => segmentationParams('__proto__')).toThrow(/unknown preset '__proto__'/);
    await expectCode(() => segmentationParams('tcga', { mthresh: 4 }), 'InvalidArgument');
    await expectCode(() => segmentationParams('tcga', { aT: -1 }), 'InvalidArgument');
    await expectCode(() => new PatchGenerator({ patchSize: 0 }), 'InvalidArgument');
    await expectCode(() => new PatchGenerator({ layout: 'x' as never }), 'InvalidArgument');
    await expectCode(() => new PatchGenerator({ rule: 'x' as never }), 'InvalidArgument');
    expect(magnificationFromMpp(0.2265)).toBe(40);
    expect(magnificationFromMpp(0.5)).toBe(20);
    await expectCode(() => magnificationFromMpp(3), 'InvalidArgument');
    const path = join(dir, 'p2.svs');
    await writeSvs(path, {
      source: bufferSource(solid(600, 400, [200, 90, 160]), 600, 400),
      levels: [1],
      label: false,
      macro: false,
    });
    const slide = await openSlide(path);
    try {
      await expectCode(() => resolvePatchPlan(slide, { patchSize: 256, overlap: 256 }), 'InvalidArgument');
      await expectCode(
        () => resolvePatchPlan(slide, { patchSize: 256, magnification: 20, level: 0 }),
        'InvalidArgument',
      );
      await expectCode(() => resolvePatchPlan(slide, { patchSize: 256, level: 3 }), 'OutOfBounds');
      await expectCode(() => resolvePatchPlan(slide, { patchSize: 256, magnification: 40 }), 'InvalidArgument'); // upsampling
    } finally {
      await slide.close();
    }
  });
});
