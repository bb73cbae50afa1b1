/**
 * Loading an encoder: an ONNX file (or the built-in default graph) plus its preset, checked against each other
 * before any slide is read.
 */
import { existsSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { WsiError } from '@wsi/core';
import * as ort from 'onnxruntime-node';
import { buildDefaultEncoder, DEFAULT_PRESET } from './default-encoder.js';
import { type EncoderPreset, getPreset, IMAGENET_MEAN, IMAGENET_STD } from './presets.js';

/**
 * Where inference runs.
 *
 * @example
 * ```ts
 * const device: Device = hasCudaProvider() ? 'cuda' : 'cpu';
 * const enc = await loadEncoder({ model: 'uni.onnx', preset: 'uni_v1', device });
 * ```
 */
export type Device = 'cpu' | 'cuda';

/**
 * Options of {@link loadEncoder}.
 *
 * @example
 * ```ts
 * const o: EncoderOptions = { model: 'uni.onnx', preset: 'uni_v1', threads: 2 };
 * ```
 */
export interface EncoderOptions {
  /** Path of a `.onnx` file, or `'default'` for the built-in encoder. */
  model: string;
  /** Preset id (Trident name). Without it, a custom model: input size from the model, ImageNet stats, output as is. */
  preset?: string;
  /** `cpu` (default) or `cuda` (needs onnxruntime's CUDA execution provider). */
  device?: Device;
  /** Intra-op threads (default: ORT's choice, all cores). */
  threads?: number;
}

/**
 * A ready encoder: run it on NCHW float batches prepared with its preset.
 *
 * @example
 * ```ts
 * const enc = await loadEncoder({ model: 'default' });
 * const feats = await enc.run(batch, n); // n × enc.dim
 * await enc.close();
 * ```
 */
export interface Encoder {
  /** Folder id: preset id, model file stem, or `default`. */
  id: string;
  preset: EncoderPreset;
  dim: number;
  inputName: string;
  outputName: string;
  /** A description of the model for provenance (file name and size). */
  modelKey: string;
  /** Runs `n` images held in `batch` (n × 3 × S × S, extra capacity ignored); returns n × dim. */
  run(batch: Float32Array, n: number): Promise<Float32Array>;
  close(): Promise<void>;
}

/**
 * Whether the installed onnxruntime-node carries the CUDA execution provider.
 *
 * @example
 * ```ts
 * if (!hasCudaProvider()) console.log('CPU only');
 * ```
 */
export function hasCudaProvider(): boolean {
  try {
    const req = createRequire(import.meta.url);
    const root = dirname(req.resolve('onnxruntime-node/package.json'));
    const bin = join(root, 'bin', 'napi-v6', process.platform, process.arch);
    return existsSync(join(bin, 'libonnxruntime_providers_cuda.so'));
  } catch {
    return false;
  }
}

/** Applies the preset's post-processing to an output tensor → n × dim. */
function postProcess(out: ort.Tensor, preset: EncoderPreset, n: number): Float32Array {
  const data = out.data as Float32Array;
  const dims = out.dims;
  if (preset.post.kind === 'none') {
    return dims.length === 2 ? data : data.slice(0, n * (data.length / n));
  }
  if (dims.length !== 3) {
    throw new WsiError(
      'InvalidArgument',
      `preset '${preset.id}' needs token outputs [N, T, C]; the model gives [${dims.join(', ')}]`,
    );
  }
  const t = dims[1] as number;
  const c = dims[2] as number;
  if (preset.post.kind === 'cls') {
    const res = new Float32Array(n * c);
    for (let i = 0; i < n; i++) res.set(data.subarray(i * t * c, i * t * c + c), i * c);
    return res;
  }
  const start = preset.post.tokenStart;
  const res = new Float32Array(n * 2 * c);
  for (let i = 0; i < n; i++) {
    const base = i * t * c;
    res.set(data.subarray(base, base + c), i * 2 * c);
    const o = i * 2 * c + c;
    for (let k = start; k < t; k++)
      for (let j = 0; j < c; j++) res[o + j] = (res[o + j] as number) + (data[base + k * c + j] as number);
    for (let j = 0; j < c; j++) res[o + j] = (res[o + j] as number) / (t - start);
  }
  return res;
}

async function createSession(
  model: Uint8Array | string,
  what: string,
  device: Device,
  threads?: number,
): Promise<ort.InferenceSession> {
  if (device === 'cuda' && !hasCudaProvider()) {
    throw new WsiError(
      'InvalidArgument',
      '--device cuda: the installed onnxruntime-node has no CUDA execution provider (reinstall it with ONNXRUNTIME_NODE_INSTALL_CUDA=v12, on Linux x64 with CUDA 12)',
    );
  }
  const opts: ort.InferenceSession.SessionOptions = {
    executionProviders: [device],
    graphOptimizationLevel: 'all',
    ...(threads === undefined ? {} : { intraOpNumThreads: threads, interOpNumThreads: 1 }),
  };
  try {
    // a path lets onnxruntime map the file itself: models over 2 GiB, and ones with external data beside them
    return typeof model === 'string'
      ? await ort.InferenceSession.create(model, opts)
      : await ort.InferenceSession.create(model, opts);
  } catch (err) {
    throw new WsiError('CorruptFile', `${what} is not a loadable ONNX model: ${(err as Error).message}`, {
      cause: err,
    });
  }
}

/**
 * Loads and checks an encoder. The model's input must be [N, 3, S, S] float32 with S the preset's input size; a
 * dry run on one blank image checks the output dimension against the preset.
 *
 * @throws WsiError `NotFound` (no file), `CorruptFile` (not ONNX), `InvalidArgument` (input shape, preset/model
 *   mismatch, unknown preset, CUDA unavailable).
 * @example
 * ```ts
 * const enc = await loadEncoder({ model: '/models/resnet50-trunc.onnx', preset: 'resnet50', threads: 2 });
 * enc.dim; // 1024
 * ```
 */
export async function loadEncoder(options: EncoderOptions): Promise<Encoder> {
  const device = options.device ?? 'cpu';
  if (device !== 'cpu' && device !== 'cuda')
    throw new WsiError('InvalidArgument', `unknown device '${String(device)}' (cpu or cuda)`);
  if (options.threads !== undefined && !(Number.isInteger(options.threads) && options.threads >= 1)) {
    throw new WsiError('InvalidArgument', `threads must be a whole number ≥ 1, got ${options.threads}`);
  }
  const isDefault = options.model === 'default';
  if (isDefault && options.preset !== undefined && options.preset !== 'default') {
    throw new WsiError('InvalidArgument', `--preset ${options.preset} does not apply to the built-in default encoder`);
  }
  let preset: EncoderPreset | undefined = isDefault
    ? DEFAULT_PRESET
    : options.preset === undefined
      ? undefined
      : getPreset(options.preset);
  // the model file is given to onnxruntime by path (not read into a buffer): a single read would cap it at 2 GiB,
  // and models exported with external data (`model.onnx` + `model.onnx.data`) need their folder
  let model: Uint8Array | string;
  let modelBytes: number;
  if (isDefault) {
    model = buildDefaultEncoder();
    modelBytes = model.length;
  } else {
    try {
      const st = await stat(options.model);
      if (!st.isFile()) throw new Error('not a file');
      modelBytes = st.size;
      model = resolve(options.model);
    } catch (err) {
      throw new WsiError('NotFound', `model file ${options.model} cannot be read`, { cause: err });
    }
  }
  const what = isDefault ? 'the default encoder' : options.model;
  const session = await createSession(model, what, device, options.threads);
  try {
    const inputName = session.inputNames[0];
    const meta = session.inputMetadata[0];
    if (inputName === undefined || meta === undefined || !meta.isTensor)
      throw new WsiError('InvalidArgument', `${what} has no tensor input`);
    const shape = meta.shape;
    if (meta.type !== 'float32' || shape.length !== 4 || (typeof shape[1] === 'number' && shape[1] !== 3)) {
      throw new WsiError(
        'InvalidArgument',
        `${what}: input '${inputName}' is ${meta.type} [${shape.join(', ')}]; expected float32 [N, 3, S, S]`,
      );
    }
    const [h, w] = [shape[2], shape[3]];
    if (preset === undefined) {
      if (typeof h !== 'number' || typeof w !== 'number' || h !== w) {
        throw new WsiError(
          'InvalidArgument',
          `${what}: input size [${shape.join(', ')}] is not a fixed square; pass --preset`,
        );
      }
      preset = {
        id: basename(options.model, extname(options.model)),
        inputSize: h,
        resizeSize: h,
        mean: IMAGENET_MEAN,
        std: IMAGENET_STD,
        channelOrder: 'RGB',
        scale: 1 / 255,
        post: { kind: 'none' },
        dim: 0,
        description: 'custom model',
      };
    } else if ((typeof h === 'number' && h !== preset.inputSize) || (typeof w === 'number' && w !== preset.inputSize)) {
      throw new WsiError(
        'InvalidArgument',
        `${what}: input is [${shape.join(', ')}] but preset '${preset.id}' feeds ${preset.inputSize}×${preset.inputSize}`,
      );
    }
    const outputName = preset.outputName ?? session.outputNames[0];
    if (outputName === undefined || !session.outputNames.includes(outputName)) {
      throw new WsiError(
        'InvalidArgument',
        `${what} has no output '${outputName ?? ''}' (outputs: ${session.outputNames.join(', ')})`,
      );
    }
    const p = preset;
    const s = p.inputSize;
    const run = async (batch: Float32Array, n: number): Promise<Float32Array> => {
      const input = new ort.Tensor(
        'float32',
        batch.length === n * 3 * s * s ? batch : batch.subarray(0, n * 3 * s * s),
        [n, 3, s, s],
      );
      const res = await session.run({ [inputName]: input }, [outputName]);
      const out = res[outputName] as ort.Tensor;
      return postProcess(out, p, n);
    };
    // Dry run: one blank image, to learn/check the output dimension before any slide is read.
    let probe: Float32Array;
    try {
      probe = await run(new Float32Array(3 * s * s), 1);
    } catch (err) {
      if (err instanceof WsiError) throw err;
      throw new WsiError('InvalidArgument', `${what} fails on a [1, 3, ${s}, ${s}] input: ${(err as Error).message}`, {
        cause: err,
      });
    }
    const dim = probe.length;
    if (p.dim !== 0 && dim !== p.dim) {
      throw new WsiError(
        'InvalidArgument',
        `${what} outputs ${dim} values per patch but preset '${p.id}' expects ${p.dim} (preset/model mismatch)`,
      );
    }
    const finalPreset = p.dim === 0 ? { ...p, dim } : p;
    return {
      id: finalPreset.id,
      preset: finalPreset,
      dim,
      inputName,
      outputName,
      modelKey: isDefault ? `default:${modelBytes}` : `${basename(options.model)}:${modelBytes}`,
      run,
      close: () => session.release(),
    };
  } catch (err) {
    await session.release();
    throw err;
  }
}
