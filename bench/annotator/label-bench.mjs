#!/usr/bin/env node
// Bench for @wsi/annotator (build first: npx tsc -b packages/annotator). Prints one JSON line:
//  - label: 1 M patches (1000 × 1000 grid of 100 px patches) against 10 k polygons (24-gons, every 4th with a hole)
//  - rasterize: a 100 k × 100 k level-0 mask of the same polygons, streamed band by band to a PNG
// Each phase runs in its own child process so its peak RSS is its own.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const SLIDE = 100_000;
const POLYGONS = 10_000;
const GRID = 1000;
const PATCH = SLIDE / GRID;

function polygons() {
  let seed = 12345;
  const rnd = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const ring = (cx, cy, r, n, cw) => {
    const pts = [];
    for (let k = 0; k < n; k++) {
      const a = ((cw ? -1 : 1) * 2 * Math.PI * k) / n;
      pts.push([Math.round(cx + r * Math.cos(a)), Math.round(cy + r * Math.sin(a))]);
    }
    pts.push(pts[0]);
    return pts;
  };
  const features = [];
  const area = 0;
  for (let i = 0; i < POLYGONS; i++) {
    const r = 150 + rnd() * 300;
    const cx = r + rnd() * (SLIDE - 2 * r);
    const cy = r + rnd() * (SLIDE - 2 * r);
    const rings = [ring(cx, cy, r, 24, false)];
    if (i % 4 === 0) rings.push(ring(cx, cy, r / 3, 12, true));
    features.push({
      type: 'Feature',
      geometry: { type: 'Polygon', coordinates: rings },
      properties: { objectType: 'annotation', classification: { name: ['Tumor', 'Stroma', 'Necrosis'][i % 3] } },
    });
  }
  return { type: 'FeatureCollection', features, area };
}

const phase = process.argv[2];
if (phase) {
  const ann = await import('../../packages/annotator/dist/index.js');
  const coll = ann.normalizeGeoJson(polygons(), 'bench').collection;
  const t0 = performance.now();
  let out;
  if (phase === 'label') {
    const coords = new Int32Array(2 * GRID * GRID);
    for (let j = 0, k = 0; j < GRID; j++)
      for (let i = 0; i < GRID; i++, k += 2) {
        coords[k] = i * PATCH;
        coords[k + 1] = j * PATCH;
      }
    const r = ann.computePatchLabels(coll, coords, PATCH, { rule: 'majority' });
    let labelled = 0;
    for (const l of r.labels) if (l > 0) labelled++;
    out = { patches: GRID * GRID, polygons: POLYGONS, patch_size: PATCH, labelled };
  } else {
    const dir = mkdtempSync(join(tmpdir(), 'wsi-bench-'));
    const png = join(dir, 'mask.png');
    const r = new ann.MaskRasterizer(coll, { downsample: 1 });
    const w = await ann.writeMaskPng(png, r, { width: SLIDE, height: SLIDE }, { bandRows: 64, countPixels: false });
    out = { width: SLIDE, height: SLIDE, encoder: w.encoder, band_rows: 64, png_bytes: statSync(png).size };
    rmSync(dir, { recursive: true, force: true });
  }
  out.seconds = Number(((performance.now() - t0) / 1000).toFixed(2));
  out.peak_rss_mb = Math.round(process.resourceUsage().maxRSS / 1024);
  process.stdout.write(JSON.stringify(out));
} else {
  const self = fileURLToPath(import.meta.url);
  const run = (p) => {
    const r = spawnSync(process.execPath, [self, p], { encoding: 'utf8', maxBuffer: 1 << 20 });
    if (r.status !== 0) throw new Error(`${p} failed: ${r.stderr}`);
    return JSON.parse(r.stdout);
  };
  const label = run('label');
  const rasterize = run('rasterize');
  console.log(JSON.stringify({ bench: 'annotator', label, rasterize }));
}
