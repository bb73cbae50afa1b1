/**
 * A decoded-tile cache bounded in bytes (least recently used out first), with request coalescing: while a tile
 * is being decoded, every other request for it waits on the same promise, so a tile shared by two patches is
 * read and decoded once. Evicted tiles whose pixels came from a {@link BufferPool} go back to it (reusable one
 * macrotask later), so a long scan decodes into recycled memory.
 */
import { type Raster, WsiError } from '@wsi/core';
import { type BufferPool, sharedBufferPool } from './buffer-pool.js';

/**
 * Default byte budget of a slide's tile cache (OpenSlide's is 32 MiB).
 *
 * @example
 * ```ts
 * const cache = new TileCache(4 * DEFAULT_TILE_CACHE_BYTES); // shared by several slides
 * ```
 */
export const DEFAULT_TILE_CACHE_BYTES = 64 << 20;

/**
 * An LRU of decoded tiles keyed by string, bounded in bytes.
 *
 * @example
 * ```ts
 * const cache = new TileCache(32 << 20);
 * const tile = await cache.get('0:3:4', () => decodeTileSomehow());
 * ```
 */
export class TileCache {
  readonly #items = new Map<string, Raster | null>();
  readonly #inflight = new Map<string, Promise<Raster | null>>();
  #bytes = 0;
  /** Tiles decoded (cache misses), for tests and benchmarks. */
  misses = 0;
  /** Requests answered from the cache or an in-flight decode. */
  hits = 0;

  readonly #pool: BufferPool;

  /**
   * @param maxBytes Budget for decoded pixels; 0 disables caching (coalescing still applies).
   * @param pool Where evicted tiles' pooled buffers go back (default: the process-wide pool).
   */
  constructor(
    readonly maxBytes: number = DEFAULT_TILE_CACHE_BYTES,
    pool: BufferPool = sharedBufferPool,
  ) {
    if (!(maxBytes >= 0)) throw new WsiError('InvalidArgument', `tile cache size must be ≥ 0, got ${maxBytes}`);
    this.#pool = pool;
  }

  /** True when `key` is cached or being decoded (a read of it would not start a decode). */
  has(key: string): boolean {
    return this.#items.has(key) || this.#inflight.has(key);
  }

  /** Bytes of decoded pixels currently held. */
  get bytes(): number {
    return this.#bytes;
  }

  /** The cached tile for `key`, or the result of `load()` (run once however many callers ask at the same time). */
  get(key: string, load: () => Promise<Raster | null>): Promise<Raster | null> {
    if (this.#items.has(key)) {
      const v = this.#items.get(key) as Raster | null;
      this.#items.delete(key);
      this.#items.set(key, v);
      this.hits++;
      return Promise.resolve(v);
    }
    const pending = this.#inflight.get(key);
    if (pending) {
      this.hits++;
      return pending;
    }
    this.misses++;
    const p = load().then(
      (v) => {
        this.#inflight.delete(key);
        this.#put(key, v);
        return v;
      },
      (err: unknown) => {
        this.#inflight.delete(key);
        throw err;
      },
    );
    this.#inflight.set(key, p);
    return p;
  }

  #put(key: string, v: Raster | null): void {
    const size = v ? v.data.byteLength : 64;
    if (size > this.maxBytes) {
      if (v) this.#pool.release(v.data);
      return;
    }
    this.#items.set(key, v);
    this.#bytes += size;
    for (const [k, old] of this.#items) {
      if (this.#bytes <= this.maxBytes) break;
      this.#items.delete(k);
      this.#drop(old);
    }
  }

  #drop(v: Raster | null): void {
    this.#bytes -= v ? v.data.byteLength : 64;
    if (v) this.#pool.release(v.data);
  }

  /** Drops every entry whose key starts with `prefix` (all of a slide's tiles). */
  evictPrefix(prefix: string): void {
    for (const [k, v] of this.#items) {
      if (k.startsWith(prefix)) {
        this.#items.delete(k);
        this.#drop(v);
      }
    }
  }

  /** Drops everything. */
  clear(): void {
    for (const v of this.#items.values()) this.#drop(v);
    this.#items.clear();
    this.#bytes = 0;
  }
}
