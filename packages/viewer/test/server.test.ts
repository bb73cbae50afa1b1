// The tile server end to end over HTTP: DeepZoom descriptor, tile pixels equal to @wsi/reader's, cache and ETags,
// slide info and overlay JSON, refusing coarse tiles of a slide without a pyramid, and a short load.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSlide, read } from '@wsi/reader';
import { fixture, syntheticTissue, writeSvs } from '@wsi/testing';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deepZoomGeometry, tileRect } from '../src/deepzoom.js';
import { createViewerServer, type ViewerServer } from '../src/server.js';
import { H, makeSlideAndOverlays, PATCH, W } from './helpers.js';

let dir: string;
let svs: string;
let png: ViewerServer;
let id: string;

async function rgbOf(buf: Buffer): Promise<{ data: Buffer; width: number; height: number }> {
  const { data, info } = await sharp(buf).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}

/** The same tile read directly through @wsi/reader, as RGB. */
async function expected(path: string, level: number, col: number, row: number, tileSize = 254) {
  const slide = await openSlide(path);
  try {
    const l0 = slide.levels[0] as { width: number; height: number };
    const g = deepZoomGeometry(l0.width, l0.height, { tileSize, overlap: 1 });
    const t = tileRect(g, level, col, row);
    if (!t) throw new Error('no tile');
    const r = await read(slide, {
      x: t.x * t.downsample,
      y: t.y * t.downsample,
      width: t.width,
      height: t.height,
      downsample: t.downsample,
      background: '#ffffff',
    });
    const rgb = Buffer.alloc(t.width * t.height * 3);
    for (let i = 0; i < t.width * t.height; i++)
      for (let c = 0; c < 3; c++) rgb[3 * i + c] = r.data[4 * i + c] as number;
    return { data: rgb, width: t.width, height: t.height };
  } finally {
    await slide.close();
  }
}

function meanAbsDiff(a: Buffer, b: Buffer): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += Math.abs((a[i] as number) - (b[i] as number));
  return s / a.length;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'wsi-viewer-srv-'));
  const made = await makeSlideAndOverlays(dir);
  svs = made.svs;
  png = await createViewerServer({ slides: [svs], overlaysDir: made.outDir, port: 0, format: 'png' });
  id = (png.slides[0] as { id: string }).id;
});

afterAll(async () => {
  await png?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('DeepZoom over HTTP', () => {
  it('describes the slide and its pyramid', async () => {
    const info = await (await fetch(`${png.url}api/slides/${id}`)).json();
    expect(info).toMatchObject({ name: 'synth', format: 'aperio', width: W, height: H, tileSize: 254, overlap: 1 });
    expect(info.mpp.x).toBeCloseTo(0.499, 6);
    expect(info.levels).toHaveLength(2);
    expect(info.maxLevel).toBe(12);
    expect(info.minLevel).toBe(0);
    expect(info.overlays).toEqual({ tissue: true, patches: true, annotations: true, scores: true });
    const dzi = await (await fetch(`${png.url}${info.dzi}`)).text();
    expect(dzi).toContain('TileSize="254" Overlap="1" Format="png"');
    expect(dzi).toContain(`<Size Width="${W}" Height="${H}"/>`);
  });

  it.each([
    [12, 0, 0],
    [12, 3, 2],
    [11, 1, 1],
    [10, 2, 1],
    [9, 0, 0],
    [4, 0, 0],
  ])('tile %i/%i_%i has the pixels @wsi/reader reads (PNG: exact)', async (level, col, row) => {
    const res = await fetch(`${png.url}slides/${id}_files/${level}/${col}_${row}.png`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/png');
    const got = await rgbOf(Buffer.from(await res.arrayBuffer()));
    const want = await expected(svs, level, col, row);
    expect([got.width, got.height]).toEqual([want.width, want.height]);
    expect(meanAbsDiff(got.data, want.data)).toBe(0);
  });

  it('sends ETag and Cache-Control, answers If-None-Match with 304 and serves repeats from the cache', async () => {
    const url = `${png.url}slides/${id}_files/11/2_1.png`;
    const first = await fetch(url);
    await first.arrayBuffer();
    const etag = first.headers.get('etag') as string;
    expect(etag).toMatch(/^"[0-9a-f]{12}-11-2-1"$/);
    expect(first.headers.get('cache-control')).toContain('max-age=');
    const hits = png.stats().cacheHits;
    const again = await fetch(url);
    expect(Buffer.from(await again.arrayBuffer()).length).toBeGreaterThan(0);
    expect(png.stats().cacheHits).toBe(hits + 1);
    const cond = await fetch(url, { headers: { 'If-None-Match': etag } });
    expect(cond.status).toBe(304);
    const head = await fetch(url, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(Number(head.headers.get('content-length'))).toBeGreaterThan(0);
    expect((await head.arrayBuffer()).byteLength).toBe(0);
    expect(png.stats().cacheBytes).toBeGreaterThan(0);
  });

  it('serves the overlays as JSON', async () => {
    const get = async (k: string) => (await fetch(`${png.url}api/slides/${id}/overlays/${k}`)).json();
    const tissue = await get('tissue');
    expect(tissue.type).toBe('FeatureCollection');
    expect(tissue.features[0].geometry.coordinates).toHaveLength(2);
    const ann = await get('annotations');
    expect(
      ann.features.map((f: { properties: { classification: { name: string } } }) => f.properties.classification.name),
    ).toEqual(['Tumor', 'Stroma']);
    const patches = await get('patches');
    const n = Math.floor(W / PATCH) * Math.floor(H / PATCH);
    expect(patches).toMatchObject({ patchSize: PATCH, count: n });
    expect(patches.coords.slice(0, 4)).toEqual([0, 0, PATCH, 0]);
    const scores = await get('scores');
    expect(scores).toMatchObject({ columns: ['score'], patchSize: PATCH, count: n });
    expect(scores.min[0]).toBe(0);
    expect(scores.max[0]).toBeGreaterThan(0.5);
  });

  it('a JPEG server gives tiles close to the reader (lossy)', async () => {
    const jpeg = await createViewerServer({ slides: [svs], port: 0, quality: 90 });
    try {
      const res = await fetch(`${jpeg.url}slides/${id}_files/12/1_1.jpeg`);
      expect(res.headers.get('content-type')).toBe('image/jpeg');
      const got = await rgbOf(Buffer.from(await res.arrayBuffer()));
      expect(meanAbsDiff(got.data, (await expected(svs, 12, 1, 1)).data)).toBeLessThan(3);
      expect((await fetch(`${jpeg.url}api/slides/${id}/overlays/tissue`)).status).toBe(404);
    } finally {
      await jpeg.close();
    }
  });

  it('refuses the coarse tiles of a slide without a pyramid, and says from which level it serves', async () => {
    const flat = join(dir, 'flat.svs');
    await writeSvs(flat, { source: syntheticTissue({ width: 2048, height: 1024, seed: 9 }), levels: [1] });
    const v = await createViewerServer({ slides: [flat], port: 0, maxSourcePixels: 1024 * 1024 });
    try {
      const fid = (v.slides[0] as { id: string }).id;
      const info = await (await fetch(`${v.url}api/slides/${fid}`)).json();
      // maxLevel 11; a 255-px tile at level 9 (downsample 4) reads 1020² ≤ 1 Mi pixels, at level 8 2040²
      expect(info.minLevel).toBe(9);
      expect((await fetch(`${v.url}slides/${fid}_files/8/0_0.jpeg`)).status).toBe(404);
      expect((await fetch(`${v.url}slides/${fid}_files/9/0_0.jpeg`)).status).toBe(200);
    } finally {
      await v.close();
    }
  });

  it('keeps answering under a short concurrent load, with every tile correct', async () => {
    const urls: string[] = [];
    for (let c = 0; c < 6; c++) for (let r = 0; r < 4; r++) urls.push(`${png.url}slides/${id}_files/11/${c}_${r}.png`);
    const deadline = Date.now() + 2000;
    let ok = 0;
    let bad = 0;
    await Promise.all(
      Array.from({ length: 16 }, async (_, k) => {
        for (let i = k; Date.now() < deadline; i++) {
          const res = await fetch(urls[i % urls.length] as string);
          await res.arrayBuffer();
          if (res.status === 200) ok++;
          else bad++;
        }
      }),
    );
    expect(bad).toBe(0);
    expect(ok).toBeGreaterThan(urls.length);
    expect(png.stats().active).toBe(0);
  });
});

const cli = join(__dirname, '..', '..', 'cli', 'dist', 'bin.js');
describe.skipIf(!existsSync(cli))('against `wsi region` (skipped when packages/cli is not built)', () => {
  it('a full-resolution PNG tile equals the `wsi region` PNG of its rectangle', async () => {
    const out = join(dir, 'region.png');
    // tile 12/4_3 covers x 1015..1270, y 761..1016 (254-px tiles, 1 px overlap)
    const run = spawnSync(
      process.execPath,
      [
        cli,
        'region',
        svs,
        ...['--x', '1015', '--y', '761', '--level', '0', '--width', '256', '--height', '256'],
        '--out',
        out,
      ],
      { encoding: 'utf8' },
    );
    expect(run.status, run.stderr).toBe(0);
    const res = await fetch(`${png.url}slides/${id}_files/12/4_3.png`);
    const got = await rgbOf(Buffer.from(await res.arrayBuffer()));
    const want = await rgbOf(await sharp(out).toBuffer());
    expect([got.width, got.height]).toEqual([256, 256]);
    expect(meanAbsDiff(got.data, want.data)).toBe(0);
  });
});

const cmu = fixture('aperio/CMU-1-Small-Region.svs');
describe.skipIf(!cmu)('real slide (CMU-1-Small-Region.svs; skipped when ../shared/fixtures is absent)', () => {
  it('serves tiles equal to @wsi/reader at full resolution and downsampled', async () => {
    const v = await createViewerServer({ slides: [cmu as string], port: 0, format: 'png' });
    try {
      const cid = (v.slides[0] as { id: string }).id;
      const info = await (await fetch(`${v.url}api/slides/${cid}`)).json();
      for (const [level, col, row] of [
        [info.maxLevel, 3, 4],
        [info.maxLevel - 3, 0, 0],
      ] as [number, number, number][]) {
        const res = await fetch(`${v.url}slides/${cid}_files/${level}/${col}_${row}.png`);
        const got = await rgbOf(Buffer.from(await res.arrayBuffer()));
        expect(meanAbsDiff(got.data, (await expected(cmu as string, level, col, row)).data)).toBe(0);
      }
    } finally {
      await v.close();
    }
  });
});
