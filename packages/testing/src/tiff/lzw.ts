/**
 * TIFF LZW encoder (MSB-first codes, 9–12 bits, "early change" as libtiff decodes it).
 */

const CLEAR = 256;
const EOI = 257;
const FIRST = 258;
const CODE_MAX = 4095;

let table: Int32Array | undefined;
let stamp: Uint32Array | undefined;
let generation = 0;

/**
 * Compresses bytes with TIFF LZW (Compression = 5).
 *
 * @example
 * ```ts
 * const packed = lzwEncode(new Uint8Array([1, 1, 1, 1, 2, 2, 2, 2]));
 * ```
 */
export function lzwEncode(data: Uint8Array): Uint8Array {
  table ??= new Int32Array(4096 * 256);
  stamp ??= new Uint32Array(4096 * 256);
  const tab = table;
  const st = stamp;
  let out = new Uint8Array(Math.max(64, (data.length * 3) >> 1));
  let op = 0;
  let acc = 0;
  let accBits = 0;
  let width = 9;
  let next = FIRST;
  const put = (code: number): void => {
    acc = (acc << width) | code;
    accBits += width;
    while (accBits >= 8) {
      accBits -= 8;
      if (op >= out.length) {
        const grown = new Uint8Array(out.length * 2);
        grown.set(out);
        out = grown;
      }
      out[op++] = (acc >>> accBits) & 0xff;
    }
    acc &= (1 << accBits) - 1;
  };
  const reset = (): void => {
    generation = (generation + 1) >>> 0;
    if (generation === 0) {
      st.fill(0);
      generation = 1;
    }
    next = FIRST;
  };
  reset();
  put(CLEAR);
  if (data.length > 0) {
    let prefix = data[0] as number;
    for (let i = 1; i < data.length; i++) {
      const b = data[i] as number;
      const key = prefix * 256 + b;
      if (st[key] === generation) {
        prefix = tab[key] as number;
        continue;
      }
      put(prefix);
      tab[key] = next;
      st[key] = generation;
      next++;
      if (next === CODE_MAX - 1) {
        put(CLEAR);
        width = 9;
        reset();
      } else if (next > (1 << width) - 1) {
        width++;
      }
      prefix = b;
    }
    put(prefix);
    next++;
    if (next === CODE_MAX - 1) {
      put(CLEAR);
      width = 9;
    } else if (next > (1 << width) - 1) {
      width++;
    }
  }
  put(EOI);
  if (accBits > 0) {
    if (op >= out.length) {
      const grown = new Uint8Array(out.length + 8);
      grown.set(out);
      out = grown;
    }
    out[op++] = (acc << (8 - accBits)) & 0xff;
  }
  return out.slice(0, op);
}
