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

/**
 * Interval start offsets (relative to the page's strip) with lazy verification and a marker-scan fallback.
 *
 * @example
 * ```ts
 * const index = new RestartIndex(source, stripOffset, stripLength, scanStart, count, async () => tagOffsets, 'page 0');
 * const pieces = await index.readIntervals(10, 12); // entropy data of intervals 10 and 11
 * ```
 */
export class RestartIndex {
  /** `count + 1` offsets; the last is the strip length. */
  #offsets: Float64Array | undefined;
  #loaded: Promise<void> | undefined;
  #scanned: Promise<Float64Array> | undefined;
  /** True once the offsets come from a marker scan (for tests and diagnostics). */
  scanned = false;

  constructor(
    readonly source: ByteSource,
    readonly stripOffset: number,
    readonly stripLength: number,
    readonly scanStart: number,
    readonly count: number,
    /** Loads the MCU-start tag (on first use, so that opening a slide stays cheap); undefined when absent. */
    readonly loadTag: () => Promise<ArrayLike<number> | undefined>,
    readonly what: string,
    /** Synchronous reads of the same file, when it is local (see sync-file.ts). */
    readonly sync?: SyncFile,
  ) {}

  /** Loads and sanity-checks the tag's offsets once; implausible or unreadable ones are dropped (→ scan). */
  #load(): Promise<void> {
    this.#loaded ??= this.loadTag().then(
      (tag) => {
        if (!tag || !plausible(tag, this.count, this.scanStart, this.stripLength)) return;
        const o = new Float64Array(this.count + 1);
        if (tag instanceof Float64Array) o.set(tag.subarray(0, this.count));
        else for (let i = 0; i < this.count; i++) o[i] = tag[i] as number;
        o[this.count] = this.stripLength;
        this.#offsets = o;
      },
      () => undefined,
    );
    return this.#loaded;
  }

  /**
   * The entropy-coded data of intervals `[first, end)` (which must be consecutive in the stream), each without
   * its trailing marker. Throws `CorruptFile` when the data do not end with the markers they must.
   */
  async readIntervals(first: number, end: number, signal?: AbortSignal): Promise<Uint8Array[]> {
    await this.#load();
    if (this.#offsets) {
      const got = await this.#read(this.#offsets, [[first, end]], signal);
      if (got) return got;
      this.#offsets = undefined; // the tag lied: scan
    }
    const offsets = await this.#scan(signal);
    const got = await this.#read(offsets, [[first, end]], signal);
    if (!got)
      throw new WsiError('CorruptFile', `${this.what}: restart interval ${first} does not end with its restart marker`);
    return got;
  }

  /**
   * Like {@link readIntervals} for several runs of intervals (one per MCU row of a logical tile), read with one
   * I/O when they lie within `maxSpan` bytes of each other (a few reads of the page cache beat many small reads).
   */
  async readRuns(
    runs: readonly (readonly [number, number])[],
    signal?: AbortSignal,
    maxSpan = 1 << 20,
  ): Promise<Uint8Array[]> {
    const first = runs[0];
    const last = runs[runs.length - 1];
    if (!first || !last) return [];
    await this.#load();
    if (runs.length > 1 && !this.sync) {
      const offsets = this.#offsets ?? (await this.#scan(signal));
      if ((offsets[last[1]] as number) - (offsets[first[0]] as number) <= maxSpan) {
        const got = await this.#read(offsets, runs, signal);
        if (got) return got;
        if (offsets === this.#offsets) {
          this.#offsets = undefined;
          const again = await this.#read(await this.#scan(signal), runs, signal);
          if (again) return again;
        }
        throw new WsiError(
          'CorruptFile',
          `${this.what}: restart interval ${first[0]} does not end with its restart marker`,
        );
      }
    }
    const parts = await Promise.all(runs.map(([a, b]) => this.readIntervals(a, b, signal)));
    return parts.flat();
  }

  async #read(
    offsets: Float64Array,
    list: readonly (readonly [number, number])[],
    signal?: AbortSignal,
  ): Promise<Uint8Array[] | undefined> {
    const start = offsets[(list[0] as readonly [number, number])[0]] as number;
    const stop = offsets[(list[list.length - 1] as readonly [number, number])[1]] as number;
    const bytes = this.sync
      ? this.sync.read(this.stripOffset + start, stop - start)
      : await this.source.read(this.stripOffset + start, stop - start, signal ? { signal } : {});
    if (bytes.length !== stop - start) throw new WsiError('CorruptFile', `${this.what}: scan data cut short`);
    const out: Uint8Array[] = [];
    for (const [first, end] of list) {
      for (let i = first; i < end; i++) {
        const a = (offsets[i] as number) - start;
        const b = (offsets[i + 1] as number) - start;
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

function plausible(offsets: ArrayLike<number>, count: number, scanStart: number, stripLength: number): boolean {
  if (offsets.length < count || offsets[0] !== scanStart) return false;
  let prev = scanStart - 1;
  for (let i = 0; i < count; i++) {
    const v = offsets[i] as number;
    if (!Number.isSafeInteger(v) || v <= prev || v >= stripLength) return false;
    prev = v;
  }
  return true;
}
