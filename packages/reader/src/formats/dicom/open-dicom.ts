/**
 * Opening DICOM WSI series: a folder, a list of `.dcm` files, one instance (its folder is searched for the rest of
 * its series, as OpenSlide does) or a `dicomweb+http(s)://…/studies/S/series/R` URL; and the `dicom` format module
 * that content detection uses.
 */
import { readdir, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import {
  type ByteSource,
  type FormatModule,
  isWsiError,
  type OpenByteSourceOptions,
  openByteSource,
  type Slide,
  WsiError,
} from '@wsi/core';
import type { TiledSlideOptions } from '../../slide/tiled-slide.js';
import { DicomSlide } from './dicom-slide.js';
import { type DicomWebOptions, isDicomWebUrl, openDicomWebSeries, parseDicomWebUrl } from './dicomweb.js';
import { type FileInstance, isDicomHeader, openDicomFile } from './file-instance.js';
import type { DicomInstance } from './instance.js';
import { planSeries } from './series.js';

/**
 * Options of {@link openDicomSlide}.
 *
 * @example
 * ```ts
 * const o: OpenDicomOptions = { dicomweb: { headers: { authorization: 'Bearer …' } }, cacheBytes: 64 << 20 };
 * ```
 */
export interface OpenDicomOptions extends TiledSlideOptions {
  /** Byte-source options for each file (a `headers` entry is also used for DICOMweb requests). */
  source?: OpenByteSourceOptions;
  /** DICOMweb request options (auth headers, timeout). */
  dicomweb?: DicomWebOptions;
}

/** Most files a folder may hold for us to scan it. */
const MAX_FOLDER_FILES = 100_000;

/**
 * True for what {@link openDicomSlide} opens without content detection: a DICOMweb URL, a list of paths, or a
 * local folder.
 *
 * @example
 * ```ts
 * await isDicomInput('/data/dicom/slide-1'); // true for a folder
 * ```
 */
export async function isDicomInput(input: unknown): Promise<boolean> {
  if (isDicomWebUrl(input)) return true;
  if (Array.isArray(input)) return input.every((p) => typeof p === 'string');
  if (typeof input !== 'string' || /^[a-z][a-z0-9+.-]*:\/\//i.test(input)) return false;
  try {
    return (await stat(input)).isDirectory();
  } catch {
    return false;
  }
}

/**
 * Opens a DICOM WSI series. Folders and lists: every readable DICOM file is parsed (headers only), the series
 * with the largest VOLUME image is kept. No DICOM WSI → `UnsupportedFormat`; a damaged one → `CorruptFile`.
 *
 * @example
 * ```ts
 * const slide = await openDicomSlide('/data/dicom/cmu-1-small-region');
 * const web = await openDicomSlide('dicomweb+https://pacs/wado/studies/1.2/series/3.4', {
 *   dicomweb: { headers: { authorization: 'Bearer …' } },
 * });
 * ```
 */
export async function openDicomSlide(
  input: string | readonly string[],
  options: OpenDicomOptions = {},
): Promise<DicomSlide> {
  if (isDicomWebUrl(input)) {
    const headers = { ...options.source?.headers, ...options.dicomweb?.headers } as Record<string, string>;
    const instances = await openDicomWebSeries(parseDicomWebUrl(input), { ...options.dicomweb, headers });
    return buildSlide(instances, input, options);
  }
  if (typeof input === 'string') {
    const info = await statOrNotFound(input);
    if (info.isDirectory()) return buildSlide(await openFolder(input, undefined, options), input, options);
    const first = await openPath(input, options);
    if (!first) throw new WsiError('UnsupportedFormat', `${input}: not a DICOM file`);
    return openWithSiblings(first, input, options);
  }
  if (input.length === 0) throw new WsiError('InvalidArgument', 'an empty list of DICOM files');
  const instances: DicomInstance[] = [];
  try {
    for (const path of input) {
      const inst = await openPath(path, options);
      if (!inst) throw new WsiError('UnsupportedFormat', `${path}: not a DICOM file`);
      instances.push(inst);
    }
  } catch (err) {
    await closeAll(instances);
    throw err;
  }
  return buildSlide(instances, input[0] as string, options);
}

/** One instance already open (from content detection) plus the DICOM files next to it. */
async function openWithSiblings(
  first: FileInstance,
  location: string | undefined,
  options: OpenDicomOptions,
): Promise<DicomSlide> {
  const local = location !== undefined && !/^[a-z][a-z0-9+.-]*:\/\//i.test(location);
  if (!local) return buildSlide([first], location ?? first.description, options);
  let others: DicomInstance[];
  try {
    others = await openFolder(dirname(location), resolve(location), options);
  } catch (err) {
    await first.close();
    throw err;
  }
  return buildSlide([first, ...others], location, options);
}

async function statOrNotFound(path: string) {
  try {
    return await stat(path);
  } catch (err) {
    throw new WsiError('NotFound', `${path}: no such file or folder`, { cause: err });
  }
}

/** Opens a path as a DICOM instance; undefined when it is not DICOM (other errors propagate). */
async function openPath(path: string, options: OpenDicomOptions): Promise<FileInstance | undefined> {
  const source = await openByteSource(path, options.source ?? {});
  return openSourceOrUndefined(source);
}

async function openSourceOrUndefined(source: ByteSource): Promise<FileInstance | undefined> {
  try {
    const size = await source.size();
    if (!isDicomHeader(await source.read(0, Math.min(size, 132)))) {
      await source.close();
      return undefined;
    }
    return await openDicomFile(source);
  } catch (err) {
    await source.close().catch(() => {});
    throw err;
  }
}

/** Every DICOM file of a folder (not recursive; hidden files and `skip` left out), sorted by name. */
async function openFolder(dir: string, skip: string | undefined, options: OpenDicomOptions): Promise<DicomInstance[]> {
  const names = (await readdir(dir, { withFileTypes: true }))
    .filter((e) => e.isFile() && !e.name.startsWith('.'))
    .map((e) => e.name);
  if (names.length > MAX_FOLDER_FILES)
    throw new WsiError('InvalidArgument', `${dir}: ${names.length} files is more than we scan`);
  names.sort();
  const out: DicomInstance[] = [];
  try {
    for (const name of names) {
      const path = join(dir, name);
      if (skip !== undefined && resolve(path) === skip) continue;
      const inst = await openPath(path, options);
      if (inst) out.push(inst);
    }
  } catch (err) {
    await closeAll(out);
    throw err;
  }
  if (out.length === 0 && skip === undefined)
    throw new WsiError('UnsupportedFormat', `${dir}: no DICOM file in the folder`);
  return out;
}

async function closeAll(instances: readonly DicomInstance[]): Promise<void> {
  await Promise.all(instances.map((i) => i.close().catch(() => {})));
}

async function buildSlide(instances: DicomInstance[], where: string, options: OpenDicomOptions): Promise<DicomSlide> {
  try {
    const plan = planSeries(instances, where);
    await closeAll(plan.unused);
    const unused = new Set(plan.unused);
    const { cache, cacheBytes } = options;
    return new DicomSlide(
      { plan, instances: instances.filter((i) => !unused.has(i)), description: where },
      { ...(cache ? { cache } : {}), ...(cacheBytes !== undefined ? { cacheBytes } : {}) },
    );
  } catch (err) {
    await closeAll(instances);
    if (isWsiError(err)) throw err;
    throw new WsiError('CorruptFile', `${where}: ${(err as Error).message}`, { cause: err });
  }
}

/**
 * The `dicom` slide format for content detection: a Part 10 file (`DICM` at byte 128). Opening a local file also
 * reads the other instances of its series from the same folder.
 *
 * @example
 * ```ts
 * slideFormats.register(dicomFormat);
 * ```
 */
export const dicomFormat: FormatModule<Slide, TiledSlideOptions> = {
  id: 'dicom',
  priority: 50,
  detect: ({ head }) => isDicomHeader(head),
  async open(probe, options = {}) {
    const first = await openDicomFile(probe.source);
    return openWithSiblings(first, probe.location, options);
  },
};
