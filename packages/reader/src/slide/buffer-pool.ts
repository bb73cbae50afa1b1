/**
 * A pool of pixel buffers, so that the hot read path (tile decodes, region rasters) reuses memory instead of
 * allocating a fresh 256 KiB buffer per tile: on these VMs a fresh buffer costs more CPU (page faults, zeroing,
 * GC of external memory) than the libjpeg-turbo decode that fills it (see docs/performance.md).
 *
 * Only buffers the pool handed out can come back, and a released buffer becomes reusable one macrotask later
 * (`setImmediate`), so code that got a raster from a promise and copies it in the same microtask turn never sees
 * it overwritten.
 */
import { createRaster, type Raster, WsiError } from '@wsi/core';

/**
 * Default bound on the bytes a pool keeps idle (64 MiB).
 *
 * @example
 * ```ts
 * const pool = new BufferPool(DEFAULT_POOL_BYTES / 2);
 * ```
 */
export const DEFAULT_POOL_BYTES = 64 << 20;

/**
 * Free lists of `ArrayBuffer`s keyed by byte length, bounded in idle bytes.
 *
 * @example
 * ```ts
 * const pool = new BufferPool();
 * const px = pool.acquire(256 * 256 * 4); // Uint8Array, contents undefined
 * pool.release(px);                       // reusable from the next macrotask on
 * ```
 */
export class BufferPool {
  readonly #free = new Map<number, ArrayBuffer[]>();
  readonly #owned = new WeakSet<ArrayBuffer>();
  readonly #idle = new WeakSet<ArrayBuffer>();
  /** Buffers handed out by {@link acquireScratch} (released through views shorter than the buffer). */
  readonly #scratch = new WeakSet<ArrayBuffer>();
  #pending: ArrayBuffer[] = [];
  #scheduled = false;
  #idleBytes = 0;
  /** Buffers handed out that came from a free list (for benchmarks). */
  reused = 0;
  /** Buffers handed out that had to be allocated. */
  allocated = 0;

  /** @param maxIdleBytes Bytes kept on the free lists at most; more released buffers are left to the GC. */
  constructor(readonly maxIdleBytes: number = DEFAULT_POOL_BYTES) {
    if (!(maxIdleBytes >= 0)) throw new WsiError('InvalidArgument', `pool size must be ≥ 0, got ${maxIdleBytes}`);
  }

  /** Bytes currently idle on the free lists. */
  get idleBytes(): number {
    return this.#idleBytes;
  }

  /** A buffer of exactly `byteLength` bytes with undefined contents (zero it if you need zeros). */
  acquire(byteLength: number): Uint8Array {
    const list = this.#free.get(byteLength);
    const ab = list?.pop();
    if (ab) {
      this.#idle.delete(ab);
      this.#idleBytes -= byteLength;
      this.reused++;
      return new Uint8Array(ab);
    }
    this.allocated++;
    const fresh = new ArrayBuffer(byteLength);
    this.#owned.add(fresh);
    return new Uint8Array(fresh);
  }

  /**
   * A buffer of `byteLength` bytes (contents undefined) for sizes that vary from call to call — JPEG records, cropped
   * decodes — as the first `byteLength` bytes of a pooled buffer whose size is rounded up to a size class (2^k, 1.25,
   * 1.5 or 1.75 × 2^k: at most 25 % unused), so that buffers of nearby sizes are reused instead of each size getting
   * its own free list. Give it back with {@link release} like any other.
   *
   * @example
   * ```ts
   * const bytes = pool.acquireScratch(record.length); // bytes.length === record.length
   * pool.release(bytes);
   * ```
   */
  acquireScratch(byteLength: number): Uint8Array {
    if (!(Number.isSafeInteger(byteLength) && byteLength > 0)) return new Uint8Array(Math.max(0, byteLength | 0));
    const whole = this.acquire(sizeClass(byteLength));
    this.#scratch.add(whole.buffer as ArrayBuffer);
    return whole.subarray(0, byteLength);
  }

  /** True when `data` is a buffer this pool handed out (whole, or a scratch view of one), so it may be released. */
  owns(data: ArrayBufferView): boolean {
    const ab = data.buffer;
    if (!(ab instanceof ArrayBuffer) || !this.#owned.has(ab) || data.byteOffset !== 0) return false;
    return data.byteLength === ab.byteLength || this.#scratch.has(ab);
  }

  /**
   * Gives a buffer back; it is reused from the next macrotask on. Views of buffers the pool did not hand out, and
   * buffers already released, are ignored. The caller must not touch `data` afterwards.
   */
  release(data: ArrayBufferView): void {
    if (!this.owns(data)) return;
    const ab = data.buffer as ArrayBuffer;
    if (this.#idle.has(ab)) return;
    this.#idle.add(ab);
    this.#pending.push(ab);
    if (!this.#scheduled) {
      this.#scheduled = true;
      setImmediate(() => this.#flush());
    }
  }

  #flush(): void {
    this.#scheduled = false;
    const pending = this.#pending;
    this.#pending = [];
    for (const ab of pending) {
      if (this.#idleBytes + ab.byteLength > this.maxIdleBytes) {
        this.#idle.delete(ab);
        continue;
      }
      let list = this.#free.get(ab.byteLength);
      if (!list) {
        list = [];
        this.#free.set(ab.byteLength, list);
      }
      list.push(ab);
      this.#idleBytes += ab.byteLength;
    }
  }

  /** Drops every idle buffer. */
  clear(): void {
    this.#free.clear();
    this.#idleBytes = 0;
  }
}

/** The smallest of 2^k, 1.25, 1.5 and 1.75 × 2^k (k ≥ 12) that holds `n` bytes. */
function sizeClass(n: number): number {
  if (n <= 4096) return 4096;
  const k = 2 ** Math.floor(Math.log2(n));
  for (const f of [1, 1.25, 1.5, 1.75]) if (k * f >= n) return k * f;
  return 2 * k;
}

/**
 * The pool shared by every slide of the process (tile decodes and recycled region rasters).
 *
 * @example
 * ```ts
 * console.log(sharedBufferPool.reused, sharedBufferPool.allocated, sharedBufferPool.idleBytes);
 * ```
 */
export const sharedBufferPool: BufferPool = new BufferPool();

/**
 * A zeroed uint8 raster whose buffer comes from the shared pool (released by `readRegions` when recycling); a plain
 * allocation for sizes the pool does not serve.
 *
 * @example
 * ```ts
 * const r = pooledRaster(256, 256, 4);
 * sharedBufferPool.release(r.data as Uint8Array);
 * ```
 */
export function pooledRaster(width: number, height: number, channels: number): Raster {
  const n = width * height * channels;
  if (!(Number.isInteger(width) && Number.isInteger(height) && width > 0 && height > 0 && n <= 64 << 20)) {
    return createRaster(width, height, channels);
  }
  const data = sharedBufferPool.acquire(n);
  data.fill(0);
  return { width, height, channels, dtype: 'uint8', data };
}
