import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isWsiError } from '@wsi/core';
import { hasPythonModules, runPythonJson } from '@wsi/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDefaultEncoder, DEFAULT_ENCODER_DIM } from '../src/default-encoder.js';
import { Preprocessor } from '../src/preprocess.js';
import { getPreset, PRESETS } from '../src/presets.js';
import { TorchTensorWriter, writeTorchTensor } from '../src/torch-pt.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'wsi-embed-u-'));
});
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('presets', () => {
  it("uses Trident's names and rejects unknown ids", () => {
    expect(Object.keys(PRESETS).sort()).toEqual(
      [
        'conch_v1',
        'ctranspath',
        'gigapath',
        'hoptimus0',
        'hoptimus1',
        'phikon',
        'phikon_v2',
        'resnet50',
        'uni_v1',
        'uni_v2',
        'virchow2',
      ].sort(),
    );
    expect([getPreset('resnet50').dim, getPreset('virchow2').dim, getPreset('conch_v1').inputSize]).toEqual([
      1024, 2560, 448,
    ]);
    expect(() => getPreset('uni')).toThrow(expect.objectContaining({ code: 'InvalidArgument' }));
    // found by the fuzzer: inherited keys resolved to Object.prototype instead of failing
    for (const id of ['__proto__', 'constructor', 'toString']) {
      expect(() => getPreset(id)).toThrow(expect.objectContaining({ code: 'InvalidArgument' }));
    }
  });
});

describe('default encoder graph', () => {
  it('is generated deterministically', () => {
    const a = buildDefaultEncoder();
    expect(Buffer.from(a).equals(Buffer.from(buildDefaultEncoder()))).toBe(true);
    expect(DEFAULT_ENCODER_DIM).toBe(210);
  });
});

describe('preprocessing', () => {
  it('normalises exactly when no resize is needed and writes NCHW planes', () => {
    const pre = new Preprocessor({ ...getPreset('resnet50'), inputSize: 2, resizeSize: 2 });
    const rgba = new Uint8Array([255, 0, 0, 255, 0, 255, 0, 255, 0, 0, 255, 255, 128, 128, 128, 255]);
    const out = new Float32Array(2 * pre.imageSize).fill(9);
    pre.write({ width: 2, height: 2, channels: 4, dtype: 'uint8', data: rgba }, out, 1);
    expect(Array.from(out.subarray(0, 12))).toEqual(new Array(12).fill(9));
    const n = (v: number, c: number) => Math.fround((v / 255 - [0.485, 0.456, 0.406][c]!) / [0.229, 0.224, 0.225][c]!);
    const got = Array.from(out.subarray(12));
    const want = [255, 0, 0, 128, 0, 255, 0, 128, 0, 0, 255, 128].map((v, i) => n(v, Math.floor(i / 4)));
    for (const [i, g] of got.entries()) expect(g).toBeCloseTo(want[i]!, 5);
  });

  it('refuses rasters that are not RGB(A) uint8', () => {
    const pre = new Preprocessor(getPreset('resnet50'));
    expect(() =>
      pre.write(
        { width: 2, height: 2, channels: 1, dtype: 'uint8', data: new Uint8Array(4) },
        new Float32Array(pre.imageSize),
        0,
      ),
    ).toThrow(expect.objectContaining({ code: 'InvalidArgument' }));
  });
});

describe('torch .pt writer', () => {
  it('writes a stored zip with the pickle, the data and the version', async () => {
    const p = join(dir, 'a.pt');
    await writeTorchTensor(p, new Float32Array([1, 2, 3, 4, 5, 6]), 2, 3);
    const bytes = await readFile(p);
    expect(bytes.subarray(0, 4).toString('hex')).toBe('504b0304');
    expect(bytes.includes(Buffer.from('archive/data.pkl'))).toBe(true);
    expect(bytes.includes(Buffer.from('torch._utils\n_rebuild_tensor_v2\n'))).toBe(true);
    const w = await TorchTensorWriter.create(join(dir, 'b.pt'), 2, 3);
    await expect(w.append(new Float32Array(9))).rejects.toSatisfy((e) => isWsiError(e, 'InvalidArgument'));
    await expect(w.finish()).rejects.toSatisfy((e) => isWsiError(e, 'InvalidArgument'));
  });

  it.skipIf(!hasPythonModules(['torch']))(
    'streams blocks that torch.load reads back (Debian python3-torch)',
    async () => {
      const p = join(dir, 'c.pt');
      const w = await TorchTensorWriter.create(p, 5, 4);
      const all = Float32Array.from({ length: 20 }, (_, i) => i * 0.5 - 3);
      await w.append(all.subarray(0, 8));
      await w.append(all.subarray(8, 12));
      await w.append(all.subarray(12));
      await w.finish();
      const r = runPythonJson(
        'import torch, json, sys\nt = torch.load(sys.argv[1])\nprint(json.dumps({"s": list(t.shape), "d": str(t.dtype), "v": t.flatten().tolist()}))',
        [p],
      ) as {
        s: number[];
        d: string;
        v: number[];
      };
      expect(r).toEqual({ s: [5, 4], d: 'torch.float32', v: Array.from(all) });
    },
  );
});
