import type { Dim } from '@wsi/onnx';
import { encodeModel } from '@wsi/onnx';
import { addGradients } from '../src/autodiff/backward.js';
import { type Sym, Tracer } from '../src/autodiff/tracer.js';
import { createSession, f32, outF32 } from '../src/engine/session.js';

/** Deterministic values in [lo, hi). */
export function seeded(n: number, seed: number, lo = -1, hi = 1): Float32Array {
  let s = seed >>> 0 || 1;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    out[i] = lo + ((s >>> 8) / 2 ** 24) * (hi - lo);
  }
  return out;
}

export interface CheckInput {
  shape: number[];
  /** Shape declared to the tracer (symbolic dims allowed); defaults to `shape`. */
  declared?: Dim[];
  data: Float32Array;
}

/**
 * Compares the graph gradients of sum(f(inputs) ⊙ R) with central finite differences; returns the worst
 * |analytic − numeric| / (1 + |numeric|).
 */
export async function gradCheck(inputs: CheckInput[], f: (t: Tracer, xs: Sym[]) => Sym, eps = 1e-2): Promise<number> {
  const t = new Tracer('check');
  const xs = inputs.map((inp, i) => t.input(`x${i}`, inp.declared ?? inp.shape));
  const y = f(t, xs);
  const concrete = y.shape.map((d) => (typeof d === 'number' ? d : (inputs[0]?.shape[0] as number)));
  const r = t.input('r', y.shape);
  const loss = t.reduceSum(
    t.mul(y, r),
    y.shape.map((_, i) => i),
    false,
  );
  t.output(loss, 'loss');
  const grads = addGradients(t, loss, xs);
  grads.forEach((g, i) => {
    t.output(g, `g${i}`);
  });
  const session = await createSession(encodeModel(t.b.build()), { threads: 1 });
  const rData = seeded(
    concrete.reduce((a, b) => a * b, 1),
    99,
  );
  const feeds = () => {
    const o: Record<string, ReturnType<typeof f32>> = { r: f32(rData, concrete) };
    inputs.forEach((inp, i) => {
      o[`x${i}`] = f32(inp.data, inp.shape);
    });
    return o;
  };
  const base = await session.run(feeds());
  let worst = 0;
  for (let i = 0; i < inputs.length; i++) {
    const g = outF32(base, `g${i}`);
    const data = (inputs[i] as CheckInput).data;
    for (let k = 0; k < data.length; k++) {
      const v = data[k] as number;
      data[k] = v + eps;
      const lp = outF32(await session.run(feeds()), 'loss')[0] as number;
      data[k] = v - eps;
      const lm = outF32(await session.run(feeds()), 'loss')[0] as number;
      data[k] = v;
      const num = (lp - lm) / (2 * eps);
      const err = Math.abs((g[k] as number) - num) / (1 + Math.abs(num));
      if (err > worst) worst = err;
    }
  }
  await session.release();
  return worst;
}
