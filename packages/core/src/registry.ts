/**
 * Small registries: decoders keyed by what identifies them (a TIFF Compression tag, a DICOM transfer syntax),
 * and formats detected by content (magic bytes, vendor tags), never by file extension alone.
 */
import type { ByteSource } from './bytes/byte-source.js';
import { WsiError } from './errors.js';

/**
 * A map of implementations keyed by an identifier, with a clear error for unknown keys.
 *
 * @example
 * ```ts
 * const decoders = new Registry<number, (b: Uint8Array) => Uint8Array>('TIFF compression');
 * decoders.register(1, (b) => b);
 * decoders.require(1)(new Uint8Array(4));
 * ```
 */
export class Registry<K, V> {
  readonly #items = new Map<K, V>();

  /** @param kind What the keys are, for error messages ("TIFF compression", "transfer syntax"). */
  constructor(readonly kind: string) {}

  /** Adds or replaces the entry for `key`. */
  register(key: K, value: V): this {
    this.#items.set(key, value);
    return this;
  }

  get(key: K): V | undefined {
    return this.#items.get(key);
  }

  has(key: K): boolean {
    return this.#items.has(key);
  }

  keys(): K[] {
    return [...this.#items.keys()];
  }

  /** The entry for `key`, or `WsiError('UnsupportedFormat')` naming the kind and key. */
  require(key: K): V {
    const v = this.#items.get(key);
    if (v === undefined) {
      throw new WsiError('UnsupportedFormat', `unsupported ${this.kind}: ${String(key)}`, {
        details: { kind: this.kind, key: String(key) },
      });
    }
    return v;
  }
}

/**
 * What a format module sees when asked whether it reads a source.
 *
 * @example
 * ```ts
 * const probe: FormatProbe = { head: await source.read(0, 4096), source, location: 'slide.svs' };
 * const slide = await slideFormats.open(probe);
 * ```
 */
export interface FormatProbe {
  /** The first bytes of the source (up to 64 KiB, fewer for small files). */
  head: Uint8Array;
  /** The whole source, for formats that must look further (a TIFF's first IFD, a companion file). */
  source: ByteSource;
  /** The path or URL the user gave, when there is one (for companion files such as MIRAX's folder). */
  location?: string;
}

/**
 * A file format that can be detected by content and opened.
 *
 * @typeParam T What opening yields (a `Slide`, an annotation set…).
 *
 * @example
 * ```ts
 * const myFormat: FormatModule<Slide> = {
 *   id: 'my-format',
 *   priority: 10,
 *   detect: ({ head }) => head[0] === 0x4d,
 *   open: async ({ source }) => openMySlide(source),
 * };
 * ```
 */
export interface FormatModule<T, O = unknown> {
  /** A stable id (`aperio`, `generic-tiff`, `ndpi`…). */
  id: string;
  /** Higher runs first; a vendor-specific TIFF flavour outranks generic TIFF. Default 0. */
  priority?: number;
  /** True when this module reads the probed bytes. Must not throw for foreign input. */
  detect(probe: FormatProbe): boolean | Promise<boolean>;
  open(probe: FormatProbe, options?: O): Promise<T>;
}

/**
 * Formats tried in priority order; the first whose `detect` accepts the probe opens it.
 *
 * @example
 * ```ts
 * const formats = new FormatRegistry<Slide>('slide format');
 * formats.register(aperioFormat).register(genericTiffFormat);
 * const slide = await formats.open({ head, source });
 * ```
 */
export class FormatRegistry<T, O = unknown> {
  readonly #modules: FormatModule<T, O>[] = [];

  constructor(readonly kind: string) {}

  register(module: FormatModule<T, O>): this {
    const i = this.#modules.findIndex((m) => m.id === module.id);
    if (i >= 0) this.#modules.splice(i, 1);
    this.#modules.push(module);
    this.#modules.sort((a, b) => (b.priority ?? 0) - (a.priority ?? 0));
    return this;
  }

  list(): readonly FormatModule<T, O>[] {
    return this.#modules;
  }

  /** The first module that accepts the probe, or undefined. */
  async detect(probe: FormatProbe): Promise<FormatModule<T, O> | undefined> {
    for (const m of this.#modules) {
      if (await m.detect(probe)) return m;
    }
    return undefined;
  }

  /** Detects and opens, or rejects with `UnsupportedFormat`. */
  async open(probe: FormatProbe, options?: O): Promise<T> {
    const m = await this.detect(probe);
    if (!m) {
      throw new WsiError('UnsupportedFormat', `${probe.source.description}: not a recognised ${this.kind}`, {
        details: { magic: hex(probe.head.subarray(0, 8)) },
      });
    }
    return m.open(probe, options);
  }
}

function hex(b: Uint8Array): string {
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}
