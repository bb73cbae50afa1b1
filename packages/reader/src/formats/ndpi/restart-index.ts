/**
 * Where each restart interval of an NDPI page's JPEG starts. The MCU-start tags (65426 low / 65432 high 32 bits)
 * say so, but they can be wrong: every extent read is checked against the RSTn marker that must end it, and on the
 * first mismatch (or a missing / implausible tag) the page is scanned once for its markers instead.
 */
import { type ByteSource, throwIfAborted, WsiError } from '@wsi/core';
import { intervalData } from './jpeg-layout.js';
import type { SyncFile } from './sync-file.js';

/** Bytes read per step when scanning a page for restart markers. */
const SCAN_CHUNK = 4 << 20;
/** MCU-start entries read at a time: the table is read in blocks as reads need them, not whole at first use. */
const TAG_BLOCK = 4096;

/**
 * Reads entries `[first, first + n)` of a page's MCU-start table (low and high words combined), or resolves to
 * undefined when the tag is absent, malformed or unreadable (the page is then scanned for its markers).
 *
 * @example
 * ```ts
 * const read: McuStartReader = async (first, n) => Float64Array.from(await entries(first, n));
 * ```
 */
export type McuStartReader = (first: number, n: number) => Promise<Float64Array | undefined>;

/** Where interval `i` starts (`count` → the strip length). */
type OffsetOf = (i: number) => number;

/**
 * Interval start offsets (relative to the page's strip) with lazy verification and a marker-scan fallback.
 *
 * @example
 * ```ts
 * const index = new RestartIndex(source, stripOffset, stripLength, scanStart, count, readTagEntries, 'page 0');
 * const pieces = await index.readIntervals(10, 12); // entropy data of intervals 10 and 11
 * ```
 */
export class RestartIndex {
  /** Blocks of the MCU-start table read so far (undefined: not yet). */
  readonly #blocks: (Float64Array | undefined)[] = [];
  readonly #loading = new Map<number, Promise<Float64Array | undefined>>();
  /** False once the tag was found absent, implausible or wrong: the scanned offsets are used from then on. */
  #tagUsable: boolean;
  #scanned: Promise<Float64Array> | undefined;
  /** True once the offsets come from a marker scan (for tests and diagnostics). */
  scanned = false;

  constructor(
    readonly source: ByteSource,
    readonly stripOffset: number,
    readonly stripLength: number,
    readonly scanStart: number,
    readonly count: number,
    /** Reads MCU-start tag entries on demand (so opening a slide and a first read stay cheap); undefined: no tag. */
    readonly readTag: McuStartReader | undefined,
    readonly what: string,
    /** Synchronous reads of the same file, when it is local (see sync-file.ts). */
    readonly sync?: SyncFile,
  ) {
    this.#tagUsable = readTag !== undefined;
  }

  /**
   * The tag's offsets covering intervals `[first, end]` of every run (`end` inclusive: where the run stops), its
   * blocks read and sanity-checked as needed; undefined when the tag is unusable (→ scan).
   */
  async #tagOffsets(list: readonly (readonly [number, number])[]): Promise<OffsetOf | undefined> {
    if (!this.#tagUsable) return undefined;
    const want = new Set<number>();
    for (const [a, b] of list) {
      const last = Math.min(b, this.count - 1);
      for (let k = Math.floor(a / TAG_BLOCK); k <= Math.floor(last / TAG_BLOCK); k++) if (!this.#blocks[k]) want.add(k);
    }
    for (const k of want) {
      const block = await this.#block(k);
      if (!block) {
        this.#tagUsable = false;
        return undefined;
      }
    }
    const blocks = this.#blocks;
    const count = this.count;
    const length = this.stripLength;
    return (i) =>
      i >= count ? length : ((blocks[Math.floor(i / TAG_BLOCK)] as Float64Array)[i % TAG_BLOCK] as number);
  }

  /** Block `k` of the table, read once; undefined when unreadable or implausible. */
  #block(k: number): Promise<Float64Array | undefined> {
    let p = this.#loading.get(k);
    if (!p) {
      const first = k * TAG_BLOCK;
      const n = Math.min(TAG_BLOCK, this.count - first);
      p = (this.readTag as McuStartReader)(first, n).then(
        (v) => {
          const ok =
            v && v.length === n && plausible(v, first === 0 ? this.scanStart : -1, this.scanStart, this.stripLength);
          if (ok) this.#blocks[k] = v;
          return ok ? v : undefined;
        },
        () => undefined,
      );
      this.#loading.set(k, p);
    }
    return p;
  }

  /**
   * The entropy-coded data of intervals `[first, end)` (which must be consecutive in the stream), each without
   * its trailing marker. Throws `CorruptFile` when the data do not end with the markers they must.
   */
  readIntervals(first: number, end: number, signal?: AbortSignal): Promise<Uint8Array[]> {
    return this.readRuns([[first, end]], signal);
  }

  /**
   * Like {@link readIntervals} for several runs of intervals (one per MCU row of a logical tile or window), read
   * with one I/O when they lie within `maxSpan` bytes of each other (a few reads of the page cache beat many small
   * reads), else one read per run — synchronous reads when the file is local.
   */
  async readRuns(
    runs: readonly (readonly [number, number])[],
    signal?: AbortSignal,
    maxSpan = 1 << 20,
  ): Promise<Uint8Array[]> {
    if (runs.length === 0) return [];
    const tagged = await this.#tagOffsets(runs);
    if (tagged) {
      const got = await this.#readAll(tagged, runs, signal, maxSpan);
      if (got) return got;
      this.#tagUsable = false; // the tag lied: scan
    }
    const offsets = await this.#scan(signal);
    const got = await this.#readAll((i) => offsets[i] as number, runs, signal, maxSpan);
    if (!got) {
      throw new WsiError(
        'CorruptFile',
        `${this.what}: restart interval ${(runs[0] as readonly [number, number])[0]} does not end with its restart marker`,
      );
    }
    return got;
  }

  /** All runs, in one read when they are close and the source is remote, else a read per run. */
  async #readAll(
    at: OffsetOf,
    runs: readonly (readonly [number, number])[],
    signal: AbortSignal | undefined,
    maxSpan: number,
  ): Promise<Uint8Array[] | undefined> {
    const first = runs[0] as readonly [number, number];
    const last = runs[runs.length - 1] as readonly [number, number];
    if (runs.length === 1 || (!this.sync && at(last[1]) - at(first[0]) <= maxSpan)) return this.#read(at, runs, signal);
    // local: synchronous reads one after another; remote: the runs' requests in flight together
    const parts: (Uint8Array[] | undefined)[] = [];
    if (this.sync) for (const run of runs) parts.push(await this.#read(at, [run], signal));
    else parts.push(...(await Promise.all(runs.map((run) => this.#read(at, [run], signal)))));
    const out: Uint8Array[] = [];
    for (const got of parts) {
      if (!got) return undefined;
      for (const piece of got) out.push(piece);
    }
    return out;
  }

  async #read(
    at: OffsetOf,
    list: readonly (readonly [number, number])[],
    signal?: AbortSignal,
  ): Promise<Uint8Array[] | undefined> {
    const start = at((list[0] as readonly [number, number])[0]);
    const stop = at((list[list.length - 1] as readonly [number, number])[1]);
    if (!(stop > start)) return undefined;
    const bytes = this.sync
      ? this.sync.read(this.stripOffset + start, stop - start)
      : await this.source.read(this.stripOffset + start, stop - start, signal ? { signal } : {});
    if (bytes.length !== stop - start) throw new WsiError('CorruptFile', `${this.what}: scan data cut short`);
    const out: Uint8Array[] = [];
    for (const [first, end] of list) {
      for (let i = first; i < end; i++) {
        const a = at(i) - start;
        const b = at(i + 1) - start;
        if (!(a >= 0 && b > a && b <= bytes.length)) return undefined;
        const data = intervalData(bytes.subarray(a, b), i === this.count - 1 ? -1 : i % 8);
        if (!data) return undefined;
        out.push(data);
      }
    }
    return out;
  }

  /** Scans the strip once for RST markers; the interval count and marker sequence must come out right. */
  #scan(signal?: AbortSignal): Promise<Float64Array> {
    this.#scanned ??= this.#doScan(signal);
    return this.#scanned;
  }

  async #doScan(signal?: AbortSignal): Promise<Float64Array> {
    const o = new Float64Array(this.count + 1);
    o[0] = this.scanStart;
    let n = 1;
    let prevFF = false;
    for (let pos = this.scanStart; pos < this.stripLength && n < this.count; ) {
      throwIfAborted(signal);
      const len = Math.min(SCAN_CHUNK, this.stripLength - pos);
      const chunk = await this.source.read(this.stripOffset + pos, len, signal ? { signal } : {});
      if (chunk.length !== len) throw new WsiError('CorruptFile', `${this.what}: scan data cut short`);
      for (let i = 0; i < len; i++) {
        const v = chunk[i] as number;
        if (prevFF && v >= 0xd0 && v <= 0xd7) {
          if (v !== 0xd0 + ((n - 1) % 8)) {
            throw new WsiError(
              'CorruptFile',
              `${this.what}: restart marker RST${v - 0xd0} out of sequence at interval ${n}`,
            );
          }
          o[n++] = pos + i + 1;
          if (n === this.count) break;
        }
        prevFF = v === 0xff;
      }
      pos += len;
    }
    if (n !== this.count) {
      throw new WsiError(
        'CorruptFile',
        `${this.what}: found ${n - 1} restart markers, the frame needs ${this.count - 1}`,
        {
          details: { found: n - 1, expected: this.count - 1 },
        },
      );
    }
    o[this.count] = this.stripLength;
    this.scanned = true;
    return o;
  }
}

/** Increasing, inside the scan data, and (for the table's first block) starting where the scan starts. */
function plausible(offsets: Float64Array, firstMustBe: number, scanStart: number, stripLength: number): boolean {
  if (firstMustBe >= 0 && offsets[0] !== firstMustBe) return false;
  let prev = scanStart - 1;
  for (let i = 0; i < offsets.length; i++) {
    const v = offsets[i] as number;
    if (!Number.isSafeInteger(v) || v <= prev || v >= stripLength) return false;
    prev = v;
  }
  return true;
}
