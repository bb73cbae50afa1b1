/**
 * Encoder throughput: batches of patch-sized inputs through the ONNX encoder (no reading, no preprocessing).
 */

/**
 * An encoder measurement.
 *
 * @example
 * ```ts
 * const e: EncoderMeasure = await measureEncoder({ model: 'default' });
 * ```
 */
export interface EncoderMeasure {
  model: string;
  id: string;
  dim: number;
  inputSize: number;
  batchSize: number;
  patches: number;
  patchesPerSecond: number;
}

/**
 * Loads the encoder, runs one warm-up batch, then full batches for about `seconds`.
 *
 * @throws WsiError `NotFound`/`InvalidArgument` from `loadEncoder`.
 * @example
 * ```ts
 * const { patchesPerSecond } = await measureEncoder({ model: 'resnet50.onnx', preset: 'resnet50' });
 * ```
 */
export async function measureEncoder(o: {
  model: string;
  preset?: string;
  batchSize?: number;
  seconds?: number;
}): Promise<EncoderMeasure> {
  const { loadEncoder } = await import('@wsi/embed');
  const enc = await loadEncoder({ model: o.model, ...(o.preset === undefined ? {} : { preset: o.preset }) });
  try {
    const n = o.batchSize ?? 16;
    const s = enc.preset.inputSize;
    const batch = new Float32Array(n * 3 * s * s);
    // a deterministic texture in the preset's value range (0-255 or normalised)
    const top = enc.preset.scale === 1 ? 255 : 1;
    for (let i = 0; i < batch.length; i++) batch[i] = (((i * 2654435761) >>> 0) % 1000) * (top / 1000);
    await enc.run(batch, n);
    const ms = (o.seconds ?? 2) * 1000;
    let patches = 0;
    const t0 = performance.now();
    do {
      await enc.run(batch, n);
      patches += n;
    } while (performance.now() - t0 < ms);
    const secs = (performance.now() - t0) / 1000;
    return {
      model: o.model,
      id: enc.id,
      dim: enc.dim,
      inputSize: s,
      batchSize: n,
      patches,
      patchesPerSecond: Math.round((patches / secs) * 10) / 10,
    };
  } finally {
    await enc.close();
  }
}
