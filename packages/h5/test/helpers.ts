import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PatchGridMeta } from '@wsi/core';

/** A fresh temporary folder, removed by the returned cleanup. */
export function tempDir(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'wsi-h5-'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A 40x slide patched at level 1 (downsample 4) with 256-px patches, 10x target. */
export const META: PatchGridMeta = {
  name: 'CMU-1',
  patchSize: 256,
  patchLevel: 1,
  downsample: [4.000121, 4.000232],
  patchSizeLevel0: 1024,
  levelDim: [46000, 32914],
  downsampledLevelDim: [11500, 8228],
  overlap: 0,
  level0Magnification: 40,
  targetMagnification: 10,
  mpp: 0.499,
};

/** A level-0 grid with magnifications as whole numbers (Trident's canonical form). */
export const META0: PatchGridMeta = {
  name: 'slide-0',
  patchSize: 512,
  patchLevel: 0,
  downsample: [1, 1],
  patchSizeLevel0: 512,
  levelDim: [2220, 2967],
  downsampledLevelDim: [2220, 2967],
  overlap: 0,
  level0Magnification: 40,
  targetMagnification: 20,
  targetPatchSize: 256,
};

/** n interleaved level-0 corners on a 1024-px grid. */
export function grid(n: number, step = 1024): Int32Array {
  const out = new Int32Array(n * 2);
  for (let i = 0; i < n; i++) {
    out[2 * i] = (i % 40) * step;
    out[2 * i + 1] = Math.floor(i / 40) * step;
  }
  return out;
}
