/**
 * Shared set-up of the MIRAX tests: generated slides (one per layout) and the OpenSlide oracle.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  hasPythonModules,
  type MiraxGeometry,
  type MiraxWriteResult,
  readAll,
  runPythonJson,
  syntheticTissue,
  writeMirax,
} from '@wsi/testing';

export const HAVE_OPENSLIDE = hasPythonModules(['openslide', 'numpy']);

export interface Layout {
  name: string;
  format: 'JPEG' | 'PNG' | 'BMP';
  geometry: MiraxGeometry;
  omit?: number[];
}

/** JPEG and PNG, 1–4 camera divisions, with and without overlaps and (compressed) position buffers. */
export const LAYOUTS: Layout[] = [
  {
    name: 'jpeg-d2-overlap-zlib-positions',
    format: 'JPEG',
    geometry: {
      imagesX: 8,
      imagesY: 8,
      divisions: 2,
      imageWidth: 128,
      imageHeight: 128,
      overlapX: 16,
      overlapY: 10,
      levels: 4,
      positions: 'compressed',
      jitter: 5,
      seed: 3,
    },
  },
  {
    name: 'png-d1-plain-grid',
    format: 'PNG',
    geometry: {
      imagesX: 8,
      imagesY: 6,
      divisions: 1,
      imageWidth: 128,
      imageHeight: 96,
      overlapX: 0,
      overlapY: 0,
      levels: 3,
      positions: 'none',
    },
  },
  {
    name: 'png-d4-overlap-missing-photo',
    format: 'PNG',
    omit: [1],
    geometry: {
      imagesX: 8,
      imagesY: 8,
      divisions: 4,
      imageWidth: 128,
      imageHeight: 128,
      overlapX: 24,
      overlapY: 8,
      levels: 5,
      positions: 'none',
    },
  },
  {
    name: 'jpeg-d3-plain-positions',
    format: 'JPEG',
    geometry: {
      imagesX: 9,
      imagesY: 6,
      divisions: 3,
      imageWidth: 96,
      imageHeight: 96,
      overlapX: 12,
      overlapY: 12,
      levels: 4,
      positions: 'plain',
      jitter: 3,
      seed: 9,
    },
  },
  {
    name: 'bmp-d2-grid',
    format: 'BMP',
    geometry: {
      imagesX: 6,
      imagesY: 4,
      divisions: 2,
      imageWidth: 150,
      imageHeight: 100,
      overlapX: 0,
      overlapY: 0,
      levels: 3,
      positions: 'none',
    },
  },
  {
    name: 'jpeg-d1-positions-no-overlap',
    format: 'JPEG',
    geometry: {
      imagesX: 6,
      imagesY: 5,
      divisions: 1,
      imageWidth: 160,
      imageHeight: 128,
      overlapX: 0,
      overlapY: 0,
      levels: 3,
      positions: 'plain',
      jitter: 2,
      seed: 4,
    },
  },
];

export const SOURCE_SIZE = 1100;

/** Writes one slide per layout (and the raw source next to it) into a fresh temp folder. */
export async function writeLayouts(
  layouts: readonly Layout[] = LAYOUTS,
): Promise<{ dir: string; slides: Map<string, MiraxWriteResult & { sourceRaw: string }> }> {
  const dir = mkdtempSync(join(tmpdir(), 'wsi-mirax-'));
  const source = syntheticTissue({ width: SOURCE_SIZE, height: SOURCE_SIZE, seed: 5, tissueFraction: 0.7 });
  const raw = join(dir, 'source.raw');
  writeFileSync(raw, await readAll(source));
  const slides = new Map<string, MiraxWriteResult & { sourceRaw: string }>();
  for (const l of layouts) {
    const r = await writeMirax({
      path: join(dir, `${l.name}.mrxs`),
      source,
      geometry: l.geometry,
      format: l.format,
      omitPhotos: new Set(l.omit ?? []),
    });
    slides.set(l.name, { ...r, sourceRaw: raw });
  }
  return { dir, slides };
}

export interface OracleResult {
  levels: [number, number][];
  downsamples: number[];
  properties: Record<string, string>;
  associated: Record<string, [number, number]>;
  /** One RGBA buffer per requested region, concatenated. */
  pixels: Buffer;
}

const ORACLE = `
import sys, json, openslide, numpy as np
s = openslide.OpenSlide(sys.argv[1])
regs = json.loads(open(sys.argv[2]).read())
with open(sys.argv[3], 'wb') as f:
    for (x, y, l, w, h) in regs:
        f.write(np.asarray(s.read_region((x, y), l, (w, h))).tobytes())
print(json.dumps({'levels': s.level_dimensions, 'downsamples': s.level_downsamples, 'properties': dict(s.properties),
  'associated': {k: v.size for k, v in s.associated_images.items()}}))
`;

/** OpenSlide's view of a slide and its pixels for `regions` ([x, y, level, w, h]). */
export function oracle(path: string, regions: readonly [number, number, number, number, number][]): OracleResult {
  const tmp = mkdtempSync(join(tmpdir(), 'wsi-mirax-oracle-'));
  writeFileSync(join(tmp, 'regions.json'), JSON.stringify(regions));
  const r = runPythonJson<Omit<OracleResult, 'pixels'>>(ORACLE, [
    path,
    join(tmp, 'regions.json'),
    join(tmp, 'pixels.bin'),
  ]);
  return { ...r, pixels: readFileSync(join(tmp, 'pixels.bin')) };
}

/** Mean absolute difference of two RGBA buffers. */
export function mad(a: Uint8Array, b: Uint8Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += Math.abs(a[i]! - b[i]!);
  return s / a.length;
}
