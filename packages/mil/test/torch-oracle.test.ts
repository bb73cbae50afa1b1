import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeModelFile } from '@wsi/onnx';
import { hasPythonModules, runPythonJson } from '@wsi/testing';
import { describe, expect, it } from 'vitest';
import { exportGraph } from '../src/engine/graphs.js';
import { MilEngine } from '../src/engine/mil-engine.js';
import { abmilConfig } from '../src/models/abmil.js';
import { seeded } from './gradcheck.js';

// The exported file passes onnx.checker and, loaded into a PyTorch gated-attention MIL (CLAM-SB layout, the
// architecture of ../shared/bench/torch_abmil_baseline.py), gives the same logits and attention.
const ORACLE = `
import json, sys, numpy as np, onnx, torch, torch.nn.functional as F
from onnx import numpy_helper
m = onnx.load(sys.argv[1]); onnx.checker.check_model(m, full_check=True)
w = {t.name: torch.from_numpy(numpy_helper.to_array(t).copy()) for t in m.graph.initializer}
x = torch.from_numpy(np.fromfile(sys.argv[2], dtype=np.float32).reshape(-1, int(sys.argv[3])))
h = F.relu(x @ w['fc_w'] + w['fc_b'])
a = torch.tanh(h @ w['attn_a_w'] + w['attn_a_b']) * torch.sigmoid(h @ w['attn_b_w'] + w['attn_b_b'])
A = F.softmax((a @ w['attn_c_w'] + w['attn_c_b']).T, dim=1)
logits = (A @ h) @ w['cls_w'] + w['cls_b']
print(json.dumps({"logits": logits.flatten().tolist(), "attention": A.flatten().tolist(), "opset": m.opset_import[0].version}))
`;

describe.skipIf(!hasPythonModules(['onnx', 'torch', 'numpy']))(
  'exported ABMIL vs PyTorch (Debian python3-onnx, python3-torch)',
  () => {
    it('passes the ONNX checker and matches a PyTorch forward pass with the same weights', async () => {
      const cfg = abmilConfig({ inDim: 24, hidden: 16, attnDim: 8, classes: 3 });
      const engine = await MilEngine.create(cfg, { seed: 2, threads: 1 });
      const n = 33;
      const x = seeded(n * 24, 8);
      for (let s = 0; s < 4; s++) await engine.trainStep(x, n, s % 3);
      const ref = await engine.predict(x, n);
      const dir = await mkdtemp(join(tmpdir(), 'wsi-mil-oracle-'));
      try {
        await writeModelFile(join(dir, 'model.onnx'), exportGraph(cfg, engine.params, 'multiclass'));
        const { writeFile } = await import('node:fs/promises');
        await writeFile(join(dir, 'x.f32'), x);
        const py = runPythonJson<{ logits: number[]; attention: number[]; opset: number }>(ORACLE, [
          join(dir, 'model.onnx'),
          join(dir, 'x.f32'),
          '24',
        ]);
        expect(py.opset).toBe(17);
        expect(py.attention).toHaveLength(n);
        py.logits.forEach((v, i) => {
          expect(Math.abs(v - (ref.logits[i] as number))).toBeLessThan(1e-5);
        });
        py.attention.forEach((v, i) => {
          expect(Math.abs(v - (ref.attention[i] as number))).toBeLessThan(1e-6);
        });
      } finally {
        await rm(dir, { recursive: true, force: true });
        await engine.release();
      }
    });
  },
);
