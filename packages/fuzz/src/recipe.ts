/**
 * Recipes: everything needed to replay one slide fuzz case — the seed's id and the mutations per file — and their
 * deterministic generation from a case seed. A recipe holds offsets and a few literal bytes, never a seed's content.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { MemorySource } from '@wsi/core';
import { corruptDicom, type DicomField, mapDicom } from './dicom-fields.js';
import type { Mutation } from './mutations.js';
import { corruptIndexDat, corruptIni, genericMutations } from './mutator.js';
import { Rng } from './rng.js';
import { folderFiles, miraxFiles, type SeedSpec } from './seeds.js';
import { corruptTiff, mapTiff, type TiffMap } from './tiff-fields.js';

/**
 * One reproducible slide case.
 *
 * @example
 * ```ts
 * const r: SlideRecipe = { target: 'svs', seed: 'gen:svs', caseSeed: 7, edits: { '': [{ op: 'truncate', size: 100 }] } };
 * ```
 */
export interface SlideRecipe {
  target: string;
  /** Seed id (`fixture:…` or `gen:…`). */
  seed: string;
  /** Seeds the mutations and the regions read. */
  caseSeed: number;
  /** Mutations per file: `''` is the slide file; MIRAX companions by name (`Index.dat`, `Slidedat.ini`, …). */
  edits: Record<string, Mutation[]>;
  /** What the recipe exercises, for humans. */
  note?: string;
}

interface SeedInfo {
  size: number;
  tiff?: TiffMap;
  dicom?: DicomField[];
  /** MIRAX: companion names with their bytes (small) or sizes. */
  companions?: { name: string; size: number; bytes?: Uint8Array; dicom?: DicomField[] }[];
  slideIdLength?: number;
}

const infoCache = new Map<string, Promise<SeedInfo>>();

async function seedInfo(spec: SeedSpec, path: string): Promise<SeedInfo> {
  let p = infoCache.get(path);
  if (!p) {
    p = (async () => {
      if (spec.kind === 'dicom-folder') {
        const companions = [];
        for (const name of await folderFiles(path)) {
          const bytes = await readFile(join(path, name));
          const fields = await mapDicom(new MemorySource(bytes));
          companions.push({ name, size: bytes.length, ...(fields ? { dicom: fields } : {}) });
        }
        return { size: 0, companions };
      }
      if (spec.kind === 'mirax') {
        const folder = path.slice(0, -'.mrxs'.length);
        const companions = [];
        let slideIdLength = 0;
        for (const name of await miraxFiles(path)) {
          const bytes = await readFile(join(folder, name));
          const small = name === 'Slidedat.ini' || name === 'Index.dat';
          companions.push({ name, size: bytes.length, ...(small ? { bytes } : {}) });
          if (name === 'Slidedat.ini') {
            const m = /SLIDE_ID\s*=\s*(\S*)/.exec(new TextDecoder().decode(bytes));
            slideIdLength = (m?.[1] ?? '').length;
          }
        }
        const mrxs = await readFile(path);
        companions.push({ name: '.mrxs', size: mrxs.length });
        return { size: 0, companions, slideIdLength };
      }
      const bytes = await readFile(path);
      const src = new MemorySource(bytes);
      const tiff = await mapTiff(src);
      const dicom = tiff ? undefined : await mapDicom(src);
      return { size: bytes.length, ...(tiff ? { tiff } : {}), ...(dicom ? { dicom } : {}) };
    })();
    infoCache.set(path, p);
  }
  return p;
}

/**
 * Generates the recipe of case `caseSeed` for a seed: half generic edits, half field-aware ones (TIFF directories,
 * DICOM elements, MIRAX Index.dat / Slidedat.ini), sometimes both.
 *
 * @example
 * ```ts
 * const recipe = await makeRecipe('svs', { id: 'gen:svs', kind: 'file' }, '/tmp/seeds/gen.svs', 42);
 * ```
 */
export async function makeRecipe(target: string, spec: SeedSpec, path: string, caseSeed: number): Promise<SlideRecipe> {
  const rng = new Rng(caseSeed);
  const info = await seedInfo(spec, path);
  const edits: Record<string, Mutation[]> = {};
  if (info.companions && spec.kind === 'dicom-folder') {
    // one or two instances of the series damaged, the others intact
    for (let k = rng.chance(0.2) ? 2 : 1; k > 0; k--) {
      const c = rng.pick(info.companions);
      const muts: Mutation[] = [];
      if (c.dicom && rng.chance(0.7)) muts.push(...corruptDicom(c.dicom, c.size, rng));
      if (muts.length === 0 || rng.chance(0.2)) muts.push(...genericMutations(c.size, rng));
      edits[c.name] = muts;
    }
    return { target, seed: spec.id, caseSeed, edits };
  }
  if (info.companions) {
    const c = rng.pick(
      info.companions.filter((x) => (rng.chance(0.8) ? x.name === 'Index.dat' || x.name === 'Slidedat.ini' : true)),
    );
    if (c.name === 'Index.dat' && c.bytes && rng.chance(0.8)) {
      edits[c.name] = corruptIndexDat(c.size, 5 + (info.slideIdLength ?? 0), rng);
    } else if (c.name === 'Slidedat.ini' && c.bytes && rng.chance(0.8)) {
      edits[c.name] = corruptIni(c.bytes, rng);
    } else {
      edits[c.name] = genericMutations(c.size, rng);
    }
    return { target, seed: spec.id, caseSeed, edits };
  }
  const muts: Mutation[] = [];
  const fieldAware = rng.chance(0.6);
  if (fieldAware && info.tiff) muts.push(...corruptTiff(info.tiff, info.size, rng));
  else if (fieldAware && info.dicom) muts.push(...corruptDicom(info.dicom, info.size, rng));
  if (!fieldAware || muts.length === 0 || rng.chance(0.2)) muts.push(...genericMutations(info.size, rng));
  edits[''] = muts;
  return { target, seed: spec.id, caseSeed, edits };
}
