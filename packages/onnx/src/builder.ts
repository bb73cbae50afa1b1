/**
 * A typed, append-only ONNX graph builder.
 */
import { WSI_VERSION, WsiError } from '@wsi/core';
import type {
  AttrValue,
  Dim,
  ElemType,
  ModelSpec,
  NodeSpec,
  OpsetImport,
  TensorData,
  TensorSpec,
  ValueSpec,
} from './types.js';

/**
 * Default opset of the ONNX domain: 18 (ReduceSum/ReduceMean take `axes` as an input).
 *
 * @example
 * ```ts
 * builder.build({ opsets: [{ domain: '', version: DEFAULT_OPSET }] });
 * ```
 */
export const DEFAULT_OPSET = 18;

/**
 * Options of {@link GraphBuilder.build}.
 *
 * @example
 * ```ts
 * const model = b.build({ metadata: { 'wsi.model': 'abmil' }, opsets: [{ domain: '', version: 17 }] } satisfies BuildOptions);
 * ```
 */
export interface BuildOptions {
  /** Operator sets (default: the ONNX domain at {@link DEFAULT_OPSET}). */
  opsets?: OpsetImport[];
  /** `metadata_props`. */
  metadata?: Record<string, string>;
  producerName?: string;
  producerVersion?: string;
  irVersion?: number;
}

function elemTypeOf(data: TensorData): ElemType {
  if (data instanceof Float32Array) return 'float';
  if (data instanceof Float64Array) return 'double';
  if (data instanceof Int32Array) return 'int32';
  if (data instanceof BigInt64Array) return 'int64';
  if (data instanceof Int8Array) return 'int8';
  return 'uint8';
}

/**
 * Builds an ONNX graph node by node. Names are checked for uniqueness; {@link GraphBuilder.op} invents fresh
 * output names.
 *
 * @example
 * ```ts
 * const b = new GraphBuilder('linear');
 * const x = b.input('x', 'float', ['N', 4]);
 * const w = b.initializer('w', new Float32Array(8), [4, 2]);
 * b.output(b.op('Relu', [b.op('MatMul', [x, w])], {}, 'y'), 'float', ['N', 2]);
 * const bytes = encodeModel(b.build());
 * ```
 */
export class GraphBuilder {
  readonly inputs: ValueSpec[] = [];
  readonly outputs: ValueSpec[] = [];
  readonly initializers: TensorSpec[] = [];
  readonly nodes: NodeSpec[] = [];
  private readonly names = new Set<string>();
  private counter = 0;

  constructor(readonly name = 'graph') {}

  /** A fresh value name starting with `prefix`. */
  fresh(prefix = 'v'): string {
    let n: string;
    do n = `${prefix}_${this.counter++}`;
    while (this.names.has(n));
    this.names.add(n);
    return n;
  }

  private claim(name: string): string {
    if (this.names.has(name)) throw new WsiError('InvalidArgument', `ONNX value name '${name}' is used twice`);
    this.names.add(name);
    return name;
  }

  /** Declares a graph input; string dims are symbolic (dynamic) axes. */
  input(name: string, type: ElemType, dims: Dim[]): string {
    this.inputs.push({ name: this.claim(name), type, dims });
    return name;
  }

  /** Declares an existing value as a graph output. */
  output(name: string, type: ElemType, dims: Dim[]): string {
    if (!this.names.has(name)) throw new WsiError('InvalidArgument', `output '${name}' is not a value of the graph`);
    this.outputs.push({ name, type, dims });
    return name;
  }

  /** Adds a constant tensor (weights) stored in the model. */
  initializer(name: string, data: TensorData, dims: number[]): string {
    const count = dims.reduce((a, b) => a * b, 1);
    if (count !== data.length) {
      throw new WsiError(
        'InvalidArgument',
        `initializer '${name}': dims [${dims.join(', ')}] need ${count} values, got ${data.length}`,
      );
    }
    this.initializers.push({ name: this.claim(name), type: elemTypeOf(data), dims, data });
    return name;
  }

  /** A small constant with an invented name (for shapes, axes, scalars). */
  constant(data: TensorData, dims: number[], prefix = 'const'): string {
    const name = this.fresh(prefix);
    this.names.delete(name); // claimed again by initializer()
    return this.initializer(name, data, dims);
  }

  /** Appends a node with explicit output names (or `count` fresh ones); returns the output names. */
  node(
    opType: string,
    inputs: string[],
    attrs: Record<string, AttrValue> = {},
    outputs: string[] | number = 1,
    domain = '',
  ): string[] {
    for (const i of inputs) {
      if (i !== '' && !this.names.has(i))
        throw new WsiError('InvalidArgument', `${opType}: input '${i}' is not a value of the graph`);
    }
    const outs =
      typeof outputs === 'number'
        ? Array.from({ length: outputs }, () => this.fresh(opType.toLowerCase()))
        : outputs.map((o) => this.claim(o));
    this.nodes.push({ opType, inputs, outputs: outs, attrs, name: `${opType}_${this.nodes.length}`, domain });
    return outs;
  }

  /** Appends a single-output node and returns its output name (`out` to name it). */
  op(opType: string, inputs: string[], attrs: Record<string, AttrValue> = {}, out?: string): string {
    return this.node(opType, inputs, attrs, out === undefined ? 1 : [out])[0] as string;
  }

  /** The model description, ready for `encodeModel`. */
  build(options: BuildOptions = {}): ModelSpec {
    if (this.outputs.length === 0) throw new WsiError('InvalidArgument', `graph '${this.name}' has no outputs`);
    return {
      graphName: this.name,
      inputs: [...this.inputs],
      outputs: [...this.outputs],
      initializers: [...this.initializers],
      nodes: [...this.nodes],
      opsets: options.opsets ?? [{ domain: '', version: DEFAULT_OPSET }],
      metadata: options.metadata ?? {},
      producerName: options.producerName ?? '@wsi/onnx',
      producerVersion: options.producerVersion ?? WSI_VERSION,
      irVersion: options.irVersion ?? 8,
    };
  }
}
