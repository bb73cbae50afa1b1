/**
 * One TIFF image file directory: its entries, the small values read at parse time, and lazy access to the big
 * arrays (tile offsets and byte counts of huge levels) read only when a level is first used.
 */
import { type ByteSource, WsiError } from '@wsi/core';
import { TAG, TYPE, TYPE_SIZE } from './tags.js';

/**
 * One directory entry, with its value's absolute location.
 *
 * @example
 * ```ts
 * const entry: TiffEntry | undefined = ifd.entries.get(TAG.ImageDescription);
 * ```
 */
export interface TiffEntry {
  tag: number;
  type: number;
  count: number;
  /** Absolute file offset of the value bytes (inside the entry itself for small values). */
  valueOffset: number;
  /** `count × size(type)`. */
  byteLength: number;
}

/**
 * Context shared by all directories of one file.
 *
 * @example
 * ```ts
 * const { littleEndian, bigTiff }: TiffContext = (await parseTiff(source)).ctx;
 * ```
 */
export interface TiffContext {
  source: ByteSource;
  size: number;
  littleEndian: boolean;
  bigTiff: boolean;
  /**
   * NDPI over 4 GiB: classic TIFF whose header and next-directory pointers are 64-bit and whose entries' high
   * 32 bits follow each directory (see `parser.ts`). Unset for every other file.
   */
  ndpi64?: boolean;
}

const UTF8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Tags whose values are never loaded at parse time (arrays with one element per tile or strip, and NDPI's
 * per-restart-interval MCU starts 65426 / 65432).
 */
export const LAZY_TAGS: ReadonlySet<number> = new Set([
  TAG.TileOffsets,
  TAG.TileByteCounts,
  TAG.StripOffsets,
  TAG.StripByteCounts,
  65426,
  65432,
]);

/** Out-of-line values up to this size are read when the directory is parsed; bigger ones on demand. */
export const EAGER_VALUE_BYTES = 4 << 20;

/**
 * A parsed directory. Scalar and small-array getters are synchronous; big arrays load through
 * {@link TiffIfd.loadArray}.
 *
 * @example
 * ```ts
 * const tiff = await parseTiff(source);
 * const ifd = tiff.ifds[0]!;
 * console.log(ifd.number(TAG.ImageWidth), ifd.string(TAG.ImageDescription));
 * ```
 */
export class TiffIfd {
  /** Child directories named by the SubIFDs tag (reduced-resolution levels of OME and other pyramids). */
  subIfds: TiffIfd[] = [];
  readonly #values = new Map<number, Uint8Array>();
  readonly #arrays = new Map<number, Promise<Float64Array>>();

  constructor(
    readonly ctx: TiffContext,
    /** File offset of the directory. */
    readonly offset: number,
    /** Position in the main IFD chain (−1 for a SubIFD). */
    readonly index: number,
    readonly entries: ReadonlyMap<number, TiffEntry>,
  ) {}

  /** @internal Stores the raw bytes of a value read at parse time. */
  setRaw(tag: number, bytes: Uint8Array): void {
    this.#values.set(tag, bytes);
  }

  has(tag: number): boolean {
    return this.entries.has(tag);
  }

  /** Raw value bytes, when loaded. */
  raw(tag: number): Uint8Array | undefined {
    return this.#values.get(tag);
  }

  /** All numeric values of a loaded tag (rationals as quotients), or undefined when absent. */
  numbers(tag: number): number[] | undefined {
    const e = this.entries.get(tag);
    const raw = this.#values.get(tag);
    if (!e || !raw) return undefined;
    return decodeNumbers(raw, e.type, e.count, this.ctx.littleEndian);
  }

  /** The first numeric value of a tag, or `fallback`. */
  number(tag: number, fallback?: number): number | undefined {
    const v = this.numbers(tag);
    return v && v.length > 0 ? v[0] : fallback;
  }

  /** An ASCII tag as a string (up to the first NUL; UTF-8 when valid, else Latin-1), or undefined. */
  string(tag: number): string | undefined {
    const raw = this.#values.get(tag);
    if (!raw) return undefined;
    let end = raw.indexOf(0);
    if (end < 0) end = raw.length;
    const bytes = raw.subarray(0, end);
    try {
      return UTF8.decode(bytes);
    } catch {
      return new TextDecoder('latin1').decode(bytes);
    }
  }

  /** A tag's value bytes, reading them now when they were too big to load at parse time. */
  async bytes(tag: number, signal?: AbortSignal): Promise<Uint8Array | undefined> {
    const have = this.#values.get(tag);
    if (have) return have;
    const e = this.entries.get(tag);
    if (!e) return undefined;
    checkValueRange(this.ctx, e);
    return this.ctx.source.read(e.valueOffset, e.byteLength, { signal });
  }

  /**
   * An integer array tag (TileOffsets, TileByteCounts…) as a `Float64Array`, read once and cached.
   * `expected` is the element count the image geometry requires: fewer is `CorruptFile`; the size is checked
   * against the file before anything is allocated.
   */
  loadArray(tag: number, expected: number, signal?: AbortSignal): Promise<Float64Array> {
    let p = this.#arrays.get(tag);
    if (!p) {
      p = this.#readArray(tag, expected, signal);
      this.#arrays.set(tag, p);
      p.catch(() => this.#arrays.delete(tag));
    }
    return p;
  }

  async #readArray(tag: number, expected: number, signal?: AbortSignal): Promise<Float64Array> {
    const e = this.entries.get(tag);
    if (!e) throw corrupt(this.ctx, `directory at ${this.offset} has no tag ${tag}`);
    if (
      e.type !== TYPE.SHORT &&
      e.type !== TYPE.LONG &&
      e.type !== TYPE.LONG8 &&
      e.type !== TYPE.IFD &&
      e.type !== TYPE.IFD8
    ) {
      throw corrupt(this.ctx, `tag ${tag} has non-integer type ${e.type}`);
    }
    if (e.count < expected) {
      throw corrupt(this.ctx, `tag ${tag} has ${e.count} values but the image needs ${expected}`, {
        tag,
        count: e.count,
        expected,
      });
    }
    checkValueRange(this.ctx, e);
    const size = TYPE_SIZE[e.type] as number;
    const raw = this.#values.get(tag) ?? (await this.ctx.source.read(e.valueOffset, expected * size, { signal }));
    return decodeOffsets(raw, e.type, expected, this.ctx.littleEndian);
  }
}

/**
 * An offsets/counts array (SHORT, LONG, LONG8 or IFD8) straight into a `Float64Array`: one typed loop, no
 * intermediate JS array (TileOffsets of a large slide hold hundreds of thousands of values).
 */
function decodeOffsets(raw: Uint8Array, type: number, count: number, le: boolean): Float64Array {
  const size = TYPE_SIZE[type] ?? 0;
  const n = Math.min(count, size > 0 ? Math.floor(raw.byteLength / size) : 0);
  const dv = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const out = new Float64Array(n);
  if (type === TYPE.LONG || type === TYPE.IFD) for (let i = 0; i < n; i++) out[i] = dv.getUint32(i * 4, le);
  else if (type === TYPE.SHORT) for (let i = 0; i < n; i++) out[i] = dv.getUint16(i * 2, le);
  else out.set(decodeNumbers(raw, type, n, le));
  return out;
}

/** Throws `CorruptFile` when an entry's value lies outside the file. */
export function checkValueRange(ctx: TiffContext, e: TiffEntry): void {
  if (e.valueOffset + e.byteLength > ctx.size) {
    throw corrupt(
      ctx,
      `tag ${e.tag} value (${e.byteLength} bytes at ${e.valueOffset}) extends past the end of the file (${ctx.size})`,
      {
        tag: e.tag,
        offset: e.valueOffset,
        length: e.byteLength,
      },
    );
  }
}

/** Decodes `count` values of `type` from raw bytes. 64-bit values beyond 2^53 become NaN (rejected by callers). */
export function decodeNumbers(raw: Uint8Array, type: number, count: number, le: boolean): number[] {
  const dv = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const size = TYPE_SIZE[type] ?? 0;
  const n = Math.min(count, size > 0 ? Math.floor(raw.byteLength / size) : 0);
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const o = i * size;
    switch (type) {
      case TYPE.BYTE:
      case TYPE.UNDEFINED:
      case TYPE.ASCII:
        out[i] = dv.getUint8(o);
        break;
      case TYPE.SBYTE:
        out[i] = dv.getInt8(o);
        break;
      case TYPE.SHORT:
        out[i] = dv.getUint16(o, le);
        break;
      case TYPE.SSHORT:
        out[i] = dv.getInt16(o, le);
        break;
      case TYPE.LONG:
      case TYPE.IFD:
        out[i] = dv.getUint32(o, le);
        break;
      case TYPE.SLONG:
        out[i] = dv.getInt32(o, le);
        break;
      case TYPE.RATIONAL:
        out[i] = dv.getUint32(o, le) / dv.getUint32(o + 4, le);
        break;
      case TYPE.SRATIONAL:
        out[i] = dv.getInt32(o, le) / dv.getInt32(o + 4, le);
        break;
      case TYPE.FLOAT:
        out[i] = dv.getFloat32(o, le);
        break;
      case TYPE.DOUBLE:
        out[i] = dv.getFloat64(o, le);
        break;
      case TYPE.LONG8:
      case TYPE.IFD8:
      case TYPE.SLONG8: {
        const v = type === TYPE.SLONG8 ? dv.getBigInt64(o, le) : dv.getBigUint64(o, le);
        out[i] = v > BigInt(Number.MAX_SAFE_INTEGER) || v < -BigInt(Number.MAX_SAFE_INTEGER) ? Number.NaN : Number(v);
        break;
      }
      default:
        out[i] = Number.NaN;
    }
  }
  return out;
}

/** A `CorruptFile` error naming the source. */
export function corrupt(
  ctx: Pick<TiffContext, 'source'>,
  message: string,
  details: Record<string, unknown> = {},
): WsiError {
  return new WsiError('CorruptFile', `${ctx.source.description}: ${message}`, {
    details: { source: ctx.source.description, ...details },
  });
}
