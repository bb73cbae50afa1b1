import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { PatchGridMeta } from '@wsi/core';
import { fingerprintSource, isWsiError, openByteSource } from '@wsi/core';
import { readFeaturesFile, writeCoordsFile } from '@wsi/h5';
import { openSlide } from '@wsi/reader';
import { hasPythonModules, runPythonJson, sharedDir, syntheticTissue, writeSvs } from '@wsi/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_ENCODER_DIM } from '../src/default-encoder.js';
import { type Encoder, loadEncoder } from '../src/encoder.js';
import { embedSlide } from '../src/pipeline.js';
import { Preprocessor } from '../src/preprocess.js';

const shared = sharedDir();
const RESNET = shared === undefined ? undefined : join(shared, 'models', 'resnet50-trunc-random.onnx');
const haveResnet = RESNET !== undefined && existsSync(RESNET);
const havePy = hasPythonModules(['h5py', 'numpy']);
const haveTorch = hasPythonModules(['torch']);

let dir: string;
let svs: string;
let coordsPath: string;
let fp: string;
const COORDS = new Int32Array([0, 0, 256, 0, 512, 256, 768, 512, 100, 300]);

function meta(over: Partial<PatchGridMeta> = {}): PatchGridMeta {
  return {
    name: 'slide1',
    patchSize: 256,
    patchLevel: 0,
    downsample: [1, 1],
    patchSizeLevel0: 256,
    levelDim: [1024, 768],
    downsampledLevelDim: [1024, 768],
    overlap: 0,
    level0Magnification: 20,
    targetMagnification: 20,
    ...over,
  };
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'wsi-embed-'));
  svs = join(dir, 'slide1.svs');
  await writeSvs(svs, {
    source: syntheticTissue({ width: 1024, height: 768, seed: 5 }),
    levels: [1],
    mpp: 0.5,
    appMag: 20,
    label: false,
    macro: false,
  });
  const src = await openByteSource(svs);
  fp = await fingerprintSource(src);
  await src.close();
  coordsPath = join(dir, 'patches', 'slide1.h5');
  for (const d of ['patches', 'patches-other', 'patches-dims']) await mkdir(join(dir, d));
  await writeCoordsFile(coordsPath, { coords: COORDS, meta: meta() }, { provenance: { slideFingerprint: fp } });
});

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function directRun(enc: Encoder, index: number): Promise<Float32Array> {
  const slide = await openSlide(svs);
  try {
    const r = await slide.readRegion({
      x: COORDS[index * 2] as number,
      y: COORDS[index * 2 + 1] as number,
      level: 0,
      width: 256,
      height: 256,
    });
    const pre = new Preprocessor(enc.preset);
    const one = new Float32Array(pre.imageSize);
    pre.write(r, one, 0);
    return await enc.run(one, 1);
  } finally {
    await slide.close();
  }
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs((a[i] as number) - (b[i] as number)));
  return m;
}

describe('default encoder through the pipeline', () => {
  it('equals a direct single-image run, resumes, and writes Trident attributes', async () => {
    const enc = await loadEncoder({ model: 'default', threads: 1 });
    try {
      expect(enc.dim).toBe(DEFAULT_ENCODER_DIM);
      const out = join(dir, 'out-default');
      const r = await embedSlide(svs, { coords: coordsPath, outDir: out, encoder: enc, batchSize: 2 });
      expect(dirname(r.path)).toBe(join(out, 'features_default'));
      expect(r.path).toBe(join(out, 'features_default', 'slide1.h5'));
      expect(r.skipped).toBe(false);
      const f = await readFeaturesFile(r.path);
      expect(f.count).toBe(5);
      expect(Array.from(f.coords)).toEqual(Array.from(COORDS));
      for (const i of [0, 3, 4]) {
        const d = await directRun(enc, i);
        expect(maxAbsDiff(f.features.subarray(i * enc.dim, (i + 1) * enc.dim), d)).toBeLessThanOrEqual(1e-5);
      }
      const again = await embedSlide(svs, { coords: coordsPath, outDir: out, encoder: enc, batchSize: 3 });
      expect(again.skipped).toBe(true);
      // Other coordinates for the same slide name → a different key → redone, not skipped.
      const fewer = join(dir, 'patches-fewer', 'slide1.h5');
      await mkdir(dirname(fewer), { recursive: true });
      await writeCoordsFile(
        fewer,
        { coords: COORDS.slice(0, 4), meta: meta() },
        { provenance: { slideFingerprint: fp } },
      );
      const redo = await embedSlide(svs, { coords: fewer, outDir: out, encoder: enc });
      expect([redo.skipped, (await readFeaturesFile(redo.path)).count]).toEqual([false, 2]);
    } finally {
      await enc.close();
    }
  });
});

describe.skipIf(!haveResnet)('ResNet50-trunc (random weights; needs ../shared/models)', () => {
  it('gives N×1024 in the wsi layout; h5py sees the exact layout', async () => {
    const enc = await loadEncoder({ model: RESNET as string, preset: 'resnet50', threads: 2 });
    try {
      const out = join(dir, 'out-resnet');
      const r = await embedSlide(svs, { coords: coordsPath, outDir: out, encoder: enc, batchSize: 4 });
      expect(r.path).toBe(join(out, 'features_resnet50', 'slide1.h5'));
      const f = await readFeaturesFile(r.path);
      expect([f.count, f.features.length]).toEqual([5, 5 * 1024]);
      const d = await directRun(enc, 4);
      expect(maxAbsDiff(f.features.subarray(4 * 1024), d)).toBeLessThanOrEqual(1e-5);
      if (havePy) {
        const py = (await runPythonJson(
          `import h5py, json, sys
f = h5py.File(sys.argv[1], 'r')
def a(d): return {k: (v.decode() if isinstance(v, bytes) else (v.tolist() if hasattr(v, 'tolist') else v)) for k, v in d.attrs.items()}
print(json.dumps({'keys': sorted(f.keys()), 'fs': list(f['features'].shape), 'fd': str(f['features'].dtype), 'cs': list(f['coords'].shape), 'cd': str(f['coords'].dtype), 'fa': a(f['features']), 'ca': sorted(f['coords'].attrs.keys()), 'enc': str(type(f['features'].attrs['encoder']))}))`,
          [r.path],
        )) as {
          keys: string[];
          fs: number[];
          fd: string;
          cs: number[];
          cd: string;
          fa: Record<string, unknown>;
          ca: string[];
        };
        expect(py.keys).toEqual(['coords', 'features']);
        expect([py.fs, py.fd, py.cs, py.cd]).toEqual([[5, 1024], 'float32', [5, 2], 'int64']);
        expect(py.fa).toEqual({ name: 'slide1', savetodir: join(out, 'features_resnet50'), encoder: 'resnet50' });
        expect(py.ca).toContain('patch_size');
        expect(py.ca).toContain('level0_magnification');
      }
    } finally {
      await enc.close();
    }
  });

  it('rejects a wrong input size, a preset/model mismatch and a corrupt model', async () => {
    await expect(loadEncoder({ model: RESNET as string, preset: 'conch_v1' })).rejects.toSatisfy(
      (e) => isWsiError(e, 'InvalidArgument') && /448/.test((e as Error).message),
    );
    await expect(loadEncoder({ model: RESNET as string, preset: 'uni_v2' })).rejects.toSatisfy(
      (e) => isWsiError(e, 'InvalidArgument') && /mismatch/.test((e as Error).message),
    );
    const bad = join(dir, 'bad.onnx');
    await writeFile(bad, new Uint8Array(4096).fill(7));
    await expect(loadEncoder({ model: bad, preset: 'resnet50' })).rejects.toSatisfy((e) =>
      isWsiError(e, 'CorruptFile'),
    );
    await expect(loadEncoder({ model: join(dir, 'missing.onnx') })).rejects.toSatisfy((e) => isWsiError(e, 'NotFound'));
    await expect(loadEncoder({ model: RESNET as string, preset: 'resnet50', device: 'cuda' })).rejects.toSatisfy((e) =>
      isWsiError(e, 'InvalidArgument'),
    );
  });
});

describe.skipIf(!haveResnet || !hasPythonModules(['onnx']))('models saved with external data', () => {
  it('loads model.onnx + model.onnx.data by path and gives the same features as the single-file model', async () => {
    const ext = join(dir, 'ext', 'model.onnx');
    await mkdir(dirname(ext), { recursive: true });
    runPythonJson(
      `import sys, json, onnx
m = onnx.load(sys.argv[1])
onnx.save_model(m, sys.argv[2], save_as_external_data=True, all_tensors_to_one_file=True, location='model.onnx.data', size_threshold=1024)
print(json.dumps(1))`,
      [RESNET as string, ext],
    );
    expect(existsSync(`${ext}.data`)).toBe(true);
    const a = await loadEncoder({ model: RESNET as string, preset: 'resnet50', threads: 2 });
    const b = await loadEncoder({ model: ext, preset: 'resnet50', threads: 2 });
    try {
      const batch = new Float32Array(2 * 3 * 224 * 224).map((_, i) => Math.sin(i * 0.001));
      const fa = await a.run(batch, 2);
      const fb = await b.run(batch, 2);
      expect(fb.length).toBe(fa.length);
      let max = 0;
      for (let i = 0; i < fa.length; i++) max = Math.max(max, Math.abs((fa[i] as number) - (fb[i] as number)));
      expect(max).toBe(0);
    } finally {
      await a.close();
      await b.close();
    }
  });
});

describe('bad coords files are refused before any work', () => {
  it('another slide by fingerprint, or by dimensions', async () => {
    const enc = await loadEncoder({ model: 'default', threads: 1 });
    try {
      const other = join(dir, 'patches-other', 'slide1.h5');
      await writeCoordsFile(
        other,
        { coords: COORDS, meta: meta() },
        { provenance: { slideFingerprint: 'fp1:deadbeef' } },
      );
      const out = join(dir, 'out-bad');
      await expect(embedSlide(svs, { coords: other, outDir: out, encoder: enc })).rejects.toSatisfy(
        (e) => isWsiError(e, 'InvalidArgument') && /another slide/.test((e as Error).message),
      );
      const dims = join(dir, 'patches-dims', 'slide1.h5');
      await writeCoordsFile(dims, { coords: COORDS, meta: meta({ levelDim: [2048, 1536] }) });
      await expect(embedSlide(svs, { coords: dims, outDir: out, encoder: enc })).rejects.toSatisfy(
        (e) => isWsiError(e, 'InvalidArgument') && /2048×1536/.test((e as Error).message),
      );
      expect(existsSync(out)).toBe(false);
    } finally {
      await enc.close();
    }
  });
});

describe.skipIf(!haveTorch)('CLAM layout (.pt checked with Debian python3-torch)', () => {
  it('writes h5_files + pt_files; torch.load equals the features', async () => {
    const enc = await loadEncoder({ model: 'default', threads: 1 });
    try {
      const out = join(dir, 'out-clam');
      const r = await embedSlide(svs, { coords: coordsPath, outDir: out, encoder: enc, layout: 'clam', batchSize: 4 });
      expect(r.ptPath).toBe(join(out, 'pt_files', 'slide1.pt'));
      const f = await readFeaturesFile(r.path);
      const py = (await runPythonJson(
        `import torch, h5py, json, sys
t = torch.load(sys.argv[1])
h = h5py.File(sys.argv[2], 'r')
print(json.dumps({'type': t.type(), 'shape': list(t.shape), 'attrs': len(h['features'].attrs), 'cd': str(h['coords'].dtype), 'first': t[0, :4].tolist(), 'sum': float(t.double().sum())}))`,
        [r.ptPath as string, r.path],
      )) as { type: string; shape: number[]; attrs: number; cd: string; first: number[]; sum: number };
      expect(py.type).toBe('torch.FloatTensor');
      expect(py.shape).toEqual([5, DEFAULT_ENCODER_DIM]);
      expect([py.attrs, py.cd]).toEqual([0, 'int32']);
      expect(py.first).toEqual(Array.from(f.features.subarray(0, 4)));
      const sum = f.features.reduce((s, v) => s + v, 0);
      expect(Math.abs(py.sum - sum)).toBeLessThan(1e-3 * Math.max(1, Math.abs(sum)));
    } finally {
      await enc.close();
    }
  });
});
