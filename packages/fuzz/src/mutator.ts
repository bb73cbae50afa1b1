/**
 * Random mutations: generic byte-level edits for any file, and the field-aware ones for TIFF, DICOM and MIRAX
 * companions (Index.dat int32 pointers, Slidedat.ini keys).
 */
import type { Mutation } from './mutations.js';
import type { Rng } from './rng.js';
import { encodeUint } from './tiff-fields.js';

/**
 * 1–4 generic edits: bit flips, byte sets, truncations, extensions, chunk duplication and removal.
 *
 * @example
 * ```ts
 * const muts = genericMutations(fileSize, new Rng(9));
 * ```
 */
export function genericMutations(size: number, rng: Rng): Mutation[] {
  const out: Mutation[] = [];
  const n = 1 + rng.int(4);
  // bias positions toward the head, where the structure lives
  const pos = () => (rng.chance(0.5) ? rng.int(Math.min(size, 4096)) : rng.int(size));
  for (let i = 0; i < n; i++) {
    switch (rng.int(8)) {
      case 0:
      case 1:
        out.push({ op: 'flip', at: pos(), bit: rng.int(8) });
        break;
      case 2:
      case 3: {
        const width = rng.pick([1, 2, 4]);
        const v = rng.interesting();
        out.push({ op: 'set', at: pos(), bytes: encodeUint(v, width, rng.chance(0.5)) });
        break;
      }
      case 4:
        out.push({ op: 'truncate', size: rng.chance(0.5) ? rng.int(Math.min(size, 8192)) : rng.int(size) });
        break;
      case 5:
        out.push({ op: 'extend', count: 1 + rng.int(4096), fill: rng.pick([0, 0xff, rng.int(256)]) });
        break;
      case 6:
        out.push({ op: 'dup', from: pos(), length: 1 + rng.int(512), at: pos() });
        break;
      default:
        out.push({ op: 'cut', at: pos(), length: 1 + rng.int(512) });
    }
  }
  return out;
}

/**
 * Index.dat corruption: every field after the header is a little-endian int32 pointer, count, offset, length or
 * file number, so edits pick aligned int32s and set them to interesting values, earlier positions (page-chain
 * loops) or positions past the end.
 *
 * @example
 * ```ts
 * const muts = corruptIndexDat(bytes.length, headerLength, new Rng(2));
 * ```
 */
export function corruptIndexDat(size: number, headerLength: number, rng: Rng): Mutation[] {
  const out: Mutation[] = [];
  const slots = Math.floor((size - headerLength) / 4);
  if (slots <= 0) return out;
  const n = 1 + rng.int(3);
  for (let i = 0; i < n; i++) {
    const at = headerLength + 4 * rng.int(slots);
    const v = rng.pick([
      0,
      1,
      -1,
      at - 4,
      at,
      headerLength + 4 * rng.int(slots),
      size,
      size + 4,
      0x7fffffff,
      -0x80000000,
      rng.int(1 << 20),
    ]);
    out.push({ op: 'set', at, bytes: encodeUint(v >>> 0, 4, true), why: `Index.dat int32 at ${at}` });
  }
  return out;
}

/** `key = value` lines of an ini file with their byte offsets (ASCII keys; the BOM counts as bytes). */
function iniLines(bytes: Uint8Array): { start: number; end: number; valueAt: number; key: string }[] {
  const lines: { start: number; end: number; valueAt: number; key: string }[] = [];
  let start = 0;
  for (let i = 0; i <= bytes.length; i++) {
    if (i === bytes.length || bytes[i] === 0x0a) {
      const text = new TextDecoder().decode(bytes.subarray(start, i));
      const eq = text.indexOf('=');
      if (eq > 0) {
        const valueText = text.slice(eq + 1).replace(/^\s+/, '');
        const valueAt = start + new TextEncoder().encode(text.slice(0, text.length - valueText.length)).length;
        lines.push({ start, end: i, valueAt, key: text.slice(0, eq).trim() });
      } else if (text.startsWith('[')) lines.push({ start, end: i, valueAt: -1, key: text.trim() });
      start = i + 1;
    }
  }
  return lines;
}

/**
 * Slidedat.ini corruption: a key's value replaced (0, negative, huge, empty, text, another key's name), a line
 * deleted or duplicated, a section header mangled.
 *
 * @example
 * ```ts
 * const muts = corruptIni(iniBytes, new Rng(4));
 * ```
 */
export function corruptIni(bytes: Uint8Array, rng: Rng): Mutation[] {
  const lines = iniLines(bytes);
  if (lines.length === 0) return [];
  const out: Mutation[] = [];
  const n = 1 + rng.int(2);
  // apply from the end backwards so earlier offsets stay valid
  const picks = Array.from({ length: n }, () => rng.pick(lines)).sort((a, b) => b.start - a.start);
  for (const line of picks) {
    const kind = rng.int(5);
    if ((kind <= 1 && line.valueAt >= 0) || (kind === 4 && line.valueAt >= 0)) {
      let end = line.end;
      if (bytes[end - 1] === 0x0d) end--;
      const value = rng.pick(['0', '-1', '', '4294967296', '99999999', 'abc', '1e308', 'NaN', '0.0', '-2147483648']);
      out.push({ op: 'cut', at: line.valueAt, length: end - line.valueAt, why: `value of ${line.key}` });
      out.push({ op: 'insert', at: line.valueAt, bytes: Array.from(value, (c) => c.charCodeAt(0)) });
    } else if (kind === 2) {
      out.push({ op: 'cut', at: line.start, length: line.end + 1 - line.start, why: `delete ${line.key}` });
    } else if (kind === 3) {
      out.push({
        op: 'dup',
        from: line.start,
        length: line.end + 1 - line.start,
        at: line.start,
        why: `dup ${line.key}`,
      });
    } else {
      out.push({
        op: 'set',
        at: line.start,
        bytes: [rng.pick([0x5b, 0x5d, 0x3d, 0x20, 0x00])],
        why: `mangle ${line.key}`,
      });
    }
  }
  return out;
}
