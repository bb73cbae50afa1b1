/**
 * The built-in, weight-free encoder: an H&E-aware hand-crafted descriptor generated as an ONNX graph (in the
 * spirit of Kather et al. 2016's texture features). NOT a foundation model: it describes stain amounts, texture
 * energy and simple co-occurrence, which separates tissue from background and coarse tissue types.
 */
import { attr, encodeModel, GraphBuilder } from '@wsi/onnx';
import type { EncoderPreset } from './presets.js';

/** Ruifrok & Johnston (2001) stain OD vectors: haematoxylin, eosin, DAB (used as the residual channel). */
const RJ_STAINS = [
  [0.65, 0.7, 0.29],
  [0.07, 0.99, 0.11],
  [0.27, 0.57, 0.78],
];
const KSIZE = 7;
const SIGMA = 1.5;
const SCALES = 3;
const FILTERS = 7; // d/dx, d/dy, LoG, Gabor at 0°, 45°, 90°, 135°
const CHANNELS = 4; // H, E, residual, grey
const SHIFTS = [1, 2, 4];
const THRESHOLDS = [0.15, 0.4, 0.8];

/**
 * Dimension of the default encoder's vector: per scale, mean |response| and mean response² of 7 filters on 4
 * channels (3 × 56); channel means, mean squares and the H·E mean (9); fractions of pixels above 3 thresholds for
 * H, E and darkness (9); horizontal and vertical autocorrelation at 3 offsets for 4 channels (24).
 *
 * @example
 * ```ts
 * DEFAULT_ENCODER_DIM; // 210
 * ```
 */
export const DEFAULT_ENCODER_DIM = SCALES * FILTERS * CHANNELS * 2 + 9 + 9 + CHANNELS * SHIFTS.length * 2;

/**
 * The preset of the default encoder: 224² RGB in 0–255 (no normalisation — the graph takes optical density itself).
 *
 * @example
 * ```ts
 * DEFAULT_PRESET.dim; // 210
 * ```
 */
export const DEFAULT_PRESET: EncoderPreset = {
  id: 'default',
  inputSize: 224,
  resizeSize: 224,
  mean: [0, 0, 0],
  std: [1, 1, 1],
  channelOrder: 'RGB',
  scale: 1,
  outputName: 'features',
  post: { kind: 'none' },
  dim: DEFAULT_ENCODER_DIM,
  description:
    'built-in weight-free H&E descriptor (colour deconvolution, filter bank, texture) — not a foundation model',
};

function invert3(m: number[][]): number[][] {
  const [a, b, c] = m as [number[], number[], number[]];
  const [a0, a1, a2] = a as [number, number, number];
  const [b0, b1, b2] = b as [number, number, number];
  const [c0, c1, c2] = c as [number, number, number];
  const det = a0 * (b1 * c2 - b2 * c1) - a1 * (b0 * c2 - b2 * c0) + a2 * (b0 * c1 - b1 * c0);
  return [
    [(b1 * c2 - b2 * c1) / det, (a2 * c1 - a1 * c2) / det, (a1 * b2 - a2 * b1) / det],
    [(b2 * c0 - b0 * c2) / det, (a0 * c2 - a2 * c0) / det, (a2 * b0 - a0 * b2) / det],
    [(b0 * c1 - b1 * c0) / det, (a1 * c0 - a0 * c1) / det, (a0 * b1 - a1 * b0) / det],
  ];
}

/** 7 zero-mean, L1-normalised 7×7 kernels: Gaussian derivatives, Laplacian of Gaussian, 4 Gabor orientations. */
function filterBank(): Float32Array[] {
  const r = (KSIZE - 1) / 2;
  const make = (f: (x: number, y: number, g: number) => number): Float32Array => {
    const k = new Float32Array(KSIZE * KSIZE);
    for (let y = -r; y <= r; y++)
      for (let x = -r; x <= r; x++) {
        const g = Math.exp(-(x * x + y * y) / (2 * SIGMA * SIGMA));
        k[(y + r) * KSIZE + (x + r)] = f(x, y, g);
      }
    const mean = k.reduce((s, v) => s + v, 0) / k.length;
    let l1 = 0;
    for (let i = 0; i < k.length; i++) {
      k[i] = (k[i] as number) - mean;
      l1 += Math.abs(k[i] as number);
    }
    for (let i = 0; i < k.length; i++) k[i] = (k[i] as number) / l1;
    return k;
  };
  const s2 = SIGMA * SIGMA;
  const bank = [
    make((x, _y, g) => (-x / s2) * g),
    make((_x, y, g) => (-y / s2) * g),
    make((x, y, g) => ((x * x + y * y - 2 * s2) / (s2 * s2)) * g),
  ];
  for (const theta of [0, Math.PI / 4, Math.PI / 2, (3 * Math.PI) / 4]) {
    bank.push(make((x, y, g) => Math.cos(2 * Math.PI * 0.25 * (x * Math.cos(theta) + y * Math.sin(theta))) * g));
  }
  return bank;
}

/**
 * Builds the default encoder's ONNX model: input `input` [N, 3, 224, 224] (RGB 0–255), output `features`
 * [N, {@link DEFAULT_ENCODER_DIM}]. Deterministic: the same bytes every time.
 *
 * @example
 * ```ts
 * const bytes = buildDefaultEncoder();
 * const session = await ort.InferenceSession.create(bytes);
 * ```
 */
export function buildDefaultEncoder(): Uint8Array {
  const size = DEFAULT_PRESET.inputSize;
  const b = new GraphBuilder('wsi_default_encoder');
  const x = b.input('input', 'float', ['N', 3, size, size]);
  const f32 = (v: number[]) => new Float32Array(v);
  const i64 = (v: number[]) => BigInt64Array.from(v.map((n) => BigInt(n)));

  // Optical density: -log((I + 1) / 256) = log(256) - log(I + 1).
  const od = b.op('Sub', [
    b.constant(f32([Math.log(256)]), [1]),
    b.op('Log', [b.op('Add', [x, b.constant(f32([1]), [1])])]),
  ]);
  // Colour deconvolution: stains = OD · inverse(normalised RJ matrix), as a 1×1 Conv.
  const rows = RJ_STAINS.map((r) => {
    const n = Math.hypot(...r);
    return r.map((v) => v / n);
  });
  const inv = invert3(rows);
  const wStain = new Float32Array(9);
  for (let k = 0; k < 3; k++) for (let c = 0; c < 3; c++) wStain[k * 3 + c] = (inv[c] as number[])[k] as number;
  const stains = b.op('Conv', [od, b.initializer('stain_w', wStain, [3, 3, 1, 1])]);
  // Darkness (1 - grey) in [0, 1].
  const grey = b.op('Conv', [
    x,
    b.initializer('grey_w', f32([-1 / 765, -1 / 765, -1 / 765]), [1, 3, 1, 1]),
    b.initializer('grey_b', f32([1]), [1]),
  ]);
  const chans = b.op('Concat', [stains, grey], { axis: attr.int(1) });

  const pieces: string[] = [];
  const gap = (v: string) => b.op('GlobalAveragePool', [v]);
  // Multi-scale filter bank: grouped Conv (7 kernels per channel) at full, ½ and ¼ resolution.
  const bank = filterBank();
  const wBank = new Float32Array(CHANNELS * FILTERS * KSIZE * KSIZE);
  for (let c = 0; c < CHANNELS; c++)
    for (let f = 0; f < FILTERS; f++) wBank.set(bank[f] as Float32Array, (c * FILTERS + f) * KSIZE * KSIZE);
  const bankW = b.initializer('bank_w', wBank, [CHANNELS * FILTERS, 1, KSIZE, KSIZE]);
  let level = chans;
  for (let s = 0; s < SCALES; s++) {
    if (s > 0) level = b.op('AveragePool', [level], { kernel_shape: attr.ints([2, 2]), strides: attr.ints([2, 2]) });
    const resp = b.op('Conv', [level, bankW], { group: attr.int(CHANNELS) });
    pieces.push(gap(b.op('Abs', [resp])));
    pieces.push(gap(b.op('Mul', [resp, resp])));
  }
  // Colour statistics.
  pieces.push(gap(chans));
  pieces.push(gap(b.op('Mul', [chans, chans])));
  const slice = (v: string, starts: number[], ends: number[], axes: number[]) =>
    b.op('Slice', [
      v,
      b.constant(i64(starts), [starts.length]),
      b.constant(i64(ends), [ends.length]),
      b.constant(i64(axes), [axes.length]),
    ]);
  const h = slice(chans, [0], [1], [1]);
  const e = slice(chans, [1], [2], [1]);
  const dark = slice(chans, [3], [4], [1]);
  pieces.push(gap(b.op('Mul', [h, e])));
  // Soft fractions of pixels above thresholds (steep sigmoids) for H, E and darkness.
  const hed = b.op('Concat', [h, e, dark], { axis: attr.int(1) });
  for (const t of THRESHOLDS) {
    const z = b.op('Mul', [b.op('Sub', [hed, b.constant(f32([t]), [1])]), b.constant(f32([20]), [1])]);
    pieces.push(gap(b.op('Sigmoid', [z])));
  }
  // Co-occurrence-like statistics: mean products of each channel with itself shifted by d (x and y).
  const big = 1 << 30;
  for (const d of SHIFTS) {
    for (const axis of [3, 2]) {
      const a = slice(chans, [d], [big], [axis]);
      const c = slice(chans, [0], [-d], [axis]);
      pieces.push(gap(b.op('Mul', [a, c])));
    }
  }
  const all = b.op('Concat', pieces, { axis: attr.int(1) });
  b.output(b.op('Flatten', [all], { axis: attr.int(1) }, 'features'), 'float', ['N', DEFAULT_ENCODER_DIM]);
  return encodeModel(b.build({ metadata: { 'wsi.encoder': 'default', 'wsi.dim': String(DEFAULT_ENCODER_DIM) } }));
}
