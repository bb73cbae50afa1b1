/**
 * A tiny TIFF / BigTIFF writer for tests: uncompressed (or caller-encoded) tiles, either byte order, so every
 * structural corruption can be made by hand.
 */
export interface TestEntry {
  tag: number;
  type: number;
  values: readonly number[] | Uint8Array | string;
}

export interface TestImage {
  width: number;
  height: number;
  tileWidth: number;
  tileHeight: number;
  /** One buffer per tile, row-major. */
  tiles: Uint8Array[];
  compression?: number;
  samplesPerPixel?: number;
  photometric?: number;
  subfileType?: number;
  description?: string;
  extra?: TestEntry[];
}

const SIZE: Record<number, number> = { 1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 7: 1, 16: 8 };

/** Writes the images as one IFD chain. Returns the bytes and where each IFD starts. */
export function buildTiff(
  images: TestImage[],
  opts: { littleEndian?: boolean; bigTiff?: boolean } = {},
): { bytes: Uint8Array; ifdOffsets: number[] } {
  const le = opts.littleEndian ?? true;
  const big = opts.bigTiff ?? false;
  const chunks: Uint8Array[] = [];
  let pos = big ? 16 : 8;
  const place = (b: Uint8Array): number => {
    if (pos % 2) {
      chunks.push(new Uint8Array(1));
      pos++;
    }
    const at = pos;
    chunks.push(b);
    pos += b.length;
    return at;
  };
  const tileOffsets = images.map((img) => img.tiles.map((t) => place(t)));
  const ifdOffsets: number[] = [];
  images.forEach((img, k) => {
    const spp = img.samplesPerPixel ?? 3;
    const entries: TestEntry[] = [
      { tag: 254, type: 4, values: [img.subfileType ?? 0] },
      { tag: 256, type: 4, values: [img.width] },
      { tag: 257, type: 4, values: [img.height] },
      { tag: 258, type: 3, values: new Array(spp).fill(8) },
      { tag: 259, type: 3, values: [img.compression ?? 1] },
      { tag: 262, type: 3, values: [img.photometric ?? (spp >= 3 ? 2 : 1)] },
      ...(img.description !== undefined ? [{ tag: 270, type: 2, values: `${img.description}\0` }] : []),
      { tag: 277, type: 3, values: [spp] },
      { tag: 284, type: 3, values: [1] },
      { tag: 322, type: 4, values: [img.tileWidth] },
      { tag: 323, type: 4, values: [img.tileHeight] },
      { tag: 324, type: big ? 16 : 4, values: tileOffsets[k] as number[] },
      { tag: 325, type: 4, values: img.tiles.map((t) => t.length) },
      ...(img.extra ?? []),
    ].sort((a, b) => a.tag - b.tag);
    const valueBytes = (e: TestEntry): Uint8Array => {
      if (typeof e.values === 'string') return new TextEncoder().encode(e.values);
      if (e.values instanceof Uint8Array) return e.values;
      const size = SIZE[e.type] as number;
      const b = new Uint8Array(e.values.length * size);
      const dv = new DataView(b.buffer);
      e.values.forEach((v, i) => {
        if (size === 1) dv.setUint8(i, v);
        else if (size === 2) dv.setUint16(i * 2, v, le);
        else if (size === 4) dv.setUint32(i * 4, v, le);
        else if (e.type === 5) {
          dv.setUint32(i * 8, Math.round(v * 1000), le);
          dv.setUint32(i * 8 + 4, 1000, le);
        } else dv.setBigUint64(i * 8, BigInt(v), le);
      });
      return b;
    };
    const inlineMax = big ? 8 : 4;
    const outOfLine = entries.map((e) => {
      const b = valueBytes(e);
      return b.length > inlineMax ? place(b) : -1;
    });
    const entrySize = big ? 20 : 12;
    const ifd = new Uint8Array((big ? 8 : 2) + entries.length * entrySize + (big ? 8 : 4));
    const dv = new DataView(ifd.buffer);
    if (big) dv.setBigUint64(0, BigInt(entries.length), le);
    else dv.setUint16(0, entries.length, le);
    entries.forEach((e, i) => {
      const p = (big ? 8 : 2) + i * entrySize;
      const b = valueBytes(e);
      const count = typeof e.values === 'string' || e.values instanceof Uint8Array ? b.length : e.values.length;
      dv.setUint16(p, e.tag, le);
      dv.setUint16(p + 2, e.type, le);
      if (big) dv.setBigUint64(p + 4, BigInt(count), le);
      else dv.setUint32(p + 4, count, le);
      const vp = p + (big ? 12 : 8);
      if ((outOfLine[i] as number) >= 0) {
        if (big) dv.setBigUint64(vp, BigInt(outOfLine[i] as number), le);
        else dv.setUint32(vp, outOfLine[i] as number, le);
      } else ifd.set(b, vp);
    });
    ifdOffsets.push(place(ifd));
  });
  const out = new Uint8Array(pos);
  let o = big ? 16 : 8;
  for (const c of chunks) {
    out.set(c, o);
    o += c.length;
  }
  const dv = new DataView(out.buffer);
  dv.setUint8(0, le ? 0x49 : 0x4d);
  dv.setUint8(1, le ? 0x49 : 0x4d);
  dv.setUint16(2, big ? 43 : 42, le);
  if (big) {
    dv.setUint16(4, 8, le);
    dv.setBigUint64(8, BigInt(ifdOffsets[0] as number), le);
  } else dv.setUint32(4, ifdOffsets[0] as number, le);
  // chain: each IFD's next pointer → the following IFD
  for (let k = 0; k + 1 < ifdOffsets.length; k++)
    setNextIfd(out, ifdOffsets[k] as number, ifdOffsets[k + 1] as number, { littleEndian: le, bigTiff: big });
  return { bytes: out, ifdOffsets };
}

/** Rewrites the next-IFD pointer of the directory at `ifdOffset`. */
export function setNextIfd(
  bytes: Uint8Array,
  ifdOffset: number,
  next: number,
  opts: { littleEndian?: boolean; bigTiff?: boolean } = {},
): void {
  const le = opts.littleEndian ?? true;
  const big = opts.bigTiff ?? false;
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = big ? Number(dv.getBigUint64(ifdOffset, le)) : dv.getUint16(ifdOffset, le);
  const p = ifdOffset + (big ? 8 : 2) + n * (big ? 20 : 12);
  if (big) dv.setBigUint64(p, BigInt(next), le);
  else dv.setUint32(p, next, le);
}

/** Finds the entry for `tag` in the directory at `ifdOffset` and returns the byte offset of its value field. */
export function entryValueField(
  bytes: Uint8Array,
  ifdOffset: number,
  tag: number,
  opts: { littleEndian?: boolean } = {},
): number {
  const le = opts.littleEndian ?? true;
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = dv.getUint16(ifdOffset, le);
  for (let i = 0; i < n; i++) {
    const p = ifdOffset + 2 + i * 12;
    if (dv.getUint16(p, le) === tag) return p + 8;
  }
  throw new Error(`tag ${tag} not found`);
}

/** A solid RGB tile. */
export function solidTile(w: number, h: number, rgb: readonly [number, number, number]): Uint8Array {
  const t = new Uint8Array(w * h * 3);
  for (let i = 0; i < w * h; i++) t.set(rgb, i * 3);
  return t;
}

/** An RGB tile whose pixel (x, y) is (x + ox) & 255, (y + oy) & 255, 128 — every pixel position checkable. */
export function gradientTile(w: number, h: number, ox: number, oy: number): Uint8Array {
  const t = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) t.set([(x + ox) & 255, (y + oy) & 255, 128], (y * w + x) * 3);
  return t;
}
