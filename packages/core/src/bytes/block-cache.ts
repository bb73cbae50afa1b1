import { WsiError } from '../errors.js';
import type { ByteSource, ReadOptions } from './byte-source.js';
import { abortedError, checkRange, closedError } from './range.js';

/**
 * Options of {@link BlockCache}.
 *
 * @example
 * ```ts
 * const opts: BlockCacheOptions = { blockSize: 256 * 1024, maxBytes: 128 << 20 };
 * ```
 */
export interface BlockCacheOptions {
  /** Block size in bytes; reads are rounded out to whole blocks. Default 64 KiB. */
  blockSize?: number;
  /** Most bytes kept; least-recently-used blocks are evicted beyond it. Default 64 MiB. */
  maxBytes?: number;
  /** Reads of at least this many bytes skip the cache. Default 16 blocks. */
  bypassBytes?: number;
}

/**
 * Counters for tests and benchmarks.
 *
 * @example
 * ```ts
 * const { hits, misses } = cache.stats;
 * console.log(`hit rate ${(hits / (hits + misses)).toFixed(2)}`);
 * ```
 */
export interface BlockCacheStats {
  /** Blocks served from the cache or from a fetch another read had already started. */
  hits: number;
  /** Blocks that had to be fetched. */
  misses: number;
  /** Bytes read from the inner source (including bypassed reads). */
  bytesFetched: number;
  /** Calls to the inner source's `read`. */
  innerReads: number;
}

/** One inner read covering blocks `first … first + count − 1`, shared by every caller that needs them. */
interface Fetch {
  first: number;
  count: number;
  controller: AbortController;
  waiters: number;
  settled: boolean;
  promise: Promise<Uint8Array[]>;
}

/**
 * A read-through LRU cache of fixed-size blocks in front of any {@link ByteSource} (itself a ByteSource, so
 * wrappers compose). Consecutive missing blocks of one read are fetched with one inner read; concurrent reads of
 * the same block share one fetch (a caller's abort rejects only that caller; the fetch is cancelled only when
 * nobody waits for it any more); reads of `bypassBytes` or more go straight to the inner source.
 * Results are fresh copies, safe to modify.
 *
 * @example
 * ```ts
 * import { BlockCache, openHttpSource } from '@wsi/core';
 * const src = new BlockCache(await openHttpSource(url), { blockSize: 256 * 1024 });
 * await src.read(0, 8);
 * console.log(src.stats); // { hits: 0, misses: 1, bytesFetched: 262144, innerReads: 1 }
 * ```
 */
export class BlockCache implements ByteSource {
  readonly description: string;
  readonly blockSize: number;
  readonly maxBytes: number;
  readonly bypassBytes: number;
  readonly #inner: ByteSource;
  readonly #blocks = new Map<number, Uint8Array>();
  readonly #pending = new Map<number, Fetch>();
  readonly #stats: BlockCacheStats = { hits: 0, misses: 0, bytesFetched: 0, innerReads: 0 };
  #bytes = 0;
  #size: Promise<number> | undefined;
  #closed = false;

  /**
   * @param inner The source to cache (closed by {@link BlockCache.close}).
   * @example
   * ```ts
   * const cached = new BlockCache(await openFileSource('a.svs'), { maxBytes: 16 << 20 });
   * ```
   */
  constructor(inner: ByteSource, options: BlockCacheOptions = {}) {
    this.#inner = inner;
    this.description = inner.description;
    this.blockSize = positiveInt(options.blockSize ?? 64 * 1024, 'blockSize');
    this.maxBytes = nonNegativeInt(options.maxBytes ?? 64 * 1024 * 1024, 'maxBytes');
    this.bypassBytes = positiveInt(options.bypassBytes ?? 16 * this.blockSize, 'bypassBytes');
  }

  /** The wrapped source. */
  get inner(): ByteSource {
    return this.#inner;
  }

  /** A snapshot of the counters. */
  get stats(): BlockCacheStats {
    return { ...this.#stats };
  }

  /** Bytes currently cached. */
  get cachedBytes(): number {
    return this.#bytes;
  }

  /** The inner source's size (asked once). */
  size(): Promise<number> {
    if (!this.#size) {
      this.#size = this.#inner.size();
      this.#size.catch(() => {
        this.#size = undefined;
      });
    }
    return this.#size;
  }

  /** Reads through the cache; see the class notes. */
  async read(offset: number, length: number, options: ReadOptions = {}): Promise<Uint8Array> {
    const { signal } = options;
    if (signal?.aborted) throw abortedError(signal, this.description);
    if (this.#closed) throw closedError(this.description);
    const size = await this.size();
    if (signal?.aborted) throw abortedError(signal, this.description);
    if (this.#closed) throw closedError(this.description);
    checkRange(this.description, offset, length, size);
    if (length === 0) return new Uint8Array(0);
    if (length >= this.bypassBytes) {
      this.#stats.innerReads++;
      this.#stats.bytesFetched += length;
      return this.#inner.read(offset, length, options);
    }
    const bs = this.blockSize;
    const first = Math.floor(offset / bs);
    const last = Math.floor((offset + length - 1) / bs);
    // Per block: cached data now, or the fetch that will bring it (started here for runs of missing blocks).
    const parts: (Uint8Array | Fetch)[] = [];
    let run = -1;
    const startRun = (end: number) => {
      if (run < 0) return;
      const f = this.#startFetch(run, end - run, size);
      for (let b = run; b < end; b++) parts.push(f);
      run = -1;
    };
    for (let b = first; b <= last; b++) {
      const hit = this.#blocks.get(b);
      const pending = hit ? undefined : this.#pending.get(b);
      if (hit || pending) {
        startRun(b);
        this.#stats.hits++;
        if (hit) {
          this.#blocks.delete(b); // refresh LRU order
          this.#blocks.set(b, hit);
          parts.push(hit);
        } else parts.push(pending as Fetch);
      } else {
        this.#stats.misses++;
        if (run < 0) run = b;
      }
    }
    startRun(last + 1);
    const fetches = [...new Set(parts.filter((p): p is Fetch => !(p instanceof Uint8Array)))];
    const results = fetches.length ? await this.#await(fetches, signal) : [];
    const out = new Uint8Array(length);
    for (let b = first; b <= last; b++) {
      const p = parts[b - first] as Uint8Array | Fetch;
      const block =
        p instanceof Uint8Array ? p : ((results[fetches.indexOf(p)] as Uint8Array[])[b - p.first] as Uint8Array);
      const blockStart = b * bs;
      const from = Math.max(offset, blockStart);
      const to = Math.min(offset + length, blockStart + block.length);
      out.set(block.subarray(from - blockStart, to - blockStart), from - offset);
    }
    return out;
  }

  /** Drops every cached block (stats are kept). */
  clear(): void {
    this.#blocks.clear();
    this.#bytes = 0;
  }

  /** Drops the cache, cancels shared fetches and closes the inner source. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.clear();
    for (const f of this.#pending.values()) f.controller.abort();
    this.#pending.clear();
    await this.#inner.close();
  }

  #startFetch(first: number, count: number, size: number): Fetch {
    const bs = this.blockSize;
    const start = first * bs;
    const end = Math.min(size, (first + count) * bs);
    const controller = new AbortController();
    this.#stats.innerReads++;
    this.#stats.bytesFetched += end - start;
    const f: Fetch = { first, count, controller, waiters: 0, settled: false, promise: undefined as never };
    f.promise = this.#inner.read(start, end - start, { signal: controller.signal }).then(
      (data) => {
        f.settled = true;
        const blocks: Uint8Array[] = [];
        for (let i = 0; i < count; i++) {
          const view = data.subarray(i * bs, Math.min(data.length, (i + 1) * bs));
          // Own each block's memory so eviction really frees it and callers cannot alias the cache.
          const owned = count === 1 && data.byteOffset === 0 && data.byteLength === data.buffer.byteLength;
          const block = owned ? data : view.slice();
          blocks.push(block);
          if (this.#pending.get(first + i) === f) {
            this.#pending.delete(first + i);
            if (!this.#closed) this.#store(first + i, block);
          }
        }
        return blocks;
      },
      (err: unknown) => {
        f.settled = true;
        for (let i = 0; i < count; i++) if (this.#pending.get(first + i) === f) this.#pending.delete(first + i);
        throw err;
      },
    );
    f.promise.catch(() => {});
    for (let i = 0; i < count; i++) this.#pending.set(first + i, f);
    return f;
  }

  /** Waits for shared fetches; an abort rejects this caller only and cancels fetches nobody else awaits. */
  #await(fetches: Fetch[], signal: AbortSignal | undefined): Promise<Uint8Array[][]> {
    for (const f of fetches) f.waiters++;
    const all = Promise.all(fetches.map((f) => f.promise));
    all.catch(() => {});
    return new Promise((resolve, reject) => {
      const release = () => {
        for (const f of fetches) f.waiters--;
      };
      const onAbort = () => {
        release();
        for (const f of fetches) {
          if (f.waiters === 0 && !f.settled) {
            for (let i = 0; i < f.count; i++)
              if (this.#pending.get(f.first + i) === f) this.#pending.delete(f.first + i);
            f.controller.abort();
          }
        }
        reject(abortedError(signal as AbortSignal, this.description));
      };
      if (signal?.aborted) return onAbort();
      signal?.addEventListener('abort', onAbort, { once: true });
      all.then(
        (v) => {
          signal?.removeEventListener('abort', onAbort);
          release();
          resolve(v);
        },
        (e: unknown) => {
          signal?.removeEventListener('abort', onAbort);
          release();
          reject(e);
        },
      );
    });
  }

  #store(index: number, block: Uint8Array): void {
    if (block.length > this.maxBytes) return;
    const old = this.#blocks.get(index);
    if (old) {
      this.#blocks.delete(index);
      this.#bytes -= old.length;
    }
    this.#blocks.set(index, block);
    this.#bytes += block.length;
    for (const [k, v] of this.#blocks) {
      if (this.#bytes <= this.maxBytes) break;
      this.#blocks.delete(k);
      this.#bytes -= v.length;
    }
  }
}

function positiveInt(v: number, name: string): number {
  if (!(Number.isSafeInteger(v) && v > 0))
    throw new WsiError('InvalidArgument', `${name} must be a positive integer, got ${v}`);
  return v;
}

function nonNegativeInt(v: number, name: string): number {
  if (!(Number.isSafeInteger(v) && v >= 0)) {
    throw new WsiError('InvalidArgument', `${name} must be a non-negative integer, got ${v}`);
  }
  return v;
}
