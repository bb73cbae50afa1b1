import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FeaturesWriter } from '@wsi/h5';
import { decodeModel } from '@wsi/onnx';
import { afterAll, describe, expect, it } from 'vitest';
import { type MemoryBag, memoryBags } from '../src/data/bags.js';
import { stratifiedFolds } from '../src/data/folds.js';
import { epochOrder, subsampleBag } from '../src/data/sampling.js';
import { Rng } from '../src/engine/rng.js';
import { predictFromManifest, trainFromManifest } from '../src/manifest-api.js';
import { train } from '../src/train.js';

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

/** Stage bags: stage s has per·s of its n instances shifted by +2 along the first 4 dims (tumour burden band). */
function stageBags(count: number, dim: number, seed: number, stages = 5, per = 3): MemoryBag[] {
  const rng = new Rng(seed);
  return Array.from({ length: count }, (_, b) => {
    const label = b % stages;
    const n = 24 + rng.int(8);
    const features = new Float32Array(n * dim);
    for (let i = 0; i < features.length; i++) features[i] = rng.normal();
    for (let w = 0; w < per * label; w++) for (let d = 0; d < 4; d++) features[w * dim + d] += 2;
    return { id: `b${b}`, label, features, n, caseId: `case-${Math.floor(b / 2)}` };
  });
}

const fast = { threads: 1, lr: 2e-3, hidden: 32, attnDim: 16, epochs: 12, bootstrap: 200 } as const;

describe('ordinal and regression tasks', () => {
  it('ordinal (CORAL): 5 stages learnt, probabilities sum to 1, metrics with CIs', async () => {
    const bags = stageBags(100, 12, 1);
    const r = await train({ source: memoryBags(bags, 12), task: 'ordinal', folds: 3, seed: 1, ...fast, epochs: 20 });
    expect(r.classes).toBe(5);
    const p = r.predictions[0];
    expect(p?.probs).toHaveLength(5);
    expect(p?.probs.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
    console.log('ordinal', JSON.stringify(r.pooled));
    expect(r.pooled.metrics.kappa).toBeGreaterThan(0.8);
    expect(r.pooled.metrics.auc).toBeGreaterThan(0.85);
    const [lo, hi] = r.pooled.ci95.kappa;
    expect(lo).toBeLessThanOrEqual(r.pooled.metrics.kappa);
    expect(hi).toBeGreaterThanOrEqual(r.pooled.metrics.kappa);
    for (const k of ['auc', 'accuracy', 'balanced_accuracy', 'kappa', 'mse', 'c_index'])
      expect(r.mean[k]).toBeTypeOf('number');
  });

  it('regression (MSE): a value per bag, pred rounded and clamped', async () => {
    const bags = stageBags(40, 12, 2, 4);
    const r = await train({ source: memoryBags(bags, 12), task: 'regression', folds: 2, seed: 2, ...fast });
    expect(r.classes).toBe(4);
    for (const p of r.predictions) {
      expect(p.value).toBeTypeOf('number');
      expect(p.pred).toBe(Math.min(3, Math.max(0, Math.round(p.value as number))));
    }
    console.log('regression', JSON.stringify(r.pooled.metrics));
    expect(r.pooled.metrics.c_index).toBeGreaterThan(0.85);
    expect(r.pooled.metrics.mse).toBeLessThan(0.6);
  });
});

describe('grouped stratified folds', () => {
  it('no case on both sides, labels spread over folds', () => {
    const rng = new Rng(7);
    const bags = Array.from({ length: 90 }, (_, i) => {
      const c = rng.int(30);
      return { id: `b${i}`, label: c % 3, count: 1, slides: [], caseId: `P${c}` };
    });
    for (const seed of [0, 1, 2]) {
      const fold = stratifiedFolds(bags, 5, seed);
      const caseFold = new Map<string, number>();
      bags.forEach((b, i) => {
        const prev = caseFold.get(b.caseId);
        if (prev !== undefined) expect(fold[i]).toBe(prev);
        caseFold.set(b.caseId, fold[i] as number);
      });
      for (let k = 0; k < 5; k++) {
        const labels = new Set(bags.filter((_, i) => fold[i] === k).map((b) => b.label));
        expect(labels.size).toBe(3);
      }
    }
  });

  it('balanced resampling and seeded patch subsampling', () => {
    const labels = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1];
    const idx = labels.map((_, i) => i);
    const draws = Array.from({ length: 50 }, (_, e) => epochOrder(idx, labels, new Rng(e), true)).flat();
    const ones = draws.filter((i) => labels[i] === 1).length / draws.length;
    expect(ones).toBeGreaterThan(0.4);
    expect(ones).toBeLessThan(0.6);
    const x = Float32Array.from({ length: 100 * 2 }, (_, i) => Math.floor(i / 2));
    const buf = { features: new Float32Array(0), rows: new Int32Array(0) };
    const a = subsampleBag(x, 100, 2, 10, new Rng(3), buf);
    expect(a.n).toBe(10);
    const rowsA = Array.from(a.features.subarray(0, 20)).filter((_, i) => i % 2 === 0);
    expect(new Set(rowsA).size).toBe(10);
    expect([...rowsA].sort((p, q) => p - q)).toEqual(rowsA);
    const b = subsampleBag(x, 100, 2, 10, new Rng(3), { features: new Float32Array(0), rows: new Int32Array(0) });
    expect(Array.from(b.features.subarray(0, 20))).toEqual(Array.from(a.features.subarray(0, 20)));
    expect(subsampleBag(x, 100, 2, 200, new Rng(3), buf).n).toBe(100);
  });
});

describe('models and ensembles through the manifest API', () => {
  it('CLAM-SB and the biopsy transformer learn; top-k ensembles are written, predicted and scored', async () => {
    const root = await mkdtemp(join(tmpdir(), 'wsi-mil-ens-'));
    dirs.push(root);
    const bags = stageBags(40, 8, 5, 2, 8);
    const lines = ['slide,label,case_id'];
    for (const b of bags) {
      const w = await FeaturesWriter.create(join(root, `${b.id}.h5`), { dim: 8, name: b.id, encoder: 'test' });
      const c = new Int32Array(b.n * 2);
      for (let i = 0; i < b.n; i++) c.set([i * 256, 0], i * 2);
      w.append(b.features, c);
      await w.finish();
      lines.push(`${b.id}.svs,${b.label},${b.caseId}`);
    }
    await writeFile(join(root, 'm.csv'), `${lines.join('\n')}\n`);
    const common = { manifest: join(root, 'm.csv'), features: root, task: 'binary' as const, folds: 2, seed: 3 };
    const out = join(root, 'clam');
    const r = await trainFromManifest({ ...common, ...fast, out, model: 'clam-sb', topK: 3, maxPatches: 20 });
    console.log('clam-sb', JSON.stringify(r.mean), JSON.stringify(r.ensemble?.pooled.metrics));
    expect(r.mean.auc).toBeGreaterThan(0.9);
    const ens = JSON.parse(await readFile(join(out, 'ensemble.json'), 'utf8'));
    expect(ens.members).toHaveLength(6);
    expect(ens.members[0]).toMatchObject({ fold: 0, kind: 'top' });
    for (const m of ens.members) expect((await stat(join(out, m.path))).isFile()).toBe(true);
    const metrics = JSON.parse(await readFile(join(out, 'metrics.json'), 'utf8'));
    expect(metrics.ensemble.folds).toHaveLength(2);
    expect(Object.keys(metrics.ci95)).toEqual(['auc', 'accuracy', 'balanced_accuracy', 'kappa', 'mse', 'c_index']);
    expect(decodeModel(await readFile(join(out, 'fold-0', 'model.onnx'))).metadata['wsi.model']).toBe('clam-sb');
    const p = await predictFromManifest({
      model: out,
      manifest: join(root, 'm.csv'),
      features: root,
      out: join(root, 'p.csv'),
      metrics: join(root, 'pm.json'),
      threads: 1,
    });
    expect(p.models).toHaveLength(6);
    expect(p.metrics?.members).toHaveLength(6);
    expect(p.metrics?.ensemble.auc).toBeGreaterThan(0.9);
    expect(JSON.parse(await readFile(join(root, 'pm.json'), 'utf8')).ensemble).toHaveProperty('kappa');

    const tf = join(root, 'tf');
    const t = await trainFromManifest({ ...common, ...fast, out: tf, model: 'biopsy-transformer', task: 'regression' });
    console.log('biopsy-transformer regression', JSON.stringify(t.pooled.metrics));
    expect(t.pooled.metrics.c_index).toBeGreaterThan(0.85);
    const oof = (await readFile(join(tf, 'oof_predictions.csv'), 'utf8')).split('\n');
    expect(oof[0]).toBe('bag_id,fold,label,pred,value');
    await predictFromManifest({ model: tf, manifest: join(root, 'm.csv'), features: root, out: join(root, 'q.csv') });
    expect((await readFile(join(root, 'q.csv'), 'utf8')).split('\n')[0]).toBe('bag_id,pred,value');
  });
});
