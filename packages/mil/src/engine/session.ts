/**
 * onnxruntime-node sessions for training and inference graphs.
 */
import { WsiError } from '@wsi/core';
import { InferenceSession, Tensor } from 'onnxruntime-node';

/**
 * Options of {@link createSession}.
 *
 * @example
 * ```ts
 * const session = await createSession(modelBytes, { threads: 2 } satisfies SessionOptions);
 * ```
 */
export interface SessionOptions {
  /** Intra-op threads (default: ORT's choice, all cores). */
  threads?: number;
}

/**
 * Creates a CPU session from `.onnx` bytes with full graph optimisation and a single inter-op thread.
 *
 * @throws WsiError `CorruptFile` when onnxruntime rejects the model.
 * @example
 * ```ts
 * const s = await createSession(encodeModel(builder.build()), { threads: 2 });
 * ```
 */
export async function createSession(bytes: Uint8Array, options: SessionOptions = {}): Promise<InferenceSession> {
  try {
    return await InferenceSession.create(bytes, {
      executionProviders: ['cpu'],
      graphOptimizationLevel: 'all',
      executionMode: 'sequential',
      interOpNumThreads: 1,
      ...(options.threads === undefined ? {} : { intraOpNumThreads: options.threads }),
    });
  } catch (cause) {
    throw new WsiError('CorruptFile', `onnxruntime rejected the model: ${(cause as Error).message}`, { cause });
  }
}

/**
 * Wraps a Float32Array (or a prefix of it) as a float32 tensor without copying.
 *
 * @example
 * ```ts
 * const x = f32(buffer, [n, d]); // uses buffer[0 .. n*d)
 * ```
 */
export function f32(data: Float32Array, dims: readonly number[]): Tensor {
  const count = dims.reduce((a, b) => a * b, 1);
  const view = data.length === count ? data : data.subarray(0, count);
  return new Tensor('float32', view, dims);
}

/**
 * Reads a float32 output of a run.
 *
 * @example
 * ```ts
 * const loss = outF32(await session.run(feeds), 'loss')[0];
 * ```
 */
export function outF32(result: InferenceSession.OnnxValueMapType, name: string): Float32Array {
  const t = result[name];
  if (!t) throw new WsiError('InvalidArgument', `session output '${name}' missing`);
  return t.data as Float32Array;
}
