/**
 * The decoded-image LRU of a MIRAX slide: one decode however many readers ask at once, a byte budget, and pixel
 * buffers of evicted images recycled into later decodes (camera images are all the same size, so steady random
 * reading allocates nothing). Images in use by a paint are pinned: their buffers are recycled only once released.
 */
import type { Raster } from '@wsi/core';

/** A cached image; `release()` it after painting. */
export interface ImageEntry {
  readonly raster: Raster<'uint8'>;
  pins: number;
  evicted: boolean;
}

const FREE_BUFFERS = 8;

/**
 * Pinned LRU of decoded images with buffer recycling.
 *
 * @example
 * ```ts
 * const cache = new ImageCache(64 << 20);
 * const e = await cache.acquire('0:17', (into) => decode(bytes, into));
 * paint(e.raster);
 * cache.release(e);
 * ```
 */
export class ImageCache {
  readonly #items = new Map<string, ImageEntry>();
  readonly #inflight = new Map<string, { promise: Promise<ImageEntry>; waiters: number }>();
  readonly #free: Uint8Array[] = [];
  #bytes = 0;
  hits = 0;
  misses = 0;

  constructor(readonly maxBytes: number) {}

  /** Bytes of decoded pixels held. */
  get bytes(): number {
    return this.#bytes;
  }

  /** True when `key` is cached or being decoded (acquiring it would not start a decode). */
  has(key: string): boolean {
    return this.#items.has(key) || this.#inflight.has(key);
  }

  /** The image for `key`, pinned; `load` gets a recycled buffer of `size` bytes when one is free. */
  acquire(
    key: string,
    size: number,
    load: (into: Uint8Array | undefined) => Promise<Raster<'uint8'>>,
  ): Promise<ImageEntry> {
    const hit = this.#items.get(key);
    if (hit) {
      this.#items.delete(key);
      this.#items.set(key, hit);
      hit.pins++;
      this.hits++;
      return Promise.resolve(hit);
    }
    const pending = this.#inflight.get(key);
    if (pending) {
      pending.waiters++;
      this.hits++;
      return pending.promise;
    }
    this.misses++;
    const into = this.#take(size);
    const rec = { waiters: 1, promise: undefined as unknown as Promise<ImageEntry> };
    rec.promise = load(into).then(
      (raster) => {
        if (into && raster.data !== into) this.#give(into);
        this.#inflight.delete(key);
        const entry: ImageEntry = { raster, pins: rec.waiters, evicted: false };
        this.#items.set(key, entry);
        this.#bytes += raster.data.byteLength;
        this.#evict();
        return entry;
      },
      (err: unknown) => {
        if (into) this.#give(into);
        this.#inflight.delete(key);
        throw err;
      },
    );
    this.#inflight.set(key, rec);
    return rec.promise;
  }

  /** Unpins an image acquired before. */
  release(entry: ImageEntry): void {
    entry.pins--;
    if (entry.evicted && entry.pins === 0) this.#give(entry.raster.data);
  }

  /** Drops everything (pinned images stay valid until released). */
  clear(): void {
    for (const e of this.#items.values()) e.evicted = true;
    this.#items.clear();
    this.#free.length = 0;
    this.#bytes = 0;
  }

  #evict(): void {
    for (const [key, e] of this.#items) {
      if (this.#bytes <= this.maxBytes) break;
      this.#items.delete(key);
      this.#bytes -= e.raster.data.byteLength;
      e.evicted = true;
      if (e.pins === 0) this.#give(e.raster.data);
    }
  }

  #take(size: number): Uint8Array | undefined {
    const i = this.#free.findIndex((b) => b.byteLength === size);
    return i < 0 ? undefined : this.#free.splice(i, 1)[0];
  }

  #give(buf: Uint8Array): void {
    if (this.#free.length < FREE_BUFFERS) this.#free.push(buf);
  }
}
