import { isWsiError } from '@wsi/core';
import { InferenceSession, Tensor } from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { GraphBuilder } from '../src/builder.js';
import { attr } from '../src/types.js';
import { decodeModel, encodeModel } from '../src/writer.js';

function linearModel() {
  const b = new GraphBuilder('linear');
  const x = b.input('x', 'float', ['N', 3]);
  const w = b.initializer('w', Float32Array.from([1, 2, 3, 4, 5, 6]), [3, 2]);
  const bias = b.initializer('b', Float32Array.from([0.5, -100]), [2]);
  const y = b.op('Gemm', [x, w, bias], { alpha: attr.float(1) });
  b.output(b.op('Relu', [y], {}, 'y'), 'float', ['N', 2]);
  const s = b.op('ReduceSum', [y, b.constant(BigInt64Array.from([0n]), [1])], { keepdims: attr.int(0) }, 's');
  b.output(s, 'float', [2]);
  return b.build({ metadata: { 'wsi.kind': 'test' } });
}

describe('GraphBuilder + encodeModel', () => {
  it('writes a model onnxruntime runs, with symbolic dims and int64 constants', async () => {
    const bytes = encodeModel(linearModel());
    const session = await InferenceSession.create(bytes);
    expect(session.inputNames).toEqual(['x']);
    const x = new Tensor('float32', Float32Array.from([1, 0, 0, 0, 1, 1]), [2, 3]);
    const out = await session.run({ x });
    // row0 = [1,2]+[0.5,-100] ; row1 = [3+5, 4+6] + bias
    expect(Array.from(out.y?.data as Float32Array)).toEqual([1.5, 0, 8.5, 0]);
    expect(Array.from(out.s?.data as Float32Array)).toEqual([10, -188]);
  });

  it('round-trips through decodeModel', () => {
    const m = decodeModel(encodeModel(linearModel()));
    expect(m.irVersion).toBe(8);
    expect(m.opsets).toEqual([{ domain: '', version: 18 }]);
    expect(m.metadata['wsi.kind']).toBe('test');
    expect(m.inputs[0]).toEqual({ name: 'x', elemType: 1, dims: ['N', 3] });
    expect(m.nodes.map((n) => n.opType)).toEqual(['Gemm', 'Relu', 'ReduceSum']);
    const w = m.initializers.find((t) => t.name === 'w');
    expect(w?.dims).toEqual([3, 2]);
    expect(Array.from(new Float32Array(Uint8Array.from(w!.rawData).buffer))).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('rejects duplicate names, unknown inputs and bad initializer sizes with typed errors', () => {
    const b = new GraphBuilder();
    b.input('x', 'float', [1]);
    expect(() => b.input('x', 'float', [1])).toThrow(/used twice/);
    expect(() => b.op('Relu', ['nope'])).toThrow(/not a value/);
    try {
      b.initializer('w', new Float32Array(3), [2, 2]);
      expect.unreachable();
    } catch (e) {
      expect(isWsiError(e, 'InvalidArgument')).toBe(true);
    }
    expect(() => decodeModel(Uint8Array.from([0xff, 0xff, 0xff]))).toThrow(/not an ONNX model/);
  });
});
