/**
 * Reverse-mode differentiation of a {@link Tracer} graph: appends the gradient nodes of `loss` with respect to
 * chosen inputs to the same ONNX graph, so one session run yields the loss and every gradient.
 */
import { WsiError } from '@wsi/core';
import { attr, type Dim } from '@wsi/onnx';
import type { OpRecord, Sym, Tracer } from './tracer.js';

/** Sums `g` (shaped like a broadcast result) back to `target`'s shape. */
function unbroadcast(t: Tracer, g: Sym, target: Sym): Sym {
  const n = g.shape.length;
  const axes: number[] = [];
  for (let i = 0; i < n; i++) {
    const td = target.shape[target.shape.length - n + i];
    if (td === undefined || (td === 1 && g.shape[i] !== 1)) axes.push(i);
  }
  if (axes.length === 0) return g;
  const reduced = t.raw(
    'ReduceSum',
    [g.name, t.ints(axes)],
    g.shape.map((d, i) => (axes.includes(i) ? 1 : d)),
    { keepdims: attr.int(1) },
  );
  const fixed = target.shape.every((d) => typeof d === 'number');
  const shape = fixed ? t.ints(target.shape as number[]) : t.raw('Shape', [target.name], [target.shape.length]).name;
  return t.raw('Reshape', [reduced.name, shape], target.shape);
}

type Lazy = (() => Sym) | undefined;

function gemmGrads(t: Tracer, r: OpRecord, gy: Sym): Lazy[] {
  const [a, w, c] = r.inputs as [Sym, Sym, Sym | undefined];
  const ta = r.attrs.transA === 1;
  const tb = r.attrs.transB === 1;
  let ga: () => Sym;
  let gw: () => Sym;
  if (!ta && !tb) {
    ga = () => t.gemm(gy, w, undefined, { transB: true });
    gw = () => t.gemm(a, gy, undefined, { transA: true });
  } else if (!ta && tb) {
    ga = () => t.gemm(gy, w);
    gw = () => t.gemm(gy, a, undefined, { transA: true });
  } else if (ta && !tb) {
    ga = () => t.gemm(w, gy, undefined, { transB: true });
    gw = () => t.gemm(a, gy);
  } else {
    ga = () => t.gemm(w, gy, undefined, { transA: true, transB: true });
    gw = () => t.gemm(gy, a, undefined, { transA: true, transB: true });
  }
  return [ga, gw, c ? () => unbroadcast(t, gy, c) : undefined];
}

function expandLike(t: Tracer, g: Sym, x: Sym): Sym {
  return t.raw('Expand', [g.name, t.raw('Shape', [x.name], [x.shape.length]).name], x.shape);
}

/** Gradients of one op's inputs given the gradient of its output. */
function rule(t: Tracer, r: OpRecord, gy: Sym): Lazy[] {
  const [x, y] = r.inputs as [Sym, Sym];
  const out = r.output;
  switch (r.op) {
    case 'Gemm':
      return gemmGrads(t, r, gy);
    case 'MatMul':
      return [() => t.gemm(gy, y, undefined, { transB: true }), () => t.gemm(x, gy, undefined, { transA: true })];
    case 'Add':
      return [() => unbroadcast(t, gy, x), () => unbroadcast(t, gy, y)];
    case 'Sub':
      return [() => unbroadcast(t, gy, x), () => unbroadcast(t, t.neg(gy), y)];
    case 'Mul':
      return [() => unbroadcast(t, t.mul(gy, y), x), () => unbroadcast(t, t.mul(gy, x), y)];
    case 'Div':
      return [() => unbroadcast(t, t.div(gy, y), x), () => unbroadcast(t, t.neg(t.div(t.mul(gy, out), y)), y)];
    case 'Neg':
      return [() => t.neg(gy)];
    case 'Relu': {
      const pos = t.raw('Greater', [out.name, t.scalar(0).name], out.shape);
      return [() => t.raw('Where', [pos.name, gy.name, t.scalar(0).name], out.shape)];
    }
    case 'Tanh':
      return [() => t.mul(gy, t.sub(t.scalar(1), t.mul(out, out)))];
    case 'Sigmoid':
      return [() => t.mul(gy, t.mul(out, t.sub(t.scalar(1), out)))];
    case 'Exp':
      return [() => t.mul(gy, out)];
    case 'Log':
      return [() => t.div(gy, x)];
    case 'Sqrt':
      return [() => t.div(gy, t.mul(t.scalar(2), out))];
    case 'Softmax': {
      const axis = r.attrs.axis as number;
      const dot = t.reduceSum(t.mul(gy, out), [axis], true);
      return [() => t.mul(out, t.sub(gy, dot))];
    }
    case 'LogSoftmax': {
      const axis = r.attrs.axis as number;
      return [() => t.sub(gy, t.mul(t.exp(out), t.reduceSum(gy, [axis], true)))];
    }
    case 'Transpose': {
      const perm = r.attrs.perm as number[];
      const inv = perm.map((_, i) => perm.indexOf(i));
      return [() => t.transpose(gy, inv)];
    }
    case 'Reshape':
      return [() => t.raw('Reshape', [gy.name, t.raw('Shape', [x.name], [x.shape.length]).name], x.shape)];
    case 'ReduceSum':
    case 'ReduceMean': {
      const axes = r.attrs._axes as number[];
      let g = gy;
      if (r.attrs.keepdims === 0) {
        const shape: Dim[] = [...x.shape].map((d, i) => (axes.includes(i) ? 1 : d));
        g = t.raw('Unsqueeze', [gy.name, t.ints(axes)], shape);
      }
      const full = expandLike(t, g, x);
      if (r.op === 'ReduceSum') return [() => full];
      const nIn = t.raw('Cast', [t.raw('Size', [x.name], []).name], [], { to: attr.int(1) });
      const nOut = t.raw('Cast', [t.raw('Size', [out.name], []).name], [], { to: attr.int(1) });
      return [() => t.mul(full, t.div(nOut, nIn))];
    }
    default:
      throw new WsiError('InvalidArgument', `no gradient rule for ${r.op}`);
  }
}

/**
 * Appends the backward graph of scalar `loss` and returns the gradient value of each of `wrt` (in order).
 * Gradients flow only through recorded ops; a `wrt` value that does not influence `loss` gets an all-zero gradient.
 *
 * @throws WsiError `InvalidArgument` when `loss` is not a scalar or an op on the path has no rule.
 * @example
 * ```ts
 * const [gw] = addGradients(t, loss, [w]);
 * t.output(gw, 'grad_w');
 * ```
 */
export function addGradients(t: Tracer, loss: Sym, wrt: Sym[]): Sym[] {
  if (loss.shape.length !== 0 && !(loss.shape.length === 1 && loss.shape[0] === 1)) {
    throw new WsiError('InvalidArgument', `loss must be a scalar, got shape [${loss.shape.join(',')}]`);
  }
  // Which values depend on a wrt value (forward pass over the tape).
  const live = new Set(wrt.map((w) => w.name));
  const records = [...t.records];
  for (const r of records) if (r.inputs.some((i) => live.has(i.name))) live.add(r.output.name);
  const pending = new Map<string, Sym[]>();
  const seed = t.raw('ConstantOfShape', [t.raw('Shape', [loss.name], [loss.shape.length]).name], loss.shape, {
    value: attr.tensor({ name: 'one', type: 'float', dims: [1], data: Float32Array.of(1) }),
  });
  pending.set(loss.name, [seed]);
  const total = (name: string): Sym | undefined => {
    const parts = pending.get(name);
    if (!parts || parts.length === 0) return undefined;
    if (parts.length === 1) return parts[0];
    // Chained binary Adds (a variadic Sum measured no faster in onnxruntime's CPU provider).
    let acc = parts[0] as Sym;
    for (const p of parts.slice(1)) acc = t.raw('Add', [acc.name, p.name], acc.shape);
    return acc;
  };
  for (let k = records.length - 1; k >= 0; k--) {
    const r = records[k] as OpRecord;
    if (!live.has(r.output.name)) continue;
    const gy = total(r.output.name);
    if (!gy) continue;
    const grads = rule(t, r, gy);
    r.inputs.forEach((inp, i) => {
      const lazy = grads[i];
      if (!lazy || !live.has(inp.name)) return;
      const g = lazy();
      const list = pending.get(inp.name) ?? [];
      list.push(g);
      pending.set(inp.name, list);
    });
  }
  return wrt.map((w) => {
    const g = total(w.name);
    if (g) return g;
    return t.raw('ConstantOfShape', [t.raw('Shape', [w.name], [w.shape.length]).name], w.shape, {
      value: attr.tensor({ name: 'zero', type: 'float', dims: [1], data: Float32Array.of(0) }),
    });
  });
}
