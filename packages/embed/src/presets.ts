/**
 * Encoder presets: how each known patch encoder wants its input and what it outputs. Ids are Trident's encoder
 * names, so output folders (`features_<id>`) match Trident's.
 */
import { WsiError } from '@wsi/core';

/**
 * Per-channel normalisation constants.
 *
 * @example
 * ```ts
 * const normalised = (pixel / 255 - IMAGENET_MEAN[0]) / IMAGENET_STD[0]; // the red channel
 * ```
 */
export const IMAGENET_MEAN: readonly [number, number, number] = [0.485, 0.456, 0.406];
/**
 * ImageNet standard deviations.
 *
 * @example
 * ```ts
 * const normalised = (pixel / 255 - IMAGENET_MEAN[0]) / IMAGENET_STD[0]; // the red channel
 * ```
 */
export const IMAGENET_STD: readonly [number, number, number] = [0.229, 0.224, 0.225];
/**
 * OpenAI CLIP means (CONCH).
 *
 * @example
 * ```ts
 * getPreset('conch_v1').mean === CLIP_MEAN; // true
 * ```
 */
export const CLIP_MEAN: readonly [number, number, number] = [0.48145466, 0.4578275, 0.40821073];
/**
 * OpenAI CLIP standard deviations (CONCH).
 *
 * @example
 * ```ts
 * getPreset('conch_v1').std === CLIP_STD; // true
 * ```
 */
export const CLIP_STD: readonly [number, number, number] = [0.26862954, 0.26130258, 0.27577711];
const HOPTIMUS_MEAN: readonly [number, number, number] = [0.707223, 0.578729, 0.703617];
const HOPTIMUS_STD: readonly [number, number, number] = [0.211883, 0.230117, 0.177517];

/**
 * Post-processing of the model output: `none` takes it as is ([N, D]); `cls` takes token 0 of [N, T, C];
 * `cls_mean` concatenates token 0 with the mean of tokens `tokenStart…` (Virchow2: CLS ⊕ mean of patch tokens).
 *
 * @example
 * ```ts
 * const post: PostProcess = getPreset('virchow2').post; // { kind: 'cls_mean', tokenStart: 5 }
 * ```
 */
export type PostProcess = { kind: 'none' } | { kind: 'cls' } | { kind: 'cls_mean'; tokenStart: number };

/**
 * How an encoder is fed and read.
 *
 * @example
 * ```ts
 * const p: EncoderPreset = getPreset('uni_v1'); // 224², ImageNet stats, 1024-d
 * ```
 */
export interface EncoderPreset {
  id: string;
  /** Side of the square model input. */
  inputSize: number;
  /** Side the patch is resized to before the centre crop to `inputSize` (default: `inputSize`, no crop). */
  resizeSize: number;
  mean: readonly [number, number, number];
  std: readonly [number, number, number];
  /** Pixel order of the 3 input channels. */
  channelOrder: 'RGB' | 'BGR';
  /** Scale of pixel values before normalisation: 1/255 maps to [0, 1]; 1 keeps 0–255. */
  scale: number;
  /** Output to read (default: the model's first output). */
  outputName?: string;
  post: PostProcess;
  /** Embedding dimension after post-processing. */
  dim: number;
  /** One line for docs and `--help`. */
  description: string;
}

function preset(id: string, dim: number, description: string, extra: Partial<EncoderPreset> = {}): EncoderPreset {
  return {
    id,
    inputSize: 224,
    resizeSize: 224,
    mean: IMAGENET_MEAN,
    std: IMAGENET_STD,
    channelOrder: 'RGB',
    scale: 1 / 255,
    post: { kind: 'none' },
    dim,
    description,
    ...extra,
  };
}

/**
 * Every known preset, by Trident encoder name.
 *
 * @example
 * ```ts
 * Object.keys(PRESETS); // ['resnet50', 'ctranspath', 'uni_v1', …]
 * ```
 */
export const PRESETS: Readonly<Record<string, EncoderPreset>> = {
  resnet50: preset('resnet50', 1024, "CLAM's ResNet50 truncated after layer3 + global average pool (ImageNet stats)"),
  ctranspath: preset('ctranspath', 768, 'CTransPath (Swin-T with convolutional stem), ImageNet stats'),
  uni_v1: preset('uni_v1', 1024, 'UNI (ViT-L/16, MahmoodLab), CLS token'),
  uni_v2: preset('uni_v2', 1536, 'UNI2-h (ViT-H/14 with registers), CLS token'),
  conch_v1: preset('conch_v1', 512, 'CONCH v1 vision encoder (ViT-B/16, 448² input, CLIP stats), projected embedding', {
    inputSize: 448,
    resizeSize: 448,
    mean: CLIP_MEAN,
    std: CLIP_STD,
  }),
  virchow2: preset('virchow2', 2560, 'Virchow2 (ViT-H/14, 4 registers): CLS ⊕ mean of patch tokens (1280 + 1280)', {
    post: { kind: 'cls_mean', tokenStart: 5 },
  }),
  hoptimus0: preset('hoptimus0', 1536, 'H-optimus-0 (ViT-g/14, Bioptimus), its own mean/std', {
    mean: HOPTIMUS_MEAN,
    std: HOPTIMUS_STD,
  }),
  hoptimus1: preset('hoptimus1', 1536, 'H-optimus-1 (ViT-g/14, Bioptimus), its own mean/std', {
    mean: HOPTIMUS_MEAN,
    std: HOPTIMUS_STD,
  }),
  gigapath: preset('gigapath', 1536, 'Prov-GigaPath tile encoder (ViT-g/14): resize 256, centre crop 224', {
    resizeSize: 256,
  }),
  phikon: preset('phikon', 768, 'Phikon (ViT-B/16, Owkin), CLS token of the last hidden state'),
  phikon_v2: preset('phikon_v2', 1024, 'Phikon-v2 (ViT-L/16, Owkin), CLS token of the last hidden state'),
};

/**
 * Looks a preset up by id.
 *
 * @throws WsiError `InvalidArgument` naming the known ids.
 * @example
 * ```ts
 * getPreset('conch_v1').inputSize; // 448
 * ```
 */
export function getPreset(id: string): EncoderPreset {
  // own keys only: '__proto__', 'constructor' or 'toString' are not presets
  const p = Object.hasOwn(PRESETS, id) ? PRESETS[id] : undefined;
  if (p === undefined) {
    throw new WsiError('InvalidArgument', `unknown encoder preset '${id}' (known: ${Object.keys(PRESETS).join(', ')})`);
  }
  return p;
}
