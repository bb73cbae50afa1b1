/**
 * Helpers for the OpenSlide / tifffile oracle tests: Python snippets and expected-pixel files.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { runPythonJson } from '../src/paths.js';

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `wsi-testing-${prefix}-`));
}

/** Full RGB of a whole in-memory image downscaled with sharp (the reference for lower levels). */
export async function resized(rgb: Uint8Array, w: number, h: number, tw: number, th: number): Promise<Uint8Array> {
  const b = await sharp(rgb, { raw: { width: w, height: h, channels: 3 } })
    .resize(tw, th, { fit: 'fill' })
    .raw()
    .toBuffer();
  return new Uint8Array(b.buffer, b.byteOffset, b.length);
}

export interface OpenSlideInfo {
  vendor: string | null;
  levels: number;
  dimensions: [number, number][];
  downsamples: number[];
  mppX: string | null;
  objective: string | null;
  associated: Record<string, [number, number]>;
}

export function openslideInfo(path: string): OpenSlideInfo {
  return runPythonJson<OpenSlideInfo>(
    `
import json, sys, openslide
s = openslide.OpenSlide(sys.argv[1])
p = s.properties
print(json.dumps({
  "vendor": p.get("openslide.vendor"), "levels": s.level_count,
  "dimensions": [list(d) for d in s.level_dimensions], "downsamples": list(s.level_downsamples),
  "mppX": p.get("openslide.mpp-x"), "objective": p.get("openslide.objective-power"),
  "associated": {k: list(v.size) for k, v in s.associated_images.items()},
}))
`,
    [path],
  );
}

export interface PixelDiff {
  mad: number;
  max: number;
  n: number;
}

/**
 * Mean/max absolute difference between OpenSlide's `read_region` (or an associated image when `level` is a name)
 * and the expected RGB bytes in `rawPath`.
 */
export function openslideDiff(
  path: string,
  rawPath: string,
  level: number | string,
  x: number,
  y: number,
  w: number,
  h: number,
): PixelDiff {
  return runPythonJson<PixelDiff>(
    `
import json, sys, openslide, numpy as np
path, raw, level, x, y, w, h = sys.argv[1:8]
x, y, w, h = int(x), int(y), int(w), int(h)
s = openslide.OpenSlide(path)
if level.isdigit():
    lv = int(level)
    ds = s.level_downsamples[lv]
    got = np.asarray(s.read_region((int(round(x * ds)), int(round(y * ds))), lv, (w, h)).convert("RGB"), dtype=np.int16)
else:
    got = np.asarray(s.associated_images[level].convert("RGB"), dtype=np.int16)
exp = np.fromfile(raw, dtype=np.uint8).reshape(h, w, 3).astype(np.int16)
d = np.abs(got - exp)
print(json.dumps({"mad": float(d.mean()), "max": int(d.max()), "n": int(d.size)}))
`,
    [path, rawPath, String(level), String(x), String(y), String(w), String(h)],
  );
}

export function writeRaw(dir: string, name: string, rgb: Uint8Array): string {
  const p = join(dir, name);
  writeFileSync(p, rgb);
  return p;
}
