import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FeaturesWriter } from '@wsi/h5';
import { decodeModel } from '@wsi/onnx';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { manifestBags } from '../src/data/manifest-bags.js';
import { predictFromManifest, trainFromManifest } from '../src/manifest-api.js';
import { syntheticBags } from './synthetic.js';

let root: string;
let feats: string;
const DIM = 16;

async function writeFeatures(name: string, features: Float32Array, n: number, dim = DIM): Promise<void> {
  const w = await FeaturesWriter.create(join(feats, `${name}.h5`), { dim, name, encoder: 'test' });
  if (n > 0) {
    const c = new Int32Array(n * 2);
    for (let i = 0; i < n; i++) c.set([i * 256, 512], i * 2);
    w.append(features, c);
  }
  await w.finish();
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'wsi-mil-'));
  feats = join(root, 'feats');
  await mkdir(feats);
  // 24 slides; slides s0/s1 form one biopsy bag.
  const bags = syntheticBags({ bags: 24, dim: DIM, minN: 5, maxN: 12, seed: 4, witnesses: 2, shift: 3 });
  const lines = ['slide,label,bag_id,case_id,site'];
  for (const [i, b] of bags.entries()) {
    await writeFeatures(`s${i}`, b.features, b.n);
    const label = i === 1 ? (bags[0] as { label: number }).label : b.label;
    lines.push(`/data/slides/s${i}.svs,${label},${i < 2 ? 'biopsy-0' : ''},P${i},site-${i % 3}`);
  }
  await writeFile(join(root, 'cohort.csv'), `${lines.join('\n')}\n`);
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('manifest bags', () => {
  it('groups slides by bag_id and reads features lazily', async () => {
    const src = await manifestBags({ manifest: join(root, 'cohort.csv'), features: feats });
    expect(src.dim).toBe(DIM);
    expect(src.bags).toHaveLength(23);
    const biopsy = src.bags[0];
    expect(biopsy?.id).toBe('biopsy-0');
    expect(biopsy?.slides.map((s) => s.name)).toEqual(['s0', 's1']);
    const loaded = await src.load(0);
    expect(loaded.n).toBe(biopsy?.count);
    expect(loaded.features.length).toBe(loaded.n * DIM);
    expect(loaded.coords?.length).toBe(loaded.n * 2);
  });

  it('reports missing files, 0-patch bags, differing dims and bad labels before training', async () => {
    const bad = async (csv: string) => {
      const p = join(root, `bad-${Math.random().toString(36).slice(2)}.csv`);
      await writeFile(p, csv);
      return manifestBags({ manifest: p, features: feats });
    };
    await expect(bad('slide,label\nnope.svs,1\n')).rejects.toMatchObject({ code: 'NotFound' });
    await writeFeatures('empty', new Float32Array(0), 0);
    await expect(bad('slide,label\nempty.svs,1\n')).rejects.toMatchObject({
      code: 'InvalidArgument',
      message: expect.stringMatching(/0 patches/),
    });
    await writeFeatures('wide', new Float32Array(2 * 8), 2, 8);
    await expect(bad('slide,label\ns2.svs,1\nwide.svs,0\n')).rejects.toMatchObject({
      message: expect.stringMatching(/dimension 8/),
    });
    await expect(bad('slide,label\ns2.svs,x\n')).rejects.toMatchObject({
      message: expect.stringMatching(/not an integer/),
    });
    await expect(bad('slide,label,bag_id\ns2.svs,1,b\ns3.svs,0,b\n')).rejects.toMatchObject({
      message: expect.stringMatching(/label 0 here and 1/),
    });
    const out = join(root, 'bad-run');
    await expect(
      trainFromManifest({
        manifest: join(root, 'cohort.csv'),
        features: feats,
        out,
        task: 'multiclass',
        classes: 1,
        epochs: 1,
      }),
    ).rejects.toMatchObject({ code: 'InvalidArgument' });
  });
});

describe('trainFromManifest / predictFromManifest', () => {
  it('writes fold models, metrics.json, predictions, and predicts with attention scores', async () => {
    const out = join(root, 'run');
    const res = await trainFromManifest({
      manifest: join(root, 'cohort.csv'),
      features: feats,
      out,
      task: 'binary',
      folds: 2,
      epochs: 4,
      seed: 1,
      threads: 1,
      lr: 1e-3,
      hidden: 32,
      attnDim: 16,
      cacheBytes: 0, // stream every bag from disk each epoch
    });
    const metrics = JSON.parse(await readFile(join(out, 'metrics.json'), 'utf8'));
    expect(metrics.folds).toHaveLength(2);
    expect(Object.keys(metrics.mean)).toEqual(expect.arrayContaining(['auc', 'accuracy']));
    expect(Object.keys(metrics.sd)).toEqual(expect.arrayContaining(['auc', 'accuracy']));
    expect(res.folds[0]?.split).toBe('heldout');
    const model = decodeModel(await readFile(join(out, 'fold-1', 'model.onnx')));
    expect(model.metadata['wsi.task']).toBe('binary');
    const oof = (await readFile(join(out, 'oof_predictions.csv'), 'utf8')).trim().split('\n');
    expect(oof[0]).toBe('bag_id,fold,label,pred,prob_0,prob_1');
    expect(oof).toHaveLength(24);

    const preds = join(root, 'preds.csv');
    const attn = join(root, 'attn');
    const r = await predictFromManifest({
      model: out,
      manifest: join(root, 'cohort.csv'),
      features: feats,
      out: preds,
      attention: attn,
      threads: 1,
    });
    expect(r.models).toHaveLength(2);
    const rows = (await readFile(preds, 'utf8')).trim().split('\n');
    expect(rows[0]).toBe('bag_id,pred,prob_0,prob_1,site');
    expect(rows[1]?.endsWith(',site-0')).toBe(true);
    expect(rows[1]?.startsWith('biopsy-0,')).toBe(true);
    const [, p0, p1] = (rows[2] as string).split(',').slice(1).map(Number) as [number, number, number];
    expect(p0 + p1).toBeCloseTo(1, 4);
    const s0 = (await readFile(join(attn, 's0.scores.csv'), 'utf8')).trim().split('\n');
    const s1 = (await readFile(join(attn, 's1.scores.csv'), 'utf8')).trim().split('\n');
    expect(s0[0]).toBe('x,y,score');
    expect(s0[1]).toMatch(/^0,512,/);
    const total = [...s0.slice(1), ...s1.slice(1)].reduce((a, l) => a + Number(l.split(',')[2]), 0);
    expect(total).toBeCloseTo(1, 4);
    await expect(
      predictFromManifest({
        model: join(root, 'nowhere'),
        manifest: join(root, 'cohort.csv'),
        features: feats,
        out: preds,
      }),
    ).rejects.toMatchObject({ code: 'NotFound' });
  });
});
