/**
 * @wsi/onnx — a typed ONNX graph builder and a writer of standard `.onnx` bytes (protobufjs, the ONNX schema
 * defined in code). Used by @wsi/embed (the default encoder) and @wsi/mil (training graphs and exports).
 *
 * @example
 * ```ts
 * import { GraphBuilder, encodeModel } from '@wsi/onnx';
 * const b = new GraphBuilder('relu');
 * b.output(b.op('Relu', [b.input('x', 'float', ['N', 8])], {}, 'y'), 'float', ['N', 8]);
 * const bytes = encodeModel(b.build());
 * ```
 * @packageDocumentation
 */

export * from './builder.js';
export * from './types.js';
export { type DecodedModel, decodeModel, encodeModel, writeModelFile } from './writer.js';
