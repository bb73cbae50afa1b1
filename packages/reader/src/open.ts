/**
 * `openSlide`: a path, an `http(s)://` URL (range requests behind a block cache) or a ByteSource → a slide,
 * detected by content.
 */
import {
  type ByteSource,
  isWsiError,
  type OpenByteSourceOptions,
  openByteSource,
  type Slide,
  WsiError,
} from '@wsi/core';
import { type DicomWebOptions, isDicomInput, openDicomSlide } from './formats/dicom/index.js';
import { slideFormats } from './formats/index.js';
import type { MiraxSlide } from './formats/mirax/mirax-slide.js';
import type { TiffSlide, TiffSlideOptions } from './slide/tiff-slide.js';
import type { TiledSlide } from './slide/tiled-slide.js';

/**
 * Options of {@link openSlide}.
 *
 * @example
 * ```ts
 * const slide = await openSlide('https://host/a.svs', { source: { headers: { authorization: 'Bearer …' } }, cacheBytes: 128 << 20 } satisfies OpenSlideOptions);
 * ```
 */
export interface OpenSlideOptions extends TiffSlideOptions {
  /** Byte-source options (HTTP retries, headers, block cache) passed to core's `openByteSource`. */
  source?: OpenByteSourceOptions;
  /** DICOMweb request options (auth headers, timeout) for `dicomweb+http(s)://` series URLs. */
  dicomweb?: DicomWebOptions;
}

/** Bytes read to probe a file's format (magic numbers; TIFF structure is read through the source as needed). */
const PROBE_BYTES = 4 * 1024;

/**
 * Block size of the cache in front of a remote slide when the caller does not choose one: small blocks, because a
 * TIFF's directories are scattered (one block each) and a tile read fetches its consecutive missing blocks in one
 * request anyway — a multi-MB SVS opens with a few 16 KiB requests.
 *
 * @example
 * ```ts
 * await openSlide(url, { source: { cache: { blockSize: 4 * REMOTE_BLOCK_SIZE } } }); // larger blocks instead
 * ```
 */
export const REMOTE_BLOCK_SIZE = 16 * 1024;

/**
 * What {@link openSlide} returns: a `Slide` of one of the reader's slide classes, each with `readRegions` (many
 * regions in flight, in order, optionally with recycled buffers). Narrow with `instanceof` for class-specific
 * methods such as `readRawTile` (TIFF, DICOM).
 *
 * @example
 * ```ts
 * const slide: OpenedSlide = await openSlide('slide.ndpi');
 * for await (const r of slide.readRegions(regions, { recycle: true })) use(r.raster);
 * ```
 */
export type OpenedSlide = TiffSlide | TiledSlide | MiraxSlide;

/**
 * Opens a slide. A folder, a list of `.dcm` paths or a `dicomweb+http(s)://…/studies/S/series/R` URL opens a DICOM
 * series. Local paths and `file:` URLs read the file; `http(s)://` URLs use range requests behind a
 * cache of {@link REMOTE_BLOCK_SIZE} blocks unless `options.source.cache` says otherwise (a remote slide opens with a
 * few small requests); a `ByteSource` or `Uint8Array` is read as given.
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
export async function openSlide(
  input: string | URL | ByteSource | Uint8Array | readonly string[],
  options: OpenSlideOptions = {},
): Promise<OpenedSlide> {
  // DICOM series: a folder, a list of .dcm files or a dicomweb+http(s):// URL (single .dcm files are detected below)
  if (await isDicomInput(input)) return openDicomSlide(input as string | readonly string[], options);
  if (Array.isArray(input)) throw new WsiError('InvalidArgument', 'a list of paths must name DICOM files');
  const remote = (typeof input === 'string' || input instanceof URL) && /^https?:\/\//i.test(String(input));
  const sourceOptions = options.source ?? {};
  const source = await openByteSource(
    input as string | URL | ByteSource | Uint8Array,
    remote && sourceOptions.cache === undefined
      ? { ...sourceOptions, cache: { blockSize: REMOTE_BLOCK_SIZE } }
      : sourceOptions,
  );
  try {
    const size = await source.size();
    const head = await source.read(0, Math.min(PROBE_BYTES, size));
    const location = typeof input === 'string' || input instanceof URL ? String(input) : undefined;
    const slide: Slide = await slideFormats.open({ head, source, ...(location ? { location } : {}) }, options);
    return slide as OpenedSlide;
  } catch (err) {
    await source.close().catch(() => {});
    if (isWsiError(err)) throw err;
    throw new WsiError('CorruptFile', `${source.description}: ${(err as Error).message}`, { cause: err });
  }
}
