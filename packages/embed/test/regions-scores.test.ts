import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fingerprintSource, openByteSource } from '@wsi/core';
import { FeaturesWriter, readFeaturesFile, writeCoordsFile } from '@wsi/h5';
import { attr, GraphBuilder, writeModelFile } from '@wsi/onnx';
import { syntheticTissue, writeSvs } from '@wsi/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadEncoder } from '../src/encoder.js';
import { embedRegions } from '../src/regions.js';
import { scoreSlide } from '../src/scores.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'wsi-embed-rs-'));
});
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function patchFeatures(path: string): Promise<Float32Array> {
  // 3 patches in region (0,0), 1 in region (1,0); D = 2.
  const feats = new Float32Array([1, 2, 3, 4, 5, 6, 10, 20]);
  const w = await FeaturesWriter.create(path, { dim: 2, name: 's', encoder: 'enc' });
  w.append(feats, new Int32Array([0, 0, 256, 0, 3840, 3840, 4096, 0]));
  await w.finish();
  return feats;
}

describe('region embeddings (4096² from 16×16 patches of 256²)', () => {
  it('mean pooling groups patches by region', async () => {
    const src = join(dir, 'patch.h5');
    await patchFeatures(src);
    const out = join(dir, 'region_features_enc', 's.h5');
    expect(await embedRegions(src, out, { patchSizeLevel0: 256 })).toEqual({ count: 2, dim: 2 });
    const r = await readFeaturesFile(out);
    expect(Array.from(r.features)).toEqual([3, 4, 10, 20]);
    expect(Array.from(r.coords ?? [])).toEqual([0, 0, 4096, 0]);
    expect(r.encoder).toBe('enc_region16');
  });

  it('a second ONNX model runs over the 16×16 feature grid', async () => {
    const src = join(dir, 'patch2.h5');
    await patchFeatures(src);
    const b = new GraphBuilder('region');
    const x = b.input('grid', 'float', ['R', 2, 16, 16]);
    b.output(b.op('Flatten', [b.op('GlobalAveragePool', [x])], { axis: attr.int(1) }, 'out'), 'float', ['R', 2]);
    const model = join(dir, 'region.onnx');
    await writeModelFile(model, b.build());
    const out = join(dir, 'r2.h5');
    await embedRegions(src, out, { patchSizeLevel0: 256, model });
    const r = await readFeaturesFile(out);
    expect(Array.from(r.features).map((v) => v * 256)).toEqual([9, 12, 10, 20].map((v) => expect.closeTo(v, 4)));
  });
});

describe('per-patch model → scores CSV', () => {
  it('writes x,y,score,… rows aligned with the coords', async () => {
    const svs = join(dir, 's.svs');
    await writeSvs(svs, {
      source: syntheticTissue({ width: 768, height: 512, seed: 2 }),
      levels: [1],
      label: false,
      macro: false,
    });
    const s = await openByteSource(svs);
    const fp = await fingerprintSource(s);
    await s.close();
    const coords = join(dir, 's.h5');
    const meta = {
      name: 's',
      patchSize: 256,
      patchLevel: 0,
      downsample: [1, 1] as [number, number],
      patchSizeLevel0: 256,
      levelDim: [768, 512] as [number, number],
      downsampledLevelDim: [768, 512] as [number, number],
      overlap: 0,
    };
    await writeCoordsFile(
      coords,
      { coords: new Int32Array([0, 0, 256, 256, 512, 0]), meta },
      { provenance: { slideFingerprint: fp } },
    );
    const b = new GraphBuilder('clf');
    const x = b.input('x', 'float', ['N', 3, 64, 64]);
    b.output(b.op('Flatten', [b.op('GlobalAveragePool', [x])], { axis: attr.int(1) }, 'p'), 'float', ['N', 3]);
    const model = join(dir, 'clf.onnx');
    await writeModelFile(model, b.build());
    const enc = await loadEncoder({ model, threads: 1 });
    try {
      expect([enc.id, enc.dim, enc.preset.inputSize]).toEqual(['clf', 3, 64]);
      const r = await scoreSlide(svs, { coords, outDir: dir, model: enc, batchSize: 2 });
      const lines = (await readFile(r.path, 'utf8')).trim().split('\n');
      expect(r.path).toBe(join(dir, 'scores', 's.scores.csv'));
      expect(lines[0]).toBe('x,y,score,score_1,score_2');
      expect(lines.slice(1).map((l) => l.split(',').slice(0, 2).join(','))).toEqual(['0,0', '256,256', '512,0']);
      expect(
        lines.slice(1).every((l) =>
          l
            .split(',')
            .slice(2)
            .every((v) => Number.isFinite(Number(v))),
        ),
      ).toBe(true);
    } finally {
      await enc.close();
    }
  });
});
