/**
 * A shape-tracking tracer over the @wsi/onnx graph builder: every differentiable op records its inputs, attributes
 * and symbolic output shape so that {@link addGradients} can derive the backward graph.
 */
import { WsiError } from '@wsi/core';
import { type AttrValue, attr, type Dim, GraphBuilder } from '@wsi/onnx';

/**
 * A float tensor value of the graph with its (symbolic) shape.
 *
 * @example
 * ```ts
 * const x: Sym = t.input('features', ['N', 1024]);
 * const h: Sym = t.relu(t.gemm(x, w1, b1));
 * ```
 */
export interface Sym {
  name: string;
  shape: Dim[];
}

/**
 * One recorded differentiable op.
 *
 * @example
 * ```ts
 * const records: readonly OpRecord[] = t.records;
 * for (const r of records) console.log(r.op, r.output.shape);
 * ```
 */
export interface OpRecord {
  op: string;
  inputs: Sym[];
  output: Sym;
  attrs: Record<string, number | number[]>;
}

function broadcast(a: Dim[], b: Dim[], op: string): Dim[] {
  const n = Math.max(a.length, b.length);
  const out: Dim[] = [];
  for (let i = 0; i < n; i++) {
    const da = a[a.length - n + i] ?? 1;
    const db = b[b.length - n + i] ?? 1;
    if (da === db || db === 1) out.push(da);
    else if (da === 1) out.push(db);
    else throw new WsiError('InvalidArgument', `${op}: shapes [${a.join(',')}] and [${b.join(',')}] do not broadcast`);
  }
  return out;
}

function dimsEqual(a: Dim, b: Dim, op: string): void {
  if (a !== b) throw new WsiError('InvalidArgument', `${op}: inner dimensions ${a} and ${b} differ`);
}

/**
 * Records float32 computations into an ONNX graph with shapes, for forward evaluation and differentiation.
 *
 * @example
 * ```ts
 * const t = new Tracer('mlp');
 * const x = t.input('x', ['N', 4]);
 * const w = t.input('w', [4, 1]);
 * const loss = t.reduceSum(t.relu(t.matmul(x, w)), [0, 1], false);
 * const grads = addGradients(t, loss, [w]);
 * ```
 */
export class Tracer {
  readonly b: GraphBuilder;
  readonly records: OpRecord[] = [];

  constructor(name = 'graph') {
    this.b = new GraphBuilder(name);
  }

  /** A float graph input (features, parameters fed per run, masks). */
  input(name: string, shape: Dim[]): Sym {
    return { name: this.b.input(name, 'float', shape), shape };
  }

  /** A float initializer (weights baked into the model). */
  weight(name: string, data: Float32Array, shape: number[]): Sym {
    return { name: this.b.initializer(name, data, shape), shape };
  }

  /** A float scalar constant (shape []). */
  scalar(value: number): Sym {
    return { name: this.b.constant(Float32Array.of(value), [], 'scalar'), shape: [] };
  }

  /** An int64 constant, e.g. axes or a shape. */
  ints(values: number[]): string {
    return this.b.constant(BigInt64Array.from(values.map(BigInt)), [values.length], 'ints');
  }

  /** Marks a value as a graph output (optionally renamed through Identity). */
  output(s: Sym, name?: string): Sym {
    const out =
      name === undefined || name === s.name ? s : { name: this.b.op('Identity', [s.name], {}, name), shape: s.shape };
    this.b.output(out.name, 'float', out.shape);
    return out;
  }

  /** Emits a differentiable op and records it. */
  private rec(
    op: string,
    inputs: Sym[],
    shape: Dim[],
    attrs: Record<string, number | number[]> = {},
    extraInputs: string[] = [],
  ): Sym {
    const onnxAttrs: Record<string, AttrValue> = {};
    for (const [k, v] of Object.entries(attrs)) {
      if (k.startsWith('_')) continue;
      onnxAttrs[k] = Array.isArray(v) ? attr.ints(v) : attr.int(v);
    }
    const name = this.b.op(op, [...inputs.map((i) => i.name), ...extraInputs], onnxAttrs);
    const output = { name, shape };
    this.records.push({ op, inputs, output, attrs });
    return output;
  }

  /** Emits a non-differentiable helper node (no record). */
  raw(op: string, inputs: string[], shape: Dim[], attrs: Record<string, AttrValue> = {}): Sym {
    return { name: this.b.op(op, inputs, attrs), shape };
  }

  /** `op(A)·op(B) + C` (2-D), the Linear layer. */
  gemm(a: Sym, w: Sym, c?: Sym, opts: { transA?: boolean; transB?: boolean } = {}): Sym {
    const ta = opts.transA ? 1 : 0;
    const tb = opts.transB ? 1 : 0;
    if (a.shape.length !== 2 || w.shape.length !== 2) throw new WsiError('InvalidArgument', 'Gemm: inputs must be 2-D');
    const m = a.shape[ta] as Dim;
    const k = a.shape[1 - ta] as Dim;
    dimsEqual(k, w.shape[tb] as Dim, 'Gemm');
    const n = w.shape[1 - tb] as Dim;
    const shape: Dim[] = [m, n];
    if (c) broadcast(shape, c.shape, 'Gemm');
    return this.rec('Gemm', c ? [a, w, c] : [a, w], shape, { transA: ta, transB: tb });
  }

  /** 2-D matrix product. */
  matmul(a: Sym, b: Sym): Sym {
    if (a.shape.length !== 2 || b.shape.length !== 2)
      throw new WsiError('InvalidArgument', 'MatMul: only 2-D inputs are supported');
    dimsEqual(a.shape[1] as Dim, b.shape[0] as Dim, 'MatMul');
    return this.rec('MatMul', [a, b], [a.shape[0] as Dim, b.shape[1] as Dim]);
  }

  add(a: Sym, b: Sym): Sym {
    return this.rec('Add', [a, b], broadcast(a.shape, b.shape, 'Add'));
  }
  sub(a: Sym, b: Sym): Sym {
    return this.rec('Sub', [a, b], broadcast(a.shape, b.shape, 'Sub'));
  }
  mul(a: Sym, b: Sym): Sym {
    return this.rec('Mul', [a, b], broadcast(a.shape, b.shape, 'Mul'));
  }
  div(a: Sym, b: Sym): Sym {
    return this.rec('Div', [a, b], broadcast(a.shape, b.shape, 'Div'));
  }
  neg(x: Sym): Sym {
    return this.rec('Neg', [x], x.shape);
  }
  relu(x: Sym): Sym {
    return this.rec('Relu', [x], x.shape);
  }
  tanh(x: Sym): Sym {
    return this.rec('Tanh', [x], x.shape);
  }
  sigmoid(x: Sym): Sym {
    return this.rec('Sigmoid', [x], x.shape);
  }
  exp(x: Sym): Sym {
    return this.rec('Exp', [x], x.shape);
  }
  log(x: Sym): Sym {
    return this.rec('Log', [x], x.shape);
  }
  sqrt(x: Sym): Sym {
    return this.rec('Sqrt', [x], x.shape);
  }
  softmax(x: Sym, axis: number): Sym {
    return this.rec('Softmax', [x], x.shape, { axis: this.axis(x, axis) });
  }
  logSoftmax(x: Sym, axis: number): Sym {
    return this.rec('LogSoftmax', [x], x.shape, { axis: this.axis(x, axis) });
  }
  transpose(x: Sym, perm: number[]): Sym {
    if (perm.length !== x.shape.length)
      throw new WsiError('InvalidArgument', 'Transpose: perm rank differs from input rank');
    return this.rec(
      'Transpose',
      [x],
      perm.map((p) => x.shape[p] as Dim),
      { perm },
    );
  }
  reduceSum(x: Sym, axes: number[], keepdims: boolean): Sym {
    return this.reduce('ReduceSum', x, axes, keepdims);
  }
  reduceMean(x: Sym, axes: number[], keepdims: boolean): Sym {
    return this.reduce('ReduceMean', x, axes, keepdims);
  }

  /** Reshape to a shape of fixed sizes and at most one `-1` (reshaping a symbolic axis keeps it when it is kept whole). */
  reshape(x: Sym, shape: Dim[]): Sym {
    const target = shape.map((d) => (typeof d === 'number' ? d : -1));
    if (target.filter((d) => d === -1).length > 1)
      throw new WsiError('InvalidArgument', 'Reshape: at most one symbolic axis');
    return this.rec('Reshape', [x], shape, { _shape: target }, [this.ints(target)]);
  }

  private axis(x: Sym, axis: number): number {
    const r = x.shape.length;
    const a = axis < 0 ? axis + r : axis;
    if (a < 0 || a >= r) throw new WsiError('InvalidArgument', `axis ${axis} out of range for rank ${r}`);
    return a;
  }

  private reduce(op: string, x: Sym, axes: number[], keepdims: boolean): Sym {
    const ax = [...new Set(axes.map((a) => this.axis(x, a)))].sort((p, q) => p - q);
    const shape = keepdims
      ? x.shape.map((d, i) => (ax.includes(i) ? 1 : d))
      : x.shape.filter((_, i) => !ax.includes(i));
    return this.rec(op, [x], shape, { keepdims: keepdims ? 1 : 0, _axes: ax }, [this.ints(ax)]);
  }
}
