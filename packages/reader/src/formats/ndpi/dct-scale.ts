/**
 * Emulation of libjpeg's DCT scaling (`scale_denom` 2, 4, 8), which OpenSlide 3.4.1 uses for the NDPI levels
 * below the smallest page, with a full-size decoder: the JPEG header's quantisation tables are rewritten so that
 * every DCT coefficient a 1/N IDCT ignores dequantises to zero, the stream is decoded at full size, and each N×N
 * block is averaged. At 1/8 the blocks come out flat at libjpeg's DC value, so the result is exact. (libjpeg's 1/2
 * and 1/4 IDCTs equal a block average of the unclamped full IDCT, so for those a plain box average of the normal
 * decode is closer than any low-pass: the NDPI slide uses that.)
 */
import { WsiError } from '@wsi/core';

/** Zig-zag position → (row, column) of the 8×8 coefficient block. */
const ZIGZAG: readonly (readonly [number, number])[] = (() => {
  const out: [number, number][] = [];
  for (let s = 0; s < 15; s++) {
    const cells: [number, number][] = [];
    for (let r = 0; r < 8; r++) {
      const c = s - r;
      if (c >= 0 && c < 8) cells.push([r, c]);
    }
    // even diagonals run bottom-left → top-right (row decreasing), odd ones the other way
    if (s % 2 === 0) cells.reverse();
    out.push(...cells);
  }
  return out;
})();

/**
 * A copy of a JPEG header (SOI … SOS) whose DQT tables keep only the coefficients with row and column below
 * `8 / scale`; all others become 0.
 *
 * @example
 * ```ts
 * const dcOnly = lowPassHeader(header, 8); // decode, then average 8×8 blocks = libjpeg's scale_denom 8
 * ```
 */
export function lowPassHeader(header: Uint8Array, scale: number): Uint8Array {
  if (scale !== 2 && scale !== 4 && scale !== 8) throw new WsiError('InvalidArgument', `DCT scale 1/${scale}`);
  const keep = 8 / scale;
  const out = header.slice();
  let p = 2;
  let tables = 0;
  while (p + 4 <= out.length) {
    if (out[p] !== 0xff) break;
    const m = out[p + 1] as number;
    if (m === 0xff) {
      p++;
      continue;
    }
    const len = ((out[p + 2] as number) << 8) | (out[p + 3] as number);
    if (m === 0xda) break;
    if (m === 0xdb) {
      let q = p + 4;
      const end = p + 2 + len;
      while (q < end) {
        const wide = (out[q] as number) >> 4 === 1;
        const size = wide ? 2 : 1;
        if (q + 1 + 64 * size > end) throw new WsiError('CorruptFile', 'JPEG quantisation table runs past its segment');
        for (let k = 0; k < 64; k++) {
          const [r, c] = ZIGZAG[k] as readonly [number, number];
          if (r < keep && c < keep) continue;
          out[q + 1 + k * size] = 0;
          if (wide) out[q + 2 + k * size] = 0;
        }
        q += 1 + 64 * size;
        tables++;
      }
    }
    p += 2 + len;
  }
  if (tables === 0) throw new WsiError('CorruptFile', 'JPEG header has no quantisation table');
  return out;
}
