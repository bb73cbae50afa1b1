/**
 * TIFF LZW (Compression 5): MSB-first codes of 9–12 bits with the "early change" code-width switch, ClearCode 256,
 * EndOfInformation 257. Decodes into a buffer of the size the caller expects, never more.
 */
import { WsiError } from '@wsi/core';

const CLEAR = 256;
const EOI = 257;
const MAX_CODES = 4096;

/**
 * Decodes a TIFF LZW stream into `out` (sized by the caller from validated tile dimensions) and returns the number
 * of bytes written. Stops at EndOfInformation, at the end of input, or when `out` is full.
 * Throws `CorruptFile` for a code that refers to an undefined table entry, and `UnsupportedFormat` for the
 * pre-1992 LSB-first variant.
 *
 * @example
 * ```ts
 * const out = new Uint8Array(width * height * 3);
 * const n = decodeLzw(tileBytes, out);
 * ```
 */
export function decodeLzw(input: Uint8Array, out: Uint8Array): number {
  if (input.length >= 2 && input[0] === 0 && (input[1] as number) & 0x01) {
    throw new WsiError('UnsupportedFormat', 'old-style (LSB-first) TIFF LZW is not supported');
  }
  // Table: each entry is (prefix code, last byte, length); strings are rebuilt backwards into `out`.
  const prefix = new Uint16Array(MAX_CODES);
  const suffix = new Uint8Array(MAX_CODES);
  const length = new Uint16Array(MAX_CODES);
  const first = new Uint8Array(MAX_CODES);
  for (let i = 0; i < 256; i++) {
    suffix[i] = i;
    first[i] = i;
    length[i] = 1;
  }
  const outLen = out.length;
  const inBits = input.length * 8;
  let bitPos = 0;
  let width = 9;
  let next = 258;
  let prev = -1;
  let o = 0;
  while (o < outLen && bitPos + width <= inBits) {
    // read `width` bits MSB-first
    const byte = bitPos >>> 3;
    const word = (((input[byte] as number) << 16) | ((input[byte + 1] ?? 0) << 8) | (input[byte + 2] ?? 0)) >>> 0;
    const code = (word >>> (24 - (bitPos & 7) - width)) & ((1 << width) - 1);
    bitPos += width;
    if (code === EOI) break;
    if (code === CLEAR) {
      width = 9;
      next = 258;
      prev = -1;
      continue;
    }
    let emit: number;
    if (prev < 0) {
      if (code > 255) throw new WsiError('CorruptFile', `LZW: first code after a clear is ${code}`);
      out[o++] = code;
      prev = code;
      continue;
    }
    if (code < next) {
      emit = code;
    } else if (code === next) {
      emit = prev; // KwKwK case: the string of prev plus its own first byte
    } else {
      throw new WsiError('CorruptFile', `LZW: code ${code} is not yet defined (next is ${next})`);
    }
    const len = length[emit] as number;
    // write the string for `emit` backwards, clipped to the output
    let e = emit;
    let end = o + len;
    let k = end - 1;
    while (k >= outLen) {
      e = prefix[e] as number;
      k--;
    }
    for (; k >= o; k--) {
      out[k] = suffix[e] as number;
      e = prefix[e] as number;
    }
    if (code === next) {
      if (end < outLen) out[end] = first[prev] as number;
      end++;
    }
    if (next < MAX_CODES) {
      prefix[next] = prev;
      suffix[next] = first[code === next ? prev : code] as number;
      first[next] = first[prev] as number;
      length[next] = (length[prev] as number) + 1;
      next++;
    }
    o = Math.min(end, outLen);
    prev = code;
    if (next + 1 >= 1 << width && width < 12) width++;
  }
  return o;
}
