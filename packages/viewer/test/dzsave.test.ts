import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { syntheticTissue, writeSvs } from '@wsi/testing';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deepZoomGeometry, tileCount } from '../src/deepzoom.js';
import { dzsave } from '../src/dzsave.js';
import { createViewerServer } from '../src/server.js';

let dir: string;
let svs: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'wsi-viewer-dz-'));
  svs = join(dir, 'small.svs');
  await writeSvs(svs, { source: syntheticTissue({ width: 1200, height: 700, seed: 3 }), levels: [1, 4] });
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('dzsave', () => {
  it('writes every tile of every level and the .dzi, identical to what the server sends', async () => {
    const out = join(dir, 'site');
    const progress: number[] = [];
    const r = await dzsave(svs, out, { format: 'png', onProgress: (d) => progress.push(d) });
    const g = deepZoomGeometry(1200, 700);
    let total = 0;
    for (let k = 0; k <= g.maxLevel; k++) {
      const { cols, rows } = tileCount(g, k);
      total += cols * rows;
      expect((await readdir(join(out, 'small_files', String(k)))).length).toBe(cols * rows);
    }
    expect(r).toMatchObject({ levels: g.maxLevel + 1, tiles: total, dzi: join(out, 'small.dzi') });
    expect(progress.at(-1)).toBe(total);
    expect(await readFile(r.dzi, 'utf8')).toContain('Format="png"><Size Width="1200" Height="700"/>');
    expect((await readdir(out)).sort()).toEqual(['small.dzi', 'small_files']);
    const v = await createViewerServer({ slides: [svs], port: 0, format: 'png' });
    try {
      const id = (v.slides[0] as { id: string }).id;
      for (const t of ['11/2_1', '9/0_0', '0/0_0']) {
        const served = Buffer.from(await (await fetch(`${v.url}slides/${id}_files/${t}.png`)).arrayBuffer());
        const a = await sharp(served).raw().toBuffer();
        const b = await sharp(join(out, 'small_files', `${t}.png`))
          .raw()
          .toBuffer();
        expect(a.equals(b), t).toBe(true);
      }
    } finally {
      await v.close();
    }
  });

  it('replaces an older pyramid only when the new one is complete, leaving no temporary folder', async () => {
    const out = join(dir, 'again');
    await dzsave(svs, out, { tileSize: 510, overlap: 0 });
    const before = await readFile(join(out, 'small.dzi'), 'utf8');
    expect(before).toContain('TileSize="510"');
    const abort = new AbortController();
    abort.abort();
    await expect(dzsave(svs, out, { signal: abort.signal })).rejects.toMatchObject({ code: 'Aborted' });
    expect(await readFile(join(out, 'small.dzi'), 'utf8')).toBe(before);
    await dzsave(svs, out, { format: 'jpeg', quality: 70 });
    expect(await readFile(join(out, 'small.dzi'), 'utf8')).toContain('TileSize="254"');
    expect((await readdir(out)).sort()).toEqual(['small.dzi', 'small_files']);
    expect(existsSync(join(out, 'small_files', '11', '0_0.jpeg'))).toBe(true);
    expect(existsSync(join(out, 'small_files', '11', '0_0.png'))).toBe(false);
  });

  it('refuses an output name with a path in it', async () => {
    await expect(dzsave(svs, dir, { name: '../x' })).rejects.toMatchObject({ code: 'InvalidArgument' });
  });
});
