/**
 * The subset of the ONNX protobuf schema (onnx/onnx.proto, IR version 10) that models need, as a protobufjs
 * reflection root built in code: field numbers and types follow the official schema exactly.
 */
import protobuf from 'protobufjs';

const f = (id: number, type: string, rule?: 'repeated') => (rule ? { id, type, rule } : { id, type });

/** JSON descriptor of the ONNX messages we write and read. */
const ONNX_SCHEMA = {
  nested: {
    onnx: {
      nested: {
        AttributeProto: {
          fields: {
            name: f(1, 'string'),
            refAttrName: f(21, 'string'),
            docString: f(13, 'string'),
            type: f(20, 'int32'),
            f: f(2, 'float'),
            i: f(3, 'int64'),
            s: f(4, 'bytes'),
            t: f(5, 'TensorProto'),
            g: f(6, 'GraphProto'),
            floats: f(7, 'float', 'repeated'),
            ints: f(8, 'int64', 'repeated'),
            strings: f(9, 'bytes', 'repeated'),
            tensors: f(10, 'TensorProto', 'repeated'),
            graphs: f(11, 'GraphProto', 'repeated'),
          },
        },
        ValueInfoProto: { fields: { name: f(1, 'string'), type: f(2, 'TypeProto'), docString: f(3, 'string') } },
        NodeProto: {
          fields: {
            input: f(1, 'string', 'repeated'),
            output: f(2, 'string', 'repeated'),
            name: f(3, 'string'),
            opType: f(4, 'string'),
            domain: f(7, 'string'),
            attribute: f(5, 'AttributeProto', 'repeated'),
            docString: f(6, 'string'),
          },
        },
        StringStringEntryProto: { fields: { key: f(1, 'string'), value: f(2, 'string') } },
        OperatorSetIdProto: { fields: { domain: f(1, 'string'), version: f(2, 'int64') } },
        ModelProto: {
          fields: {
            irVersion: f(1, 'int64'),
            opsetImport: f(8, 'OperatorSetIdProto', 'repeated'),
            producerName: f(2, 'string'),
            producerVersion: f(3, 'string'),
            domain: f(4, 'string'),
            modelVersion: f(5, 'int64'),
            docString: f(6, 'string'),
            graph: f(7, 'GraphProto'),
            metadataProps: f(14, 'StringStringEntryProto', 'repeated'),
          },
        },
        GraphProto: {
          fields: {
            node: f(1, 'NodeProto', 'repeated'),
            name: f(2, 'string'),
            initializer: f(5, 'TensorProto', 'repeated'),
            docString: f(10, 'string'),
            input: f(11, 'ValueInfoProto', 'repeated'),
            output: f(12, 'ValueInfoProto', 'repeated'),
            valueInfo: f(13, 'ValueInfoProto', 'repeated'),
          },
        },
        TensorProto: {
          fields: {
            dims: f(1, 'int64', 'repeated'),
            dataType: f(2, 'int32'),
            floatData: { id: 4, type: 'float', rule: 'repeated', options: { packed: true } },
            int32Data: { id: 5, type: 'int32', rule: 'repeated', options: { packed: true } },
            stringData: f(6, 'bytes', 'repeated'),
            int64Data: { id: 7, type: 'int64', rule: 'repeated', options: { packed: true } },
            name: f(8, 'string'),
            docString: f(12, 'string'),
            rawData: f(9, 'bytes'),
            doubleData: { id: 10, type: 'double', rule: 'repeated', options: { packed: true } },
          },
        },
        TensorShapeProto: {
          fields: { dim: f(1, 'Dimension', 'repeated') },
          nested: {
            Dimension: {
              oneofs: { value: { oneof: ['dimValue', 'dimParam'] } },
              fields: { dimValue: f(1, 'int64'), dimParam: f(2, 'string'), denotation: f(3, 'string') },
            },
          },
        },
        TypeProto: {
          oneofs: { value: { oneof: ['tensorType'] } },
          fields: { tensorType: f(1, 'Tensor'), denotation: f(6, 'string') },
          nested: { Tensor: { fields: { elemType: f(1, 'int32'), shape: f(2, 'TensorShapeProto') } } },
        },
      },
    },
  },
};

let root: protobuf.Root | undefined;

/** The `onnx.ModelProto` message type (lazily built, shared). */
export function modelProtoType(): protobuf.Type {
  root ??= protobuf.Root.fromJSON(ONNX_SCHEMA);
  return root.lookupType('onnx.ModelProto');
}
