/**
 * Mutations as data: a list of primitive edits (bit flips, byte sets, truncations, extensions, chunk duplication)
 * that a recipe stores and a {@link MutatedSource} applies lazily over any base `ByteSource`, so a multi-GB seed is
 * never copied and a recipe never holds more than a few literal bytes.
 */
import { type ByteSource, MemorySource, type ReadOptions, WsiError } from '@wsi/core';

/**
 * One primitive edit. Offsets refer to the file as edited by the mutations before it.
 * @example
 * ```ts
 * const m: Mutation = { op: 'set', at: 16, bytes: [0xff, 0xff], why: 'ImageWidth' };
 * ```
 */
export type Mutation =
  | { op: 'flip'; at: number; bit: number; why?: string }
  | { op: 'set'; at: number; bytes: number[]; why?: string }
  | { op: 'truncate'; size: number; why?: string }
  | { op: 'extend'; count: number; fill: number; why?: string }
  | { op: 'dup'; from: number; length: number; at: number; why?: string }
  | { op: 'cut'; at: number; length: number; why?: string }
  | { op: 'insert'; at: number; bytes: number[]; why?: string };

/** A piece of the edited file: a range of the base source or literal bytes. */
type Segment = { base: number; length: number } | { bytes: Uint8Array };

function segLength(s: Segment): number {
  return 'bytes' in s ? s.bytes.length : s.length;
}

/** Splits the segment list so that a boundary falls at `pos`; returns the index of the segment starting there. */
function splitAt(segs: Segment[], pos: number): number {
  let start = 0;
  for (let i = 0; i < segs.length; i++) {
    const s = segs[i] as Segment;
    const len = segLength(s);
    if (pos === start) return i;
    if (pos < start + len) {
      const k = pos - start;
      const [a, b]: [Segment, Segment] =
        'bytes' in s
          ? [{ bytes: s.bytes.subarray(0, k) }, { bytes: s.bytes.subarray(k) }]
          : [
              { base: s.base, length: k },
              { base: s.base + k, length: len - k },
            ];
      segs.splice(i, 1, a, b);
      return i + 1;
    }
    start += len;
  }
  return segs.length;
}

function total(segs: Segment[]): number {
  let n = 0;
  for (const s of segs) n += segLength(s);
  return n;
}

/**
 * Most literal bytes one mutation may add (extensions are capped so a recipe cannot allocate without bound).
 * @example
 * ```ts
 * const edit: Mutation = { op: 'extend', count: MAX_EXTEND, fill: 0 };
 * ```
 */
export const MAX_EXTEND = 1 << 20;

/**
 * The edited file as segments over a base of `baseSize` bytes. `readBase` fills literal copies for `dup`.
 * @example
 * ```ts
 * const plan = new EditPlan(100);
 * plan.apply({ op: 'truncate', size: 10 });
 * plan.size; // 10
 * ```
 */
export class EditPlan {
  readonly segments: Segment[];

  constructor(baseSize: number) {
    this.segments = baseSize > 0 ? [{ base: 0, length: baseSize }] : [];
  }

  /** Current size of the edited file. */
  get size(): number {
    return total(this.segments);
  }

  /** Applies one mutation (out-of-range offsets are clamped into the file; empty files ignore edits). */
  apply(m: Mutation): void {
    const size = this.size;
    const clamp = (v: number, hi: number) => Math.max(0, Math.min(Math.floor(v), hi));
    switch (m.op) {
      case 'flip':
      case 'set': {
        if (size === 0) return;
        const at = clamp(m.at, size - 1);
        const bytes =
          m.op === 'set' ? m.bytes.slice(0, size - at) : [((this.byteAt(at) ?? 0) ^ (1 << (m.bit & 7))) & 0xff];
        const i = splitAt(this.segments, at);
        const j = splitAt(this.segments, at + bytes.length);
        this.segments.splice(i, j - i, { bytes: Uint8Array.from(bytes) });
        return;
      }
      case 'truncate': {
        const i = splitAt(this.segments, clamp(m.size, size));
        this.segments.length = i;
        return;
      }
      case 'extend':
        this.segments.push({ bytes: new Uint8Array(clamp(m.count, MAX_EXTEND)).fill(m.fill & 0xff) });
        return;
      case 'cut': {
        const at = clamp(m.at, size);
        const end = clamp(at + m.length, size);
        const i = splitAt(this.segments, at);
        const j = splitAt(this.segments, end);
        this.segments.splice(i, j - i);
        return;
      }
      case 'insert': {
        const at = splitAt(this.segments, clamp(m.at, size));
        this.segments.splice(at, 0, { bytes: Uint8Array.from(m.bytes.slice(0, MAX_EXTEND)) });
        return;
      }
      case 'dup': {
        const from = clamp(m.from, size);
        const end = clamp(from + Math.min(m.length, MAX_EXTEND), size);
        const i = splitAt(this.segments, from);
        const j = splitAt(this.segments, end);
        const copy = this.segments.slice(i, j);
        const at = splitAt(this.segments, clamp(m.at, this.size));
        this.segments.splice(at, 0, ...copy);
        return;
      }
    }
  }

  /** The byte at `pos` when it is literal; `undefined` for base bytes (resolved by {@link MutatedSource}). */
  byteAt(pos: number): number | undefined {
    let start = 0;
    for (const s of this.segments) {
      const len = segLength(s);
      if (pos < start + len) return 'bytes' in s ? s.bytes[pos - start] : undefined;
      start += len;
    }
    return undefined;
  }
}

/**
 * A `ByteSource` showing `base` with `mutations` applied. Flips of base bytes are resolved by reading the base once
 * at construction (see {@link MutatedSource.create}).
 *
 * @example
 * ```ts
 * import { MemorySource } from '@wsi/core';
 * const src = await MutatedSource.create(new MemorySource(bytes), [{ op: 'truncate', size: 100 }]);
 * await src.size(); // 100
 * ```
 */
export class MutatedSource implements ByteSource {
  readonly description: string;
  #plan: EditPlan;
  #base: ByteSource;
  #closed = false;

  private constructor(base: ByteSource, plan: EditPlan) {
    this.#base = base;
    this.#plan = plan;
    this.description = `${base.description} (mutated)`;
  }

  /** Builds the edited view; `flip` of a base byte reads that byte from `base`. */
  static async create(base: ByteSource, mutations: readonly Mutation[]): Promise<MutatedSource> {
    const plan = new EditPlan(await base.size());
    const src = new MutatedSource(base, plan);
    for (const m of mutations) {
      if (m.op === 'flip' && plan.size > 0) {
        const at = Math.max(0, Math.min(Math.floor(m.at), plan.size - 1));
        const cur = plan.byteAt(at) ?? (await src.#readPlan(at, 1))[0] ?? 0;
        plan.apply({ op: 'set', at, bytes: [(cur ^ (1 << (m.bit & 7))) & 0xff] });
      } else plan.apply(m);
    }
    return src;
  }

  async size(): Promise<number> {
    return this.#plan.size;
  }

  async read(offset: number, length: number, options: ReadOptions = {}): Promise<Uint8Array> {
    if (options.signal?.aborted) throw new WsiError('Aborted', `${this.description}: the read was aborted`);
    if (this.#closed) throw new WsiError('InvalidArgument', `${this.description}: read after close()`);
    if (!Number.isSafeInteger(offset) || offset < 0 || !Number.isSafeInteger(length) || length < 0) {
      throw new WsiError(
        'InvalidArgument',
        `${this.description}: invalid byte range (offset ${offset}, length ${length})`,
      );
    }
    if (offset + length > this.#plan.size) {
      throw new WsiError('CorruptFile', `${this.description}: read of ${length} bytes at ${offset} past the end`);
    }
    return this.#readPlan(offset, length);
  }

  async #readPlan(offset: number, length: number): Promise<Uint8Array> {
    const out = new Uint8Array(length);
    let start = 0;
    const end = offset + length;
    for (const s of this.#plan.segments) {
      const len = segLength(s);
      const a = Math.max(offset, start);
      const b = Math.min(end, start + len);
      if (a < b) {
        if ('bytes' in s) out.set(s.bytes.subarray(a - start, b - start), a - offset);
        else out.set(await this.#base.read(s.base + (a - start), b - a), a - offset);
      }
      start += len;
      if (start >= end) break;
    }
    return out;
  }

  async close(): Promise<void> {
    this.#closed = true;
    await this.#base.close();
  }
}

/**
 * Applies mutations to bytes in memory (for small companion files written to a temp folder).
 *
 * @example
 * ```ts
 * const edited = await mutateBytes(iniBytes, [{ op: 'set', at: 10, bytes: [0x30] }]);
 * ```
 */
export async function mutateBytes(bytes: Uint8Array, mutations: readonly Mutation[]): Promise<Uint8Array> {
  const src = await MutatedSource.create(new MemorySource(bytes), mutations);
  return src.read(0, await src.size());
}
