/**
 * Generated slides (small, written to a temp dir) against OpenSlide 3.4.1 — SVS with odd sizes and non-integer
 * downsamples, with and without MPP, thumbnail between levels; generic page-pyramid TIFFs in every codec; BigTIFF —
 * and a SubIFD pyramid (which OpenSlide cannot read) against tifffile + Pillow.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  defaultTilePaths,
  hasPythonModules,
  runPythonJson,
  syntheticTissue,
  tileMosaic,
  writePhilipsTiff,
  writePyramidalTiff,
  writeSvs,
} from '@wsi/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { openSlide } from '../src/open.js';
import { compareWithOpenSlide } from './helpers/conformance.js';
import { meanAbsDiff } from './helpers/oracle.js';

const oracle = hasPythonModules(['openslide', 'numpy']);
const tiffOracle = hasPythonModules(['tifffile', 'PIL', 'numpy']);
const haveTiles = defaultTilePaths().length > 0;
const dir = mkdtempSync(join(tmpdir(), 'wsi-gen-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Odd sizes so that floor(w / 4) etc. give non-integer downsamples. */
const W = 1501;
const H = 1203;
const figures: string[] = [];
afterAll(() =>
  console.log(
    `generated slides vs OpenSlide 3.4.1 / tifffile — worst mean |Δ| per channel:\n  ${figures.join('\n  ')}`,
  ),
);

async function check(name: string, path: string, expectLevels: number): Promise<void> {
  const r = await compareWithOpenSlide(path, 99, 6);
  expect(r.levels).toBe(expectLevels);
  figures.push(`${name}: ${r.levels} levels, worst ${r.worst.toFixed(3)} over ${r.lines.length} reads`);
  if (r.worst > 1.0) console.log(`${name}\n  ${r.lines.join('\n  ')}`);
  expect(r.worst).toBeLessThanOrEqual(1.0);
}

describe.skipIf(!oracle)('generated SVS vs OpenSlide 3.4.1 (skipped without /usr/bin/python3 openslide)', () => {
  it.skipIf(!haveTiles)(
    'SVS of real tissue, MPP, 3 levels with non-integer downsamples, thumbnail after level 0',
    async () => {
      const path = join(dir, 'mosaic.svs');
      const source = await tileMosaic({ width: W, height: H, seed: 3 });
      await writeSvs(path, { source, levels: [1, 4, 16], mpp: 0.2527, appMag: 40 });
      const s = await openSlide(path);
      expect(s.levels[1]!.downsample).not.toBe(4);
      expect(s.associatedImages).toEqual(expect.arrayContaining(['thumbnail', 'label', 'macro']));
      await s.close();
      await check('svs mosaic mpp 0.2527 (1501×1203, ds 1/4.003/16.14)', path, 3);
    },
    120_000,
  );

  it('SVS without MPP or AppMag, 4:4:4, 240 px tiles, 4 levels', async () => {
    const path = join(dir, 'nompp.svs');
    await writeSvs(path, {
      source: syntheticTissue({ width: 1377, height: 1011, seed: 5 }),
      levels: [1, 2, 4, 8],
      mpp: null,
      appMag: null,
      tileSize: 240,
      chromaSubsampling: '4:4:4',
    });
    const s = await openSlide(path);
    expect(s.mpp).toBeUndefined();
    await s.close();
    await check('svs synthetic no-mpp (1377×1011, 240 px tiles)', path, 4);
  }, 120_000);
});

describe.skipIf(!oracle)(
  'generated generic TIFFs vs OpenSlide 3.4.1 (skipped without /usr/bin/python3 openslide)',
  () => {
    for (const compression of ['jpeg', 'deflate', 'lzw', 'none'] as const) {
      it(`page pyramid, ${compression}`, async () => {
        const path = join(dir, `generic-${compression}.tif`);
        await writePyramidalTiff(path, {
          source: syntheticTissue({ width: 1031, height: 777, seed: 7 }),
          compression,
          predictor: compression === 'deflate',
          tileSize: 256,
          levels: 3,
          levelRounding: 'floor',
        });
        await check(`generic-tiff ${compression} (1031×777, 3 levels)`, path, 3);
      }, 120_000);
    }
    it('BigTIFF page pyramid, JPEG, with resolution', async () => {
      const path = join(dir, 'big.tif');
      const res = await writePyramidalTiff(path, {
        source: syntheticTissue({ width: 901, height: 655, seed: 9 }),
        compression: 'jpeg',
        bigtiff: true,
        levels: 3,
        mpp: 0.5,
      });
      expect(res.bigtiff).toBe(true);
      await check('generic-tiff BigTIFF jpeg (901×655)', path, 3);
    }, 120_000);
  },
);

describe.skipIf(!oracle)(
  'generated Philips TIFFs vs OpenSlide 3.4.1 (skipped without /usr/bin/python3 openslide)',
  () => {
    for (const associated of ['pages', 'xml'] as const) {
      it(`padded levels, anisotropic mpp, label/macro as ${associated}`, async () => {
        const path = join(dir, `philips-${associated}.tiff`);
        const res = await writePhilipsTiff(path, {
          source: syntheticTissue({ width: 1900, height: 1300, seed: 2 }),
          levels: 3,
          mpp: [0.2271, 0.2269],
          associated,
        });
        const s = await openSlide(path);
        expect(s.format).toBe('philips');
        expect(s.levels.map((l) => [l.width, l.height])).toEqual(res.levels.map((l) => [l.width, l.height]));
        expect(s.mpp?.x).toBeCloseTo(0.2271, 12);
        expect(s.mpp?.y).toBeCloseTo(0.2269, 12);
        expect([...s.associatedImages].sort()).toEqual(['label', 'macro']);
        await s.close();
        await check(`philips associated=${associated} (1900×1300 padded to 2048², 3 levels)`, path, 3);
      }, 120_000);
    }
    it('no pixel spacing: no mpp', async () => {
      const path = join(dir, 'philips-nompp.tiff');
      await writePhilipsTiff(path, {
        source: syntheticTissue({ width: 700, height: 500, seed: 4 }),
        levels: 2,
        mpp: null,
        associated: 'none',
      });
      const s = await openSlide(path);
      expect(s.mpp).toBeUndefined();
      expect(s.associatedImages).toEqual([]);
      await s.close();
      await check('philips no-mpp (700×500 padded to 1024×512, 2 levels)', path, 2);
    }, 120_000);
  },
);

/** Every level of the first series via tifffile: tile bytes (JPEGTables spliced) decoded by Pillow. */
const SUBIFD_SCRIPT = `
import io, json, sys, numpy as np, tifffile
from PIL import Image
t = tifffile.TiffFile(sys.argv[1])
levels = []
with open(sys.argv[2], 'wb') as f:
    for lv in t.series[0].levels:
        p = lv.keyframe
        tw, th = p.tilewidth, p.tilelength
        out = np.zeros((p.imagelength, p.imagewidth, 4), np.uint8)
        across = -(-p.imagewidth // tw)
        for i, (off, n) in enumerate(zip(p.dataoffsets, p.databytecounts)):
            t.filehandle.seek(off); b = t.filehandle.read(n)
            if p.jpegtables: b = p.jpegtables[:-2] + b[2:]
            im = np.asarray(Image.open(io.BytesIO(b)).convert('RGBA'))
            r, c = divmod(i, across); y, x = r * th, c * tw
            h = min(th, p.imagelength - y); w = min(tw, p.imagewidth - x)
            out[y:y+h, x:x+w] = im[:h, :w]
        f.write(out.tobytes())
        levels.append([p.imagewidth, p.imagelength])
print(json.dumps({'levels': levels}))
`;

describe.skipIf(!tiffOracle)('generated SubIFD pyramid vs tifffile + Pillow (skipped without tifffile/PIL)', () => {
  it('levels and every pixel of every level', async () => {
    const path = join(dir, 'subifd.tif');
    await writePyramidalTiff(path, {
      source: syntheticTissue({ width: 1100, height: 813, seed: 11 }),
      compression: 'jpeg',
      pyramid: 'subifd',
      levels: 3,
    });
    const info = runPythonJson<{ levels: [number, number][] }>(SUBIFD_SCRIPT, [path, join(dir, 'subifd.bin')]);
    const all = readFileSync(join(dir, 'subifd.bin'));
    const slide = await openSlide(path);
    expect(slide.levels.map((l) => [l.width, l.height])).toEqual(info.levels);
    let o = 0;
    let worst = 0;
    for (const [level, [w, h]] of info.levels.entries()) {
      const ref = new Uint8Array(all.buffer, all.byteOffset + o, w * h * 4);
      o += w * h * 4;
      const mine = await slide.readRegion({ x: 0, y: 0, level, width: w, height: h });
      worst = Math.max(worst, ...meanAbsDiff(mine.data as Uint8Array, ref));
    }
    figures.push(`subifd jpeg (1100×813, ${info.levels.length} levels) vs tifffile+Pillow: worst ${worst.toFixed(3)}`);
    expect(worst).toBeLessThanOrEqual(1.0);
    await slide.close();
  }, 120_000);
});
