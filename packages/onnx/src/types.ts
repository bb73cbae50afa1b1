/**
 * Typed descriptions of ONNX graphs: element types, symbolic shapes, attributes, nodes and tensors.
 */

/**
 * ONNX `TensorProto.DataType` codes for the element types we use.
 *
 * @example
 * ```ts
 * DataType.float; // 1
 * ```
 */
export const DataType = {
  float: 1,
  uint8: 2,
  int8: 3,
  int32: 6,
  int64: 7,
  bool: 9,
  double: 11,
} as const;

/**
 * Element type names accepted by the builder.
 *
 * @example
 * ```ts
 * const t: ElemType = 'float';
 * b.input('x', t, ['N', 1024]);
 * ```
 */
export type ElemType = keyof typeof DataType;

/**
 * A dimension: a fixed size, or a symbolic name such as `'N'` (a dynamic axis).
 *
 * @example
 * ```ts
 * const shape: Dim[] = ['N', 3, 224, 224]; // a dynamic batch axis
 * ```
 */
export type Dim = number | string;

/**
 * Tensor data for initializers and constants.
 *
 * @example
 * ```ts
 * const w: TensorData = new Float32Array(1024 * 2);
 * b.initializer('w', w, [1024, 2]);
 * ```
 */
export type TensorData = Float32Array | Float64Array | Int32Array | BigInt64Array | Uint8Array | Int8Array;

/**
 * A named constant tensor (an initializer).
 *
 * @example
 * ```ts
 * const bias: TensorSpec = { name: 'b', type: 'float', dims: [2], data: new Float32Array([0.1, -0.1]) };
 * ```
 */
export interface TensorSpec {
  name: string;
  type: ElemType;
  dims: number[];
  data: TensorData;
}

/**
 * A graph input or output.
 *
 * @example
 * ```ts
 * const input: ValueSpec = { name: 'features', type: 'float', dims: ['N', 1024] };
 * ```
 */
export interface ValueSpec {
  name: string;
  type: ElemType;
  dims: Dim[];
}

/**
 * Attribute values: numbers are written as INT when integral and `int` is asked, else FLOAT.
 *
 * @example
 * ```ts
 * const alpha: AttrValue = attr.float(0.5); // { kind: 'float', value: 0.5 }
 * ```
 */
export type AttrValue =
  | { kind: 'int'; value: number }
  | { kind: 'float'; value: number }
  | { kind: 'ints'; value: number[] }
  | { kind: 'floats'; value: number[] }
  | { kind: 'string'; value: string }
  | { kind: 'tensor'; value: TensorSpec };

/**
 * One operator application.
 *
 * @example
 * ```ts
 * const relu: NodeSpec = { opType: 'Relu', inputs: ['x'], outputs: ['y'], attrs: {}, name: 'relu0', domain: '' };
 * ```
 */
export interface NodeSpec {
  opType: string;
  inputs: string[];
  outputs: string[];
  attrs: Record<string, AttrValue>;
  name: string;
  domain: string;
}

/**
 * An operator set the model imports (`domain` `''` is the default ONNX domain).
 *
 * @example
 * ```ts
 * const onnxOpset: OpsetImport = { domain: '', version: 18 };
 * ```
 */
export interface OpsetImport {
  domain: string;
  version: number;
}

/**
 * Everything needed to write a `.onnx` file.
 *
 * @example
 * ```ts
 * const spec: ModelSpec = builder.build();
 * const bytes = encodeModel(spec);
 * ```
 */
export interface ModelSpec {
  graphName: string;
  inputs: ValueSpec[];
  outputs: ValueSpec[];
  initializers: TensorSpec[];
  nodes: NodeSpec[];
  opsets: OpsetImport[];
  /** `metadata_props` key/value pairs. */
  metadata: Record<string, string>;
  producerName: string;
  producerVersion: string;
  /** ONNX IR version (default 8, read by every ONNX Runtime since 1.10). */
  irVersion: number;
}

/**
 * Attribute constructors.
 *
 * @example
 * ```ts
 * b.node('Gemm', [x, w, bias], { transB: attr.int(1), alpha: attr.float(1) });
 * ```
 */
export const attr = {
  int: (value: number): AttrValue => ({ kind: 'int', value }),
  float: (value: number): AttrValue => ({ kind: 'float', value }),
  ints: (value: number[]): AttrValue => ({ kind: 'ints', value }),
  floats: (value: number[]): AttrValue => ({ kind: 'floats', value }),
  string: (value: string): AttrValue => ({ kind: 'string', value }),
  tensor: (value: TensorSpec): AttrValue => ({ kind: 'tensor', value }),
};
