/**
 * OpenSlide 3.4.1 as the oracle: metadata and regions read by `/usr/bin/python3`, pixels handed over through a
 * temp file (JSON would be too slow for megapixels).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Raster, Region } from '@wsi/core';
import { runPythonJson } from '@wsi/testing';

export interface OracleInfo {
  vendor: string | null;
  levels: { width: number; height: number; downsample: number }[];
  associated: string[];
  properties: Record<string, string>;
}

const SCRIPT = `
import json, sys, openslide, numpy as np
s = openslide.OpenSlide(sys.argv[1])
regions = json.load(open(sys.argv[2]))
with open(sys.argv[3], 'wb') as f:
    for r in regions:
        f.write(np.asarray(s.read_region((r['x'], r['y']), r['level'], (r['width'], r['height']))).tobytes())
    for name in sorted(s.associated_images):
        a = s.associated_images[name].convert('RGBA')
        f.write(np.asarray(a).tobytes())
print(json.dumps({'vendor': openslide.OpenSlide.detect_format(sys.argv[1]),
  'levels': [{'width': w, 'height': h, 'downsample': d} for (w, h), d in zip(s.level_dimensions, s.level_downsamples)],
  'associated': sorted(s.associated_images), 'assocSizes': [list(s.associated_images[n].size) for n in sorted(s.associated_images)],
  'properties': dict(s.properties)}))
`;

/** Reads metadata, the given regions and every associated image (sorted by name) with OpenSlide. */
export function openslideRead(
  path: string,
  regions: readonly Region[],
): { info: OracleInfo; regions: Uint8Array[]; associated: Map<string, Raster> } {
  const dir = mkdtempSync(join(tmpdir(), 'wsi-oracle-'));
  try {
    writeFileSync(join(dir, 'regions.json'), JSON.stringify(regions));
    const info = runPythonJson<OracleInfo & { assocSizes: [number, number][] }>(SCRIPT, [
      path,
      join(dir, 'regions.json'),
      join(dir, 'out.bin'),
    ]);
    const all = readFileSync(join(dir, 'out.bin'));
    let o = 0;
    const out = regions.map((r) => {
      const n = r.width * r.height * 4;
      const b = new Uint8Array(all.buffer, all.byteOffset + o, n);
      o += n;
      return b;
    });
    const associated = new Map<string, Raster>();
    info.associated.forEach((name, i) => {
      const [w, h] = info.assocSizes[i] as [number, number];
      const n = w * h * 4;
      associated.set(name, {
        width: w,
        height: h,
        channels: 4,
        dtype: 'uint8',
        data: new Uint8Array(all.buffer, all.byteOffset + o, n),
      });
      o += n;
    });
    return { info, regions: out, associated };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Mean absolute difference per channel (R, G, B, A) between two RGBA byte arrays. */
export function meanAbsDiff(a: Uint8Array, b: Uint8Array): number[] {
  const sums = [0, 0, 0, 0];
  for (let i = 0; i < a.length; i++) sums[i & 3]! += Math.abs((a[i] as number) - (b[i] as number));
  const n = Math.max(1, a.length / 4);
  return sums.map((s) => s / n);
}

/** A small seeded PRNG (mulberry32). */
export function rng(seed: number): () => number {
  let t = seed >>> 0;
  return () => {
    t = (t + 0x6d2b79f5) >>> 0;
    let r = Math.imul(t ^ (t >>> 15), 1 | t);
    r ^= r + Math.imul(r ^ (r >>> 7), 61 | r);
    return ((r ^ (r >>> 14)) >>> 0) / 4294967296;
  };
}

/** Random regions at every level: inside, straddling the right/bottom edge, straddling the top-left, outside. */
export function randomRegions(
  levels: readonly { width: number; height: number; downsample: number }[],
  seed: number,
  perLevel = 4,
): Region[] {
  const rand = rng(seed);
  const out: Region[] = [];
  const l0 = levels[0] as { width: number; height: number };
  levels.forEach((l, level) => {
    for (let k = 0; k < perLevel; k++) {
      const width = 32 + Math.floor(rand() * Math.min(280, l.width));
      const height = 32 + Math.floor(rand() * Math.min(280, l.height));
      const span = (n: number) => Math.max(1, n);
      let x: number;
      let y: number;
      const kind = k % 4;
      if (kind === 0) {
        x = Math.floor(rand() * span(l0.width - width * l.downsample));
        y = Math.floor(rand() * span(l0.height - height * l.downsample));
      } else if (kind === 1) {
        x = Math.floor(l0.width - (width * l.downsample) / 2 + rand() * 7);
        y = Math.floor(l0.height - (height * l.downsample) / 2 + rand() * 7);
      } else if (kind === 2) {
        x = -Math.floor(rand() * width * l.downsample * 0.5) - 1;
        y = -Math.floor(rand() * height * l.downsample * 0.5) - 1;
      } else {
        x = l0.width + 5;
        y = Math.floor(rand() * l0.height);
      }
      out.push({ x, y, level, width, height });
    }
  });
  return out;
}
