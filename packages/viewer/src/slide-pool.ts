/**
 * Opens registered slides on first use and keeps at most `maxOpen` of them open (least recently used idle slides
 * are closed), so serving a folder of a thousand slides holds a bounded number of file handles and caches.
 */
import type { Slide } from '@wsi/core';
import { openSlide } from '@wsi/reader';
import type { RegisteredSlide } from './registry.js';

interface Entry {
  slide: Promise<Slide>;
  refs: number;
  used: number;
}

/**
 * A bounded pool of open slides.
 *
 * @example
 * ```ts
 * const pool = new SlidePool(4);
 * const levels = await pool.use(registered, async (slide) => slide.levels.length);
 * await pool.closeAll();
 * ```
 */
export class SlidePool {
  readonly #entries = new Map<string, Entry>();
  #clock = 0;
  readonly #open: (path: string) => Promise<Slide>;

  /**
   * @param maxOpen - slides kept open at once when idle (default 8)
   * @param open - how a path is opened (default `openSlide` of @wsi/reader)
   */
  constructor(
    readonly maxOpen = 8,
    open: (path: string) => Promise<Slide> = (p) => openSlide(p),
  ) {
    this.#open = open;
  }

  /** Number of slides open (or opening) now. */
  get size(): number {
    return this.#entries.size;
  }

  /**
   * Runs `fn` with the slide open; the slide is not closed while any `use` of it runs.
   *
   * @example
   * ```ts
   * const w = await pool.use(s, async (slide) => slide.levels[0]?.width);
   * ```
   */
  async use<T>(s: RegisteredSlide, fn: (slide: Slide) => Promise<T>): Promise<T> {
    let e = this.#entries.get(s.id);
    if (!e) {
      e = { slide: this.#open(s.path), refs: 0, used: 0 };
      this.#entries.set(s.id, e);
      const created = e;
      e.slide.catch(() => {
        if (this.#entries.get(s.id) === created) this.#entries.delete(s.id);
      });
    }
    e.refs++;
    e.used = ++this.#clock;
    try {
      return await fn(await e.slide);
    } finally {
      e.refs--;
      await this.#evict();
    }
  }

  async #evict(): Promise<void> {
    while (this.#entries.size > this.maxOpen) {
      let oldest: [string, Entry] | undefined;
      for (const kv of this.#entries) if (kv[1].refs === 0 && (!oldest || kv[1].used < oldest[1].used)) oldest = kv;
      if (!oldest) return;
      this.#entries.delete(oldest[0]);
      await (await oldest[1].slide.catch(() => undefined))?.close().catch(() => {});
    }
  }

  /**
   * Closes every open slide.
   *
   * @example
   * ```ts
   * await pool.closeAll();
   * ```
   */
  async closeAll(): Promise<void> {
    const all = [...this.#entries.values()];
    this.#entries.clear();
    await Promise.all(all.map(async (e) => (await e.slide.catch(() => undefined))?.close().catch(() => {})));
  }
}
