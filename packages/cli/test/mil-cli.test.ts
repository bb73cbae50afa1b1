import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { FeaturesWriter } from '@wsi/h5';
import { beforeAll, describe, expect, it } from 'vitest';

const BIN = resolve(__dirname, '../dist/bin.js');

function wsi(...args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Seeded bags: label-1 bags hide 2 instances shifted by +3 in every feature. */
function syntheticBags(count: number, dim: number, seed: number) {
  let state = seed >>> 0;
  const rand = () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
  const gauss = () => Math.sqrt(-2 * Math.log(rand() + 1e-12)) * Math.cos(2 * Math.PI * rand());
  return Array.from({ length: count }, (_, i) => {
    const label = i % 2;
    const n = 6 + Math.floor(rand() * 9);
    const features = new Float32Array(n * dim);
    for (let k = 0; k < features.length; k++) features[k] = gauss();
    if (label === 1) for (let k = 0; k < 2 * dim; k++) (features[k] as number) += 3;
    return { label, n, features };
  });
}

describe('wsi train / wsi predict', () => {
  const root = mkdtempSync(join(tmpdir(), 'wsi-cli-mil-'));
  const feats = join(root, 'features');
  const manifest = join(root, 'cohort.csv');

  beforeAll(async () => {
    await mkdir(feats);
    const bags = syntheticBags(20, 12, 3);
    const lines = ['slide,label,case_id'];
    for (const [i, b] of bags.entries()) {
      const w = await FeaturesWriter.create(join(feats, `s${i}.h5`), { dim: 12, name: `s${i}`, encoder: 'test' });
      const c = new Int32Array(b.n * 2);
      for (let k = 0; k < b.n; k++) c.set([k * 256, 0], k * 2);
      w.append(b.features, c);
      await w.finish();
      lines.push(`slides/s${i}.svs,${b.label},P${i}`);
    }
    writeFileSync(manifest, `${lines.join('\n')}\n`);
  });

  it('trains with 2 folds, writes fold models and metrics.json, predicts with attention', () => {
    const out = join(root, 'run');
    const t = wsi(
      'train',
      '--manifest',
      manifest,
      '--features',
      feats,
      '--model',
      'abmil',
      '--task',
      'binary',
      '--out',
      out,
      '--folds',
      '2',
      '--epochs',
      '8',
      '--seed',
      '7',
      '--json',
    );
    expect(t.code, t.stderr).toBe(0);
    const metrics = JSON.parse(readFileSync(join(out, 'metrics.json'), 'utf8'));
    expect(metrics.folds).toHaveLength(2);
    for (const f of metrics.folds) expect(f).toHaveProperty('auc');
    expect(metrics.mean).toHaveProperty('auc');
    expect(metrics.sd).toHaveProperty('accuracy');
    expect(existsSync(join(out, 'fold-0', 'model.onnx'))).toBe(true);
    expect(existsSync(join(out, 'fold-1', 'model.onnx'))).toBe(true);
    expect(JSON.parse(t.stdout).folds).toHaveLength(2);

    const preds = join(root, 'preds.csv');
    const att = join(root, 'attention');
    const p = wsi(
      'predict',
      '--model',
      out,
      '--manifest',
      manifest,
      '--features',
      feats,
      '--out',
      preds,
      '--attention',
      att,
    );
    expect(p.code, p.stderr).toBe(0);
    const rows = readFileSync(preds, 'utf8').trim().split('\n');
    expect(rows[0]?.startsWith('bag_id,pred,prob_0,prob_1')).toBe(true);
    expect(rows).toHaveLength(21);
    const scores = readdirSync(att).filter((f) => f.endsWith('.scores.csv'));
    expect(scores).toHaveLength(20);
    const s0 = readFileSync(join(att, 's0.scores.csv'), 'utf8').trim().split('\n');
    expect(s0[0]).toBe('x,y,score');
    const sum = s0.slice(1).reduce((a, l) => a + Number(l.split(',')[2]), 0);
    expect(sum).toBeCloseTo(1, 4);
  });

  it('ordinal CLAM-SB with top-k checkpoints: ensemble.json, CIs in metrics.json, predict scores the ensemble', () => {
    const out = join(root, 'ordinal');
    const t = wsi(
      'train',
      '--manifest',
      manifest,
      '--features',
      feats,
      '--model',
      'clam-sb',
      '--task',
      'ordinal',
      '--out',
      out,
      '--folds',
      '2',
      '--epochs',
      '6',
      '--top-k',
      '2',
      '--max-patches',
      '10',
      '--balanced-sampling',
      '--bootstrap',
      '100',
      '--json',
    );
    expect(t.code, t.stderr).toBe(0);
    const metrics = JSON.parse(readFileSync(join(out, 'metrics.json'), 'utf8'));
    expect(metrics.model).toBe('clam-sb');
    expect(metrics.ci95.kappa).toHaveLength(2);
    expect(metrics.ensemble.folds).toHaveLength(2);
    const ens = JSON.parse(readFileSync(join(out, 'ensemble.json'), 'utf8'));
    expect(ens.members).toHaveLength(4);
    const preds = join(root, 'ordinal.csv');
    const pm = join(root, 'ordinal-metrics.json');
    const p = wsi(
      'predict',
      '--model',
      out,
      '--manifest',
      manifest,
      '--features',
      feats,
      '--out',
      preds,
      '--metrics',
      pm,
    );
    expect(p.code, p.stderr).toBe(0);
    expect(readFileSync(preds, 'utf8').split('\n')[0]).toBe('bag_id,pred,prob_0,prob_1');
    const scored = JSON.parse(readFileSync(pm, 'utf8'));
    expect(scored.members).toHaveLength(4);
    expect(scored.ensemble).toHaveProperty('balanced_accuracy');
  });

  it('bad flags are usage errors; bad data are typed errors before training', () => {
    expect(
      wsi('train', '--manifest', manifest, '--features', feats, '--task', 'regressionish', '--out', join(root, 'x'))
        .code,
    ).toBe(2);
    expect(
      wsi(
        'train',
        '--manifest',
        manifest,
        '--features',
        feats,
        '--task',
        'binary',
        '--out',
        join(root, 'x'),
        '--model',
        'transformer',
      ).code,
    ).toBe(2);
    const missing = wsi(
      'train',
      '--manifest',
      manifest,
      '--features',
      join(root, 'nope'),
      '--task',
      'binary',
      '--out',
      join(root, 'x'),
    );
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/\[NotFound\]/);
  });
});
