/**
 * Pixels of the Aperio associated images: a barcode-like label and a macro photo of the glass slide.
 */
import { hash2 } from '../sources/noise.js';

/**
 * A deterministic label: white paper, a frame, a barcode band and a dark "text" block.
 *
 * @example
 * ```ts
 * const rgb = makeLabel(400, 400, 1);
 * ```
 */
export function makeLabel(width: number, height: number, seed: number): Uint8Array {
  const out = new Uint8Array(width * height * 3).fill(250);
  const set = (x: number, y: number, v: number): void => {
    const o = (y * width + x) * 3;
    out[o] = v;
    out[o + 1] = v;
    out[o + 2] = v;
  };
  const bx0 = Math.floor(width * 0.1);
  const bx1 = Math.floor(width * 0.9);
  const by0 = Math.floor(height * 0.15);
  const by1 = Math.floor(height * 0.45);
  let x = bx0;
  let bar = 0;
  while (x < bx1) {
    const w = 1 + (hash2(bar, 0, seed) % 4);
    if (bar % 2 === 0) for (let xx = x; xx < Math.min(bx1, x + w); xx++) for (let y = by0; y < by1; y++) set(xx, y, 20);
    x += w;
    bar++;
  }
  for (let y = Math.floor(height * 0.6); y < Math.floor(height * 0.85); y++) {
    for (let xx = bx0; xx < bx1; xx++) if (hash2(xx >> 3, y >> 3, seed + 1) % 3 === 0) set(xx, y, 40);
  }
  for (let i = 0; i < width; i++) {
    set(i, 0, 60);
    set(i, height - 1, 60);
  }
  for (let j = 0; j < height; j++) {
    set(0, j, 60);
    set(width - 1, j, 60);
  }
  return out;
}

/**
 * A macro photo: grey glass with the label on the left and the slide overview pasted on the right.
 *
 * @example
 * ```ts
 * const macro = makeMacro(1280, 431, label, 400, 400, overview, 800, 400);
 * ```
 */
export function makeMacro(
  width: number,
  height: number,
  label: Uint8Array,
  labelW: number,
  labelH: number,
  overview: Uint8Array,
  overviewW: number,
  overviewH: number,
): Uint8Array {
  const out = new Uint8Array(width * height * 3);
  for (let i = 0; i < out.length; i += 3) {
    out[i] = 214;
    out[i + 1] = 216;
    out[i + 2] = 220;
  }
  const paste = (src: Uint8Array, sw: number, sh: number, dx: number, dy: number): void => {
    const step = Math.max(sw / (width * 0.3), sh / height, 1);
    const pw = Math.min(Math.floor(sw / step), width - dx);
    const ph = Math.min(Math.floor(sh / step), height - dy);
    for (let y = 0; y < ph; y++) {
      for (let x = 0; x < pw; x++) {
        const s = (Math.floor(y * step) * sw + Math.floor(x * step)) * 3;
        const d = ((dy + y) * width + dx + x) * 3;
        out[d] = src[s] as number;
        out[d + 1] = src[s + 1] as number;
        out[d + 2] = src[s + 2] as number;
      }
    }
  };
  paste(label, labelW, labelH, 4, 4);
  const ox = Math.floor(width * 0.35);
  const oy = Math.max(0, Math.floor((height - overviewH) / 2));
  for (let y = 0; y < Math.min(overviewH, height - oy); y++) {
    const n = Math.min(overviewW, width - ox) * 3;
    out.set(overview.subarray(y * overviewW * 3, y * overviewW * 3 + n), ((oy + y) * width + ox) * 3);
  }
  return out;
}
