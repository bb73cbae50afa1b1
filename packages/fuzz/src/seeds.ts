/**
 * Seed files of the slide fuzz targets: real fixtures (read in place, never copied) and small files made by the
 * @wsi/testing writers in a temp folder. A seed is named by an id that a recipe stores.
 */
import { existsSync } from 'node:fs';
import { mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import {
  fixture,
  syntheticTissue,
  writeMirax,
  writeNdpi,
  writePhilipsTiff,
  writePyramidalTiff,
  writeSvs,
} from '@wsi/testing';

/**
 * How the target opens its seed: one file (as a ByteSource), a MIRAX slide or a DICOM series folder (both written
 * per case: mutated files as copies, the others as symlinks).
 * @example
 * ```ts
 * const kind: SeedKind = 'mirax';
 * ```
 */
export type SeedKind = 'file' | 'mirax' | 'dicom-folder';

/**
 * A seed as a recipe names it.
 * @example
 * ```ts
 * const spec: SeedSpec = { id: 'gen:svs', kind: 'file' };
 * ```
 */
export interface SeedSpec {
  /** `fixture:<relative path>` or `gen:<name>`. */
  id: string;
  kind: SeedKind;
}

/**
 * The slide fuzz targets: one per format family, with their seeds.
 * @example
 * ```ts
 * for (const spec of SLIDE_TARGETS.ndpi ?? []) console.log(spec.id);
 * ```
 */
export const SLIDE_TARGETS: Readonly<Record<string, readonly SeedSpec[]>> = {
  svs: [
    { id: 'fixture:aperio/CMU-1-Small-Region.svs', kind: 'file' },
    { id: 'fixture:aperio/tcga-cr-7395-01a-01-ts1.svs', kind: 'file' },
    { id: 'gen:svs', kind: 'file' },
  ],
  'generic-tiff': [
    { id: 'fixture:generic-tiff/small_HE_levels.tiff', kind: 'file' },
    { id: 'fixture:other/small_vectra.qptiff', kind: 'file' },
    { id: 'gen:pyramid-jpeg', kind: 'file' },
    { id: 'gen:pyramid-bigtiff-subifd', kind: 'file' },
  ],
  'ome-tiff': [
    { id: 'fixture:ome-tiff/OS-1-detail.ome.tif', kind: 'file' },
    { id: 'fixture:ome-tiff/OS-2-vsi.ome.tif', kind: 'file' },
  ],
  philips: [{ id: 'gen:philips', kind: 'file' }],
  ndpi: [
    { id: 'fixture:hamamatsu/test3-DAPI-2-387.ndpi', kind: 'file' },
    { id: 'gen:ndpi', kind: 'file' },
  ],
  mirax: [{ id: 'gen:mirax', kind: 'mirax' }],
  dicom: [
    { id: 'fixture:dicom/cmu-1-small-region/level-0-frames-0-30.dcm', kind: 'file' },
    { id: 'fixture:dicom/cmu-1-small-region/level-3-frames-0-1.dcm', kind: 'file' },
    { id: 'fixture:dicom/cmu-1-small-region', kind: 'dicom-folder' },
  ],
};

/** Where each generated seed is written inside the seed folder. */
const GENERATED: Record<string, string> = {
  'gen:svs': 'gen.svs',
  'gen:pyramid-jpeg': 'pyramid-jpeg.tif',
  'gen:pyramid-bigtiff-subifd': 'pyramid-bigtiff-subifd.tif',
  'gen:philips': 'philips.tiff',
  'gen:ndpi': 'gen.ndpi',
  'gen:mirax': 'gen.mrxs',
};

/**
 * The path of a seed, generating it into `dir` when needed; `undefined` for a fixture that is absent.
 *
 * @example
 * ```ts
 * const p = await seedPath('gen:svs', '/tmp/wsi-fuzz-seeds');
 * ```
 */
export async function seedPath(id: string, dir: string): Promise<string | undefined> {
  if (id.startsWith('fixture:')) return fixture(id.slice('fixture:'.length));
  const name = GENERATED[id];
  if (!name) throw new Error(`unknown seed ${id}`);
  const path = join(dir, name);
  if (existsSync(path)) return path;
  await mkdir(dir, { recursive: true });
  const source = syntheticTissue({ width: 1200, height: 900, seed: 5 });
  switch (id) {
    case 'gen:svs':
      await writeSvs(path, { source, tileSize: 256, levels: [1, 4], thumbnailSize: 256, quality: 70 });
      break;
    case 'gen:pyramid-jpeg':
      await writePyramidalTiff(path, { source, tileSize: 256, compression: 'jpeg', quality: 70, levels: 3, mpp: 0.5 });
      break;
    case 'gen:pyramid-bigtiff-subifd':
      await writePyramidalTiff(path, {
        source: syntheticTissue({ width: 600, height: 500, seed: 6 }),
        tileSize: 128,
        compression: 'deflate',
        pyramid: 'subifd',
        bigtiff: true,
        byteOrder: 'be',
        levels: 3,
      });
      break;
    case 'gen:philips':
      await writePhilipsTiff(path, { source, levels: 3, tileSize: 256, quality: 70, associated: 'xml' });
      break;
    case 'gen:ndpi':
      await writeNdpi(path, { source: syntheticTissue({ width: 1024, height: 768, seed: 7 }), pages: 3, quality: 70 });
      break;
    case 'gen:mirax':
      await writeMirax({
        path,
        source: syntheticTissue({ width: 1024, height: 1024, seed: 8 }),
        geometry: {
          imagesX: 4,
          imagesY: 4,
          divisions: 2,
          imageWidth: 256,
          imageHeight: 256,
          overlapX: 0,
          overlapY: 0,
          levels: 3,
          positions: 'plain',
        },
        quality: 70,
        pageSize: 8,
      });
      break;
  }
  return path;
}

/**
 * The companion files of a generated MIRAX seed (`Slidedat.ini`, `Index.dat`, `Data*.dat`).
 *
 * @example
 * ```ts
 * const names = await miraxFiles('/tmp/seeds/gen.mrxs');
 * ```
 */
export async function miraxFiles(mrxs: string): Promise<string[]> {
  return (await readdir(mrxs.slice(0, -'.mrxs'.length))).sort();
}

/**
 * The files of a folder seed (a DICOM series).
 *
 * @example
 * ```ts
 * const names = await folderFiles('/work/shared/fixtures/dicom/cmu-1-small-region');
 * ```
 */
export async function folderFiles(dir: string): Promise<string[]> {
  return (await readdir(dir)).filter((n) => !n.startsWith('.')).sort();
}
