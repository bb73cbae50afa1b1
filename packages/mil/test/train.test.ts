import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { memoryBags } from '../src/data/bags.js';
import { stratifiedFolds } from '../src/data/folds.js';
import { train } from '../src/train.js';
import { syntheticBags } from './synthetic.js';

describe('train (k-fold) on synthetic bags', () => {
  it('learns witness instances: held-out AUC ≥ 0.95', async () => {
    const bags = syntheticBags({ bags: 80, dim: 32, minN: 20, maxN: 60, seed: 1, witnesses: 3, shift: 2 });
    const res = await train({
      source: memoryBags(bags, 32),
      task: 'binary',
      folds: 2,
      epochs: 8,
      seed: 0,
      threads: 1,
      lr: 1e-3,
      hidden: 64,
      attnDim: 32,
    });
    expect(res.folds).toHaveLength(2);
    for (const f of res.folds) {
      expect(f.split).toBe('heldout');
      expect(f.n + f.n_train).toBe(80);
    }
    console.log('synthetic held-out', JSON.stringify(res.mean));
    expect(res.mean.auc).toBeGreaterThanOrEqual(0.95);
    expect(res.models).toHaveLength(2);
  });

  it('multiclass: macro one-vs-rest AUC on held-out folds, metrics per fold with mean and sd', async () => {
    const bags = syntheticBags({
      bags: 60,
      dim: 32,
      minN: 15,
      maxN: 40,
      seed: 3,
      witnesses: 4,
      shift: 2.5,
      classes: 3,
    });
    const res = await train({
      source: memoryBags(bags, 32),
      task: 'multiclass',
      folds: 3,
      epochs: 10,
      seed: 2,
      threads: 1,
      lr: 1e-3,
      hidden: 64,
      attnDim: 32,
      schedule: 'cosine',
      optimizer: 'adamw',
      weightDecay: 1e-4,
      clipNorm: 5,
    });
    expect(res.classes).toBe(3);
    expect(res.folds).toHaveLength(3);
    console.log('multiclass', JSON.stringify(res.mean));
    expect(res.mean.auc).toBeGreaterThanOrEqual(0.9);
    expect(res.sd.auc).toBeGreaterThanOrEqual(0);
  });

  it('resumes from checkpoints exactly', async () => {
    const bags = syntheticBags({ bags: 12, dim: 8, minN: 3, maxN: 9, seed: 5 });
    const dir = await mkdtemp(join(tmpdir(), 'wsi-mil-resume-'));
    try {
      const base = {
        source: memoryBags(bags, 8),
        task: 'binary' as const,
        folds: 2,
        seed: 4,
        threads: 1,
        hidden: 8,
        attnDim: 4,
        lr: 1e-3,
      };
      await train({ ...base, epochs: 2, out: dir });
      const lines: string[] = [];
      const resumed = await train({ ...base, epochs: 4, out: dir, resume: true, log: (l) => lines.push(l) });
      expect(lines.map((l) => l.split(' loss')[0])).toEqual([
        'fold 0 epoch 3/4',
        'fold 0 epoch 4/4',
        'fold 1 epoch 3/4',
        'fold 1 epoch 4/4',
      ]);
      const fresh = await train({ ...base, epochs: 4 });
      expect(resumed.models.map((m) => Buffer.from(m).toString('base64'))).toEqual(
        fresh.models.map((m) => Buffer.from(m).toString('base64')),
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('rejects labels outside 0..C−1 before training', async () => {
    const bags = syntheticBags({ bags: 4, dim: 8, minN: 2, maxN: 3, seed: 2 });
    (bags[1] as { label: number }).label = 2;
    await expect(train({ source: memoryBags(bags, 8), task: 'binary', epochs: 1 })).rejects.toMatchObject({
      code: 'InvalidArgument',
      message: expect.stringMatching(/outside 0..1/),
    });
    expect(() => memoryBags([{ id: 'e', label: 0, features: new Float32Array(0), n: 0 }], 8)).toThrow(/0 instances/);
  });

  it('stratified folds keep cases together and balance labels', () => {
    const bags = Array.from({ length: 20 }, (_, i) => ({
      id: `b${i}`,
      label: i % 2,
      count: 1,
      slides: [],
      caseId: `c${Math.floor(i / 2)}`,
    }));
    const fold = stratifiedFolds(bags, 5, 0);
    for (let i = 0; i < 20; i += 2) expect(fold[i]).toBe(fold[i + 1]);
    const noCase = bags.map(({ caseId: _c, ...b }) => b);
    const f2 = stratifiedFolds(noCase, 5, 0);
    for (let k = 0; k < 5; k++) {
      const members = noCase.filter((_, i) => f2[i] === k);
      expect(members.filter((b) => b.label === 1).length).toBe(2);
    }
  });
});
