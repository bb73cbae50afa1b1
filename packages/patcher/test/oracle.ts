/**
 * Test helper: runs the OpenCV reference (clam_reference.py) on the exact pixels a segmentation used, and
 * compares masks and coordinates.
 */

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SYSTEM_PYTHON } from '@wsi/testing';
import type { SegmentationParams, TissueSegmentation } from '../src/index.js';

const SCRIPT = join(dirname(fileURLToPath(import.meta.url)), 'clam_reference.py');

export interface OracleResult {
  threshold: number;
  regions: number;
  holes: number;
  mask: Uint8Array;
  binary: Uint8Array;
  coords?: [number, number][];
}

export function runClamReference(
  seg: TissueSegmentation,
  params: SegmentationParams,
  patch?: { size0: number; step0: number },
): OracleResult {
  const dir = mkdtempSync(join(tmpdir(), 'wsi-oracle-'));
  try {
    const img = seg.image;
    writeFileSync(join(dir, 'img.raw'), img.data as Uint8Array);
    const req = {
      image: join(dir, 'img.raw'),
      width: img.width,
      height: img.height,
      channels: img.channels,
      downsample: seg.downsample,
      params: {
        sthresh: params.sthresh,
        mthresh: params.mthresh,
        close: params.close,
        use_otsu: params.useOtsu,
        a_t: params.aT,
        a_h: params.aH,
        max_n_holes: params.maxNHoles,
        ref_patch_size: params.refPatchSize,
      },
      patch: patch ?? null,
      mask_out: join(dir, 'mask.raw'),
      binary_out: join(dir, 'binary.raw'),
    };
    writeFileSync(join(dir, 'req.json'), JSON.stringify(req));
    const r = spawnSync(SYSTEM_PYTHON, [SCRIPT, join(dir, 'req.json')], {
      encoding: 'utf8',
      timeout: 300_000,
      maxBuffer: 1 << 28,
    });
    if (r.status !== 0) throw new Error(`reference failed: ${r.stderr}`);
    const out = JSON.parse(r.stdout.trim().split('\n').at(-1) as string) as Omit<OracleResult, 'mask' | 'binary'>;
    return {
      ...out,
      mask: new Uint8Array(readFileSync(join(dir, 'mask.raw'))),
      binary: new Uint8Array(readFileSync(join(dir, 'binary.raw'))),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Intersection over union of two 0/non-0 masks (1 when both are empty). */
export function iou(a: Uint8Array, b: Uint8Array): number {
  let i = 0;
  let u = 0;
  for (let k = 0; k < a.length; k++) {
    const x = a[k] !== 0;
    const y = b[k] !== 0;
    if (x && y) i++;
    if (x || y) u++;
  }
  return u === 0 ? 1 : i / u;
}

/** Fraction of the union of two coordinate sets found in both (1 when both are empty). */
export function coordAgreement(
  ours: Int32Array,
  ref: readonly [number, number][],
): { agreement: number; ours: number; ref: number; common: number } {
  const a = new Set<string>();
  for (let i = 0; i < ours.length; i += 2) a.add(`${ours[i]},${ours[i + 1]}`);
  const b = new Set(ref.map(([x, y]) => `${x},${y}`));
  let common = 0;
  for (const k of a) if (b.has(k)) common++;
  const union = a.size + b.size - common;
  return { agreement: union === 0 ? 1 : common / union, ours: a.size, ref: b.size, common };
}
