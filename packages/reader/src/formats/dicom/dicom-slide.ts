/**
 * {@link DicomSlide}: a DICOM WSI series (files or DICOMweb) as a `Slide`, with OpenSlide's region semantics from
 * {@link TiledSlide}; tiles are frames, located per level and decoded on demand.
 */
import {
  type AssociatedImageName,
  createRaster,
  isWsiError,
  levelDownsample,
  type Raster,
  type SlideLevel,
  type SlideReadOptions,
  WsiError,
} from '@wsi/core';
import { RGBA } from '../../slide/pixels.js';
import { copyWindow } from '../../slide/region.js';
import { TiledSlide, type TiledSlideOptions } from '../../slide/tiled-slide.js';
import { levelProperties } from '../../tiff/properties.js';
import { decodeFrame } from './codecs.js';
import { TAG } from './dictionary.js';
import type { DicomInstance } from './instance.js';
import { dicomBinary, dicomSequence } from './json.js';
import { dicomSlideProperties } from './properties.js';
import type { DicomImagePlan, DicomSeriesPlan } from './series.js';

/** Largest associated image we decode whole (pixels). */
const MAX_ASSOCIATED_PIXELS = 1 << 26;

/**
 * What {@link DicomSlide} is made from.
 *
 * @example
 * ```ts
 * new DicomSlide({ plan: planSeries(instances, dir), instances, description: dir });
 * ```
 */
export interface DicomSlideInit {
  plan: DicomSeriesPlan;
  /** Every instance opened (closed with the slide). */
  instances: readonly DicomInstance[];
  /** Folder, file or URL, for error messages. */
  description: string;
}

/**
 * A DICOM WSI slide. Made by `openSlide` for a folder, a list of `.dcm` files, one instance or a
 * `dicomweb+http(s)://` series URL.
 *
 * @example
 * ```ts
 * const slide = await openSlide('/data/dicom/cmu-1-small-region');
 * slide.format; // 'dicom'
 * const rgba = await slide.readRegion({ x: 0, y: 0, level: 0, width: 512, height: 512 });
 * ```
 */
export class DicomSlide extends TiledSlide {
  readonly #plan: DicomSeriesPlan;
  readonly #instances: readonly DicomInstance[];

  constructor(init: DicomSlideInit, options: TiledSlideOptions = {}) {
    const { plan } = init;
    const l0 = plan.levels[0];
    if (!l0) throw new WsiError('CorruptFile', `${init.description}: no pyramid level`);
    const levels: SlideLevel[] = plan.levels.map((l) => ({
      width: l.width,
      height: l.height,
      downsample: levelDownsample(l0.width, l0.height, l.width, l.height),
      tileWidth: l.tileWidth,
      tileHeight: l.tileHeight,
    }));
    const first = l0.instances[0] as DicomInstance;
    const { properties, mpp, objectivePower } = dicomSlideProperties(first.fileMeta, first.meta, plan.opticalPaths);
    super(
      {
        format: 'dicom',
        levels,
        layouts: levels.map(() => RGBA),
        properties: { ...properties, ...levelProperties(levels) },
        associatedImages: [...plan.associated.keys()],
        ...(mpp ? { mpp } : {}),
        ...(objectivePower !== undefined ? { objectivePower } : {}),
        description: init.description,
      },
      options,
    );
    this.#plan = plan;
    this.#instances = init.instances;
  }

  /** The encoded bytes of a level's tile (a JPEG, JPEG 2000… frame), or null for a tile a sparse tiling omits. */
  async readRawTile(
    level: number,
    col: number,
    row: number,
    options: SlideReadOptions = {},
  ): Promise<Uint8Array | null> {
    this.checkOpen();
    const plan = this.#plan.levels[this.checkLevel(level)] as DicomImagePlan;
    const ref = plan.locate(col, row);
    return ref ? ref.instance.readFrame(ref.frame, options.signal) : null;
  }

  /** The ICC profile of level 0's first optical path (its size is `openslide.icc-size`), or undefined. */
  async readIccProfile(): Promise<Uint8Array | undefined> {
    this.checkOpen();
    const first = (this.#plan.levels[0] as DicomImagePlan).instances[0] as DicomInstance;
    return dicomBinary(dicomSequence(first.meta, TAG.OpticalPathSequence)[0], TAG.ICCProfile);
  }

  /** The transfer syntax UID of a level's frames. */
  transferSyntax(level: number): string {
    return (this.#plan.levels[this.checkLevel(level)] as DicomImagePlan).info.transferSyntax;
  }

  async readAssociatedImage(name: AssociatedImageName, options: SlideReadOptions = {}): Promise<Raster> {
    this.checkOpen();
    const plan = this.#plan.associated.get(name);
    if (!plan)
      throw new WsiError('NotFound', `${this.description}: no associated image "${name}"`, {
        details: { available: this.associatedImages },
      });
    if (plan.width * plan.height > MAX_ASSOCIATED_PIXELS) {
      throw new WsiError(
        'InvalidArgument',
        `${this.description}: associated image "${name}" is ${plan.width}×${plan.height}, too large to decode whole`,
      );
    }
    const out = createRaster(plan.width, plan.height, 4);
    await copyWindow(
      plan,
      (c, r) => this.#decode(plan, c, r, options.signal),
      out,
      0,
      0,
      0,
      0,
      plan.width,
      plan.height,
    );
    return out;
  }

  protected decodeTile(level: number, col: number, row: number, signal?: AbortSignal): Promise<Raster | null> {
    return this.#decode(this.#plan.levels[level] as DicomImagePlan, col, row, signal);
  }

  protected async closeResources(): Promise<void> {
    await Promise.all(this.#instances.map((i) => i.close().catch(() => {})));
  }

  async #decode(plan: DicomImagePlan, col: number, row: number, signal?: AbortSignal): Promise<Raster | null> {
    const ref = plan.locate(col, row);
    if (!ref) return null;
    const bytes = await ref.instance.readFrame(ref.frame, signal);
    try {
      return await decodeFrame(bytes, plan.info, signal);
    } catch (err) {
      if (isWsiError(err)) {
        throw new WsiError(err.code, `${ref.instance.description}: frame ${ref.frame + 1}: ${err.message}`, {
          cause: err,
        });
      }
      throw new WsiError(
        'CorruptFile',
        `${ref.instance.description}: frame ${ref.frame + 1} does not decode: ${(err as Error).message}`,
        { cause: err },
      );
    }
  }
}
