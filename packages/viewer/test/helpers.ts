// Test fixtures: a small synthetic SVS with overlay files (tissue, annotations, coords, scores), and a raw HTTP
// client that sends a request target verbatim (fetch would normalise `..` away).
import { mkdir, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { join } from 'node:path';
import type { PatchGridMeta } from '@wsi/core';
import { writeCoordsFile } from '@wsi/h5';
import { syntheticTissue, writeSvs } from '@wsi/testing';

export const W = 2600;
export const H = 1800;
export const PATCH = 256;

/** Writes `<dir>/slides/synth.svs` and `<dir>/out/{segmentation,annotations,patches,scores}/synth.*`. */
export async function makeSlideAndOverlays(dir: string): Promise<{ slidesDir: string; outDir: string; svs: string }> {
  const slidesDir = join(dir, 'slides');
  const outDir = join(dir, 'out');
  for (const d of ['segmentation', 'annotations', 'patches', 'scores'])
    await mkdir(join(outDir, d), { recursive: true });
  await mkdir(slidesDir, { recursive: true });
  const svs = join(slidesDir, 'synth.svs');
  await writeSvs(svs, { source: syntheticTissue({ width: W, height: H, seed: 5 }), levels: [1, 4], quality: 90 });
  const square = (x: number, y: number, s: number) => [
    [
      [x, y],
      [x + s, y],
      [x + s, y + s],
      [x, y + s],
      [x, y],
    ],
  ];
  const tissue = {
    type: 'FeatureCollection',
    features: [
      {
        type: 'Feature',
        geometry: { type: 'Polygon', coordinates: [...square(100, 100, 1500), ...square(600, 600, 200)] },
        properties: { objectType: 'annotation', classification: { name: 'Tissue', color: [0, 176, 80] } },
      },
    ],
  };
  await writeFile(join(outDir, 'segmentation', 'synth.geojson'), JSON.stringify(tissue));
  const annotations = {
    type: 'FeatureCollection',
    features: [
      {
        type: 'Feature',
        geometry: { type: 'Polygon', coordinates: square(300, 300, 400) },
        properties: { objectType: 'annotation', classification: { name: 'Tumor', color: [200, 0, 0] } },
      },
      {
        type: 'Feature',
        geometry: { type: 'Polygon', coordinates: square(1000, 300, 300) },
        properties: { objectType: 'annotation', classification: { name: 'Stroma' } },
      },
    ],
  };
  await writeFile(join(outDir, 'annotations', 'synth.geojson'), JSON.stringify(annotations));
  const coords: number[] = [];
  const rows: string[] = ['x,y,score'];
  for (let y = 0; y + PATCH <= H; y += PATCH)
    for (let x = 0; x + PATCH <= W; x += PATCH) {
      coords.push(x, y);
      rows.push(`${x},${y},${((x + y) / (W + H)).toFixed(4)}`);
    }
  const meta: PatchGridMeta = {
    name: 'synth',
    patchSize: PATCH,
    patchLevel: 0,
    downsample: [1, 1],
    patchSizeLevel0: PATCH,
    levelDim: [W, H],
    downsampledLevelDim: [W, H],
    overlap: 0,
  };
  await writeCoordsFile(join(outDir, 'patches', 'synth.h5'), { coords: new Int32Array(coords), meta });
  await writeFile(join(outDir, 'scores', 'synth.scores.csv'), `${rows.join('\n')}\n`);
  return { slidesDir, outDir, svs };
}

/** Sends a GET with the request target exactly as given; resolves with status and body. */
export function rawGet(
  port: number,
  path: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: Buffer; headers: Record<string, string | string[] | undefined> }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: 'GET', headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks), headers: res.headers }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}
