/**
 * `openSlide`: a path, an `http(s)://` URL (range requests behind a block cache) or a ByteSource → a slide,
 * detected by content.
 */
import { type ByteSource, type OpenByteSourceOptions, type Slide, WsiError, isWsiError, openByteSource } from '@wsi/core';
import { slideFormats } from './formats/index.js';
import type { TiffSlide, TiffSlideOptions } from './slide/tiff-slide.js';

/** Options of {@link openSlide}. */
export interface OpenSlideOptions extends TiffSlideOptions {
  /** Byte-source options (HTTP retries, headers, block cache) passed to core's `openByteSource`. */
  source?: OpenByteSourceOptions;
}

/** Bytes read to probe a file's format. */
const PROBE_BYTES = 64 * 1024;

/**
 * Opens a slide. Local paths and `file:` URLs read the file; `http(s)://` URLs use range requests with block
 * caching (a remote slide opens with a few requests); a `ByteSource` or `Uint8Array` is read as given.
 * Unknown content → `WsiError('UnsupportedFormat')`; a damaged TIFF → `CorruptFile`; a missing file → `NotFound`.
 *
 * @example
 * ```ts
 * import { openSlide } from '@wsi/reader';
 * const slide = await openSlide('https://example.org/CMU-1.svs');
 * console.log(slide.format, slide.levels.length, slide.mpp);
 * const rgba = await slide.readRegion({ x: 1000, y: 1000, level: 0, width: 256, height: 256 });
 * await slide.close();
 * ```
 */
export async function openSlide(input: string | URL | ByteSource | Uint8Array, options: OpenSlideOptions = {}): Promise<TiffSlide> {
  const source = await openByteSource(input, options.source ?? {});
  try {
    const size = await source.size();
    const head = await source.read(0, Math.min(PROBE_BYTES, size));
    const location = typeof input === 'string' || input instanceof URL ? String(input) : undefined;
    const slide: Slide = await slideFormats.open({ head, source, ...(location ? { location } : {}) }, options);
    return slide as TiffSlide;
  } catch (err) {
    await source.close().catch(() => {});
    if (isWsiError(err)) throw err;
    throw new WsiError('CorruptFile', `${source.description}: ${(err as Error).message}`, { cause: err });
  }
}
