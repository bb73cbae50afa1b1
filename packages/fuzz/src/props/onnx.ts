/**
 * Property target of model loading: ONNX models with wrong signatures (input/output names, element types, ranks,
 * symbolic or odd dimensions, metadata) and damaged model bytes must load or be refused with a WsiError — by the
 * encoder loader (@wsi/embed `loadEncoder`) and the MIL loader (@wsi/mil `milModelFromBytes`).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadEncoder } from '@wsi/embed';
import { milModelFromBytes } from '@wsi/mil';
import { encodeModel, GraphBuilder } from '@wsi/onnx';
import fc from 'fast-check';
import { type AnyProperty, typedOrOkAsync } from './common.js';

const elemType = fc.constantFrom('float', 'double', 'int64', 'int32', 'uint8') as fc.Arbitrary<
  'float' | 'double' | 'int64' | 'int32' | 'uint8'
>;
const dim = fc.oneof(fc.nat({ max: 300 }), fc.constantFrom('N', 'batch', 'S', ''), fc.constant(3));
const sig = fc.record({
  input: fc.constantFrom('x', 'features', 'input', 'pixel_values', ''),
  outputs: fc.shuffledSubarray(['logits', 'attention', 'y', 'features', 'last_hidden_state'], { minLength: 1 }),
  type: elemType,
  dims: fc.array(dim, { minLength: 0, maxLength: 5 }),
  preset: fc.option(fc.constantFrom('uni', 'conch_v1', 'resnet50_trunc', 'nope', 'default'), { nil: undefined }),
  metadata: fc.dictionary(
    fc.constantFrom('wsi.classes', 'wsi.task', 'wsi.config'),
    fc.oneof(fc.string({ maxLength: 8 }), fc.constantFrom('2', '-1', '1e9', '{"head":"x"}', '{')),
  ),
  damage: fc.option(fc.tuple(fc.nat(), fc.nat({ max: 255 }), fc.boolean()), { nil: undefined }),
});

/**
 * The ONNX signature property: an Identity graph with a random signature, sometimes with a damaged byte or
 * truncated, loaded as an encoder and as a MIL model.
 *
 * @example
 * ```ts
 * await checkProperty('onnx', onnxProperty(), 30, 1);
 * ```
 */
export function onnxProperty(): AnyProperty {
  return fc.asyncProperty(sig, async (s) => {
    const b = new GraphBuilder('fuzz');
    const name = s.input || 'in';
    const x = b.input(name, s.type, s.dims);
    s.outputs.forEach((o, i) => {
      b.output(b.op('Identity', [x], {}, o === name ? `${o}_${i}` : o), s.type, s.dims);
    });
    let bytes = encodeModel(b.build({ metadata: s.metadata }));
    if (s.damage) {
      const [at, v, cut] = s.damage;
      bytes = cut
        ? bytes.subarray(0, at % bytes.length)
        : Uint8Array.from(bytes, (c, i) => (i === at % bytes.length ? v : c));
    }
    const dir = await mkdtemp(join(tmpdir(), 'wsi-fuzz-onnx-'));
    try {
      const model = join(dir, 'm.onnx');
      await writeFile(model, bytes);
      const enc = await typedOrOkAsync('loadEncoder', () =>
        loadEncoder({ model, threads: 1, ...(s.preset ? { preset: s.preset } : {}) }),
      );
      await enc?.close();
      const mil = await typedOrOkAsync('milModelFromBytes', () => milModelFromBytes(bytes, 'fuzz', { threads: 1 }));
      await (mil?.session as { release?: () => Promise<void> } | undefined)?.release?.();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
}
