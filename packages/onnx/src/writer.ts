/**
 * Serialises a {@link ModelSpec} to standard `.onnx` bytes (protobuf `onnx.ModelProto`) and back.
 */
import { rename, unlink, writeFile } from 'node:fs/promises';
import { WsiError } from '@wsi/core';
import { modelProtoType } from './proto.js';
import { type AttrValue, DataType, type ElemType, type ModelSpec, type TensorSpec, type ValueSpec } from './types.js';

const ATTR_TYPE = { float: 1, int: 2, string: 3, tensor: 4, floats: 6, ints: 7 } as const;

function bytesOf(data: TensorSpec['data']): Uint8Array {
  // raw_data is little-endian; every platform Node runs on here is little-endian.
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

function tensorProto(t: TensorSpec): Record<string, unknown> {
  const count = t.dims.reduce((a, b) => a * b, 1);
  if (count !== t.data.length) {
    throw new WsiError(
      'InvalidArgument',
      `tensor '${t.name}': dims [${t.dims.join(', ')}] hold ${count} values, data has ${t.data.length}`,
    );
  }
  return { name: t.name, dims: t.dims, dataType: DataType[t.type], rawData: bytesOf(t.data) };
}

function valueInfo(v: ValueSpec): Record<string, unknown> {
  return {
    name: v.name,
    type: {
      tensorType: {
        elemType: DataType[v.type],
        shape: { dim: v.dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
      },
    },
  };
}

function attribute(name: string, a: AttrValue): Record<string, unknown> {
  const type = ATTR_TYPE[a.kind];
  switch (a.kind) {
    case 'int':
      return { name, type, i: a.value };
    case 'float':
      return { name, type, f: a.value };
    case 'ints':
      return { name, type, ints: a.value };
    case 'floats':
      return { name, type, floats: a.value };
    case 'string':
      return { name, type, s: new TextEncoder().encode(a.value) };
    case 'tensor':
      return { name, type, t: tensorProto(a.value) };
  }
}

/**
 * Encodes a model to `.onnx` bytes that onnxruntime and the `onnx` Python package load.
 *
 * @example
 * ```ts
 * const bytes = encodeModel(builder.build());
 * const session = await InferenceSession.create(bytes);
 * ```
 */
export function encodeModel(spec: ModelSpec): Uint8Array {
  const type = modelProtoType();
  const msg = {
    irVersion: spec.irVersion,
    producerName: spec.producerName,
    producerVersion: spec.producerVersion,
    opsetImport: spec.opsets.map((o) => ({ domain: o.domain, version: o.version })),
    metadataProps: Object.entries(spec.metadata).map(([key, value]) => ({ key, value })),
    graph: {
      name: spec.graphName,
      node: spec.nodes.map((n) => ({
        input: n.inputs,
        output: n.outputs,
        name: n.name,
        opType: n.opType,
        domain: n.domain,
        attribute: Object.entries(n.attrs).map(([k, v]) => attribute(k, v)),
      })),
      initializer: spec.initializers.map(tensorProto),
      input: spec.inputs.map(valueInfo),
      output: spec.outputs.map(valueInfo),
    },
  };
  return type.encode(type.fromObject(msg)).finish();
}

/**
 * A decoded model as plain data (int64 fields as numbers, bytes as Uint8Array).
 *
 * @example
 * ```ts
 * const m: DecodedModel = decodeModel(await readFile('model.onnx'));
 * console.log(m.opsets, m.inputs.map((i) => i.dims), m.metadata);
 * ```
 */
export interface DecodedModel {
  irVersion: number;
  producerName: string;
  opsets: { domain: string; version: number }[];
  metadata: Record<string, string>;
  inputs: { name: string; elemType: number; dims: (number | string)[] }[];
  outputs: { name: string; elemType: number; dims: (number | string)[] }[];
  initializers: { name: string; dataType: number; dims: number[]; rawData: Uint8Array }[];
  nodes: { opType: string; inputs: string[]; outputs: string[]; name: string; domain: string }[];
}

/**
 * Decodes `.onnx` bytes into plain data, to inspect a model (for example its `metadata_props`).
 *
 * @throws WsiError `CorruptFile` when the bytes are not an ONNX model.
 * @example
 * ```ts
 * const m = decodeModel(await readFile('model.onnx'));
 * console.log(m.metadata['wsi.classes'], m.inputs[0].dims);
 * ```
 */
export function decodeModel(bytes: Uint8Array): DecodedModel {
  const type = modelProtoType();
  let o: RawModel;
  try {
    o = type.toObject(type.decode(bytes), { longs: Number, defaults: true, arrays: true, objects: true }) as RawModel;
  } catch (cause) {
    throw new WsiError('CorruptFile', 'not an ONNX model (protobuf decode failed)', { cause });
  }
  const g = o.graph;
  if (!g) throw new WsiError('CorruptFile', 'not an ONNX model (no graph)');
  const vi = (v: RawValueInfo) => ({
    name: String(v.name ?? ''),
    elemType: Number(v.type?.tensorType?.elemType ?? 0),
    dims: (v.type?.tensorType?.shape?.dim ?? []).map((d) =>
      d.dimParam ? String(d.dimParam) : Number(d.dimValue ?? 0),
    ),
  });
  return {
    irVersion: Number(o.irVersion ?? 0),
    producerName: String(o.producerName ?? ''),
    opsets: (o.opsetImport ?? []).map((x) => ({ domain: String(x.domain ?? ''), version: Number(x.version ?? 0) })),
    metadata: Object.fromEntries((o.metadataProps ?? []).map((p) => [String(p.key ?? ''), String(p.value ?? '')])),
    inputs: (g.input ?? []).map(vi),
    outputs: (g.output ?? []).map(vi),
    initializers: (g.initializer ?? []).map((t) => ({
      name: String(t.name ?? ''),
      dataType: Number(t.dataType ?? 0),
      dims: (t.dims ?? []).map(Number),
      rawData: t.rawData ?? new Uint8Array(0),
    })),
    nodes: (g.node ?? []).map((n) => ({
      opType: String(n.opType ?? ''),
      inputs: n.input ?? [],
      outputs: n.output ?? [],
      name: String(n.name ?? ''),
      domain: String(n.domain ?? ''),
    })),
  };
}

interface RawValueInfo {
  name?: string;
  type?: { tensorType?: { elemType?: number; shape?: { dim?: { dimValue?: number; dimParam?: string }[] } } };
}
interface RawModel {
  irVersion?: number;
  producerName?: string;
  opsetImport?: { domain?: string; version?: number }[];
  metadataProps?: { key?: string; value?: string }[];
  graph?: {
    node?: { opType?: string; input?: string[]; output?: string[]; name?: string; domain?: string }[];
    initializer?: { name?: string; dataType?: number; dims?: number[]; rawData?: Uint8Array }[];
    input?: RawValueInfo[];
    output?: RawValueInfo[];
  };
}

/**
 * Writes a model (a spec or encoded bytes) atomically: a temporary file in the same folder, then a rename.
 *
 * @example
 * ```ts
 * await writeModelFile('out/model.onnx', builder.build());
 * ```
 */
export async function writeModelFile(path: string, model: ModelSpec | Uint8Array): Promise<void> {
  const bytes = model instanceof Uint8Array ? model : encodeModel(model);
  const tmp = `${path}.tmp-${process.pid}-${Date.now()}`;
  try {
    await writeFile(tmp, bytes);
    await rename(tmp, path);
  } catch (cause) {
    await unlink(tmp).catch(() => undefined);
    throw new WsiError('Io', `cannot write ${path}`, { cause });
  }
}

/** @internal element type name check used by the builder. */
export function isElemType(t: string): t is ElemType {
  return Object.hasOwn(DataType, t);
}
