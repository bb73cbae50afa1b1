import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeModelFile } from '@wsi/onnx';
import { hasPythonModules, runPythonJson } from '@wsi/testing';
import { describe, expect, it } from 'vitest';
import { exportGraph } from '../src/engine/graphs.js';
import { MilEngine } from '../src/engine/mil-engine.js';
import { biopsyTransformerConfig } from '../src/models/biopsy-transformer.js';
import { seeded } from './gradcheck.js';

// The exported biopsy transformer, its weights loaded into torch.nn.TransformerEncoder (post-norm, ReLU, no
// dropout): per-head q/k/v/o slices are stacked into in_proj_weight / out_proj.weight. Same logits and attention.
const ORACLE = `
import json, sys, numpy as np, onnx, torch, torch.nn as nn, torch.nn.functional as F
from onnx import numpy_helper
m = onnx.load(sys.argv[1]); onnx.checker.check_model(m, full_check=True)
w = {t.name: torch.from_numpy(numpy_helper.to_array(t).copy()) for t in m.graph.initializer}
cfg = json.loads({p.key: p.value for p in m.metadata_props}['wsi.config'])
H, nh, L, ff = cfg['hidden'], cfg['heads'], cfg['layers'], cfg['ffDim']
x = torch.from_numpy(np.fromfile(sys.argv[2], dtype=np.float32).reshape(-1, cfg['inDim']))
layers = []
with torch.no_grad():
    for l in range(L):
        e = nn.TransformerEncoderLayer(H, nh, ff, dropout=0.0, batch_first=True)
        e.self_attn.in_proj_weight.copy_(torch.cat([torch.cat([w[f'tf{l}_{m}{h}_w'].T for h in range(nh)]) for m in 'qkv']))
        e.self_attn.in_proj_bias.copy_(torch.cat([torch.cat([w[f'tf{l}_{m}{h}_b'] for h in range(nh)]) for m in 'qkv']))
        e.self_attn.out_proj.weight.copy_(torch.cat([w[f'tf{l}_o{h}_w'].T for h in range(nh)], dim=1))
        e.self_attn.out_proj.bias.copy_(w[f'tf{l}_o_b'])
        e.linear1.weight.copy_(w[f'tf{l}_ff1_w'].T); e.linear1.bias.copy_(w[f'tf{l}_ff1_b'])
        e.linear2.weight.copy_(w[f'tf{l}_ff2_w'].T); e.linear2.bias.copy_(w[f'tf{l}_ff2_b'])
        e.norm1.weight.copy_(w[f'tf{l}_ln1_g']); e.norm1.bias.copy_(w[f'tf{l}_ln1_b'])
        e.norm2.weight.copy_(w[f'tf{l}_ln2_g']); e.norm2.bias.copy_(w[f'tf{l}_ln2_b'])
        layers.append(e.eval())
    h = F.relu(x @ w['fc_w'] + w['fc_b']).unsqueeze(0)
    for e in layers: h = e(h)
    h = h[0]
    a = torch.tanh(h @ w['attn_a_w'] + w['attn_a_b']) * torch.sigmoid(h @ w['attn_b_w'] + w['attn_b_b'])
    A = F.softmax((a @ w['attn_c_w'] + w['attn_c_b']).T, dim=1)
    logits = (A @ h) @ w['cls_w'] + w['cls_b']
print(json.dumps({"logits": logits.flatten().tolist(), "attention": A.flatten().tolist()}))
`;

describe.skipIf(!hasPythonModules(['onnx', 'torch', 'numpy']))(
  'exported biopsy transformer vs torch.nn.TransformerEncoderLayer (Debian python3-torch)',
  () => {
    it('gives the same logits and attention', async () => {
      const cfg = biopsyTransformerConfig({ inDim: 12, hidden: 16, attnDim: 8, classes: 3, heads: 4, ffDim: 24 });
      const engine = await MilEngine.create(cfg, { seed: 4, threads: 1, optimizer: { lr: 1e-2 } });
      const n = 21;
      const x = seeded(n * 12, 9);
      for (let s = 0; s < 4; s++) await engine.trainStep(x, n, s % 3);
      const ref = await engine.predict(x, n);
      const dir = await mkdtemp(join(tmpdir(), 'wsi-mil-tf-oracle-'));
      try {
        await writeModelFile(join(dir, 'model.onnx'), exportGraph(cfg, engine.params, 'multiclass'));
        await writeFile(join(dir, 'x.f32'), x);
        const py = runPythonJson<{ logits: number[]; attention: number[] }>(ORACLE, [
          join(dir, 'model.onnx'),
          join(dir, 'x.f32'),
        ]);
        expect(py.attention).toHaveLength(n);
        py.logits.forEach((v, i) => {
          expect(Math.abs(v - (ref.logits[i] as number))).toBeLessThan(1e-4);
        });
        py.attention.forEach((v, i) => {
          expect(Math.abs(v - (ref.attention[i] as number))).toBeLessThan(1e-5);
        });
      } finally {
        await rm(dir, { recursive: true, force: true });
        await engine.release();
      }
    });
  },
);
