// A small generated biopsy cohort for the example (when no manifest is given): each biopsy has several slides, the
// stage is the amount of tumour. Real H&E tiles from ../shared/fixtures/tiles when present, else generated texture.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { composedSlide, defaultTilePaths, syntheticTissue, writeSvs } from '@wsi/testing';

const STAGES = ['pT1', 'pT2', 'pT3'];

/** Writes `biopsies` biopsies per stage, `slidesPer` slides each, and their manifest; returns the manifest path. */
export async function generateCohort(dir, { biopsies = 3, slidesPer = 2, width = 2048, height = 1536 } = {}) {
  const tiles = defaultTilePaths();
  const tumour = tiles.filter((f) => /(^|\/)TUM-|TCGA-/.test(f));
  const normal = tiles.filter((f) => !tumour.includes(f));
  const real = tumour.length > 0 && normal.length > 0;
  mkdirSync(join(dir, 'slides'), { recursive: true });
  const rows = ['slide,bag_id,case_id,stage'];
  let seed = 500;
  for (const [s, stage] of STAGES.entries()) {
    for (let b = 0; b < biopsies; b++) {
      const bag = `biopsy-${stage}-${b + 1}`;
      for (let k = 0; k < slidesPer; k++) {
        seed++;
        const files = s === 0 ? normal : s === 1 ? [...tumour.slice(0, 2), ...normal] : tumour;
        const source = real
          ? await composedSlide({ width, height, seed, islands: 1, files })
          : syntheticTissue({ width, height, seed, nucleusPitch: [30, 18, 10][s] });
        const path = join(dir, 'slides', `${bag}-s${k + 1}.svs`);
        await writeSvs(path, { source, mpp: 0.5, appMag: 20, seed });
        rows.push(`${path},${bag},patient-${stage}-${b + 1},${stage}`);
      }
    }
  }
  const manifest = join(dir, 'biopsies.csv');
  writeFileSync(manifest, `${rows.join('\n')}\n`);
  return manifest;
}
