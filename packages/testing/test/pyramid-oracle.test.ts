import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasPythonModules, runPythonJson } from '../src/paths.js';
import { syntheticTissue } from '../src/sources/synthetic.js';
import { writePyramidalTiff } from '../src/tiff/pyramid.js';
import { bufferSource, readAll } from '../src/tiff/source.js';
import { openslideDiff, openslideInfo, resized, tempDir, writeRaw } from './oracle-helpers.js';

const oracle = hasPythonModules(['openslide', 'numpy', 'tifffile']);

describe.skipIf(!oracle)(
  'writePyramidalTiff, checked by OpenSlide and tifffile (skipped without the Python oracle)',
  () => {
    const W = 1201;
    const H = 901;
    const source = syntheticTissue({ width: W, height: H, seed: 5 });
    let dir = '';
    let rgb = new Uint8Array(0);

    beforeAll(async () => {
      dir = tempDir('pyr');
      rgb = await readAll(source);
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it('a Deflate page pyramid opens as generic-tiff with lossless level 0 and ceil-sized levels', async () => {
      const p = join(dir, 'generic.tif');
      const res = await writePyramidalTiff(p, {
        source,
        tileSize: 256,
        compression: 'deflate',
        predictor: true,
        levels: 3,
        mpp: 0.5,
      });
      expect(res.bigtiff).toBe(false);
      const info = openslideInfo(p);
      expect(info.vendor).toBe('generic-tiff');
      expect(info.dimensions).toEqual([
        [1201, 901],
        [601, 451],
        [301, 226],
      ]);
      const d0 = openslideDiff(p, writeRaw(dir, 'g0.raw', rgb), 0, 0, 0, W, H);
      expect(d0.max).toBe(0);
      const exp = await resized(rgb, W, H, 601, 451);
      const d1 = openslideDiff(p, writeRaw(dir, 'g1.raw', exp), 1, 0, 0, 601, 451);
      console.info(
        `[pyramid] level 1 (banded downscale) vs whole-image downscale: mean abs diff ${d1.mad.toFixed(3)}, max ${d1.max}`,
      );
      expect(d1.mad).toBeLessThan(1.5);
    });

    it('a JPEG page pyramid decodes close to the source at Q90', async () => {
      const p = join(dir, 'jpeg.tif');
      await writePyramidalTiff(p, { source, tileSize: 256, compression: 'jpeg', quality: 90, levels: [1, 2] });
      const d = openslideDiff(p, join(dir, 'g0.raw'), 0, 0, 0, W, H);
      console.info(`[pyramid] JPEG Q90 level 0 mean abs diff ${d.mad.toFixed(3)}`);
      expect(d.mad).toBeLessThan(3);
    });

    it('a big-endian BigTIFF with a SubIFD pyramid and non-integer downsample reads back in tifffile', async () => {
      const p = join(dir, 'subifd.tif');
      const res = await writePyramidalTiff(p, {
        source,
        tileSize: 128,
        compression: 'deflate',
        pyramid: 'subifd',
        bigtiff: true,
        byteOrder: 'be',
        levels: [1, 2.5, 6],
        description: 'subifd pyramid',
      });
      expect(res.levels.map((l) => [l.width, l.height])).toEqual([
        [1201, 901],
        [481, 361],
        [201, 151],
      ]);
      const info = runPythonJson<{
        big: boolean;
        order: string;
        pages: number;
        sub: number[][];
        desc: string;
        equal0: boolean;
        nsub: number;
      }>(
        `
import json, sys, tifffile, numpy as np
t = tifffile.TiffFile(sys.argv[1])
p = t.pages[0]
exp = np.fromfile(sys.argv[2], dtype=np.uint8).reshape(${H}, ${W}, 3)
subs = list(p.pages)
print(json.dumps({"big": t.is_bigtiff, "order": t.byteorder, "pages": len(t.pages),
  "sub": [list(s.shape) for s in subs], "desc": p.description,
  "equal0": bool((p.asarray() == exp).all()) and all(s.asarray().shape == tuple(s.shape) for s in subs), "nsub": len(p.tags["SubIFDs"].value)}))
`,
        [p, join(dir, 'g0.raw')],
      );
      expect(info).toEqual({
        big: true,
        order: '>',
        pages: 1,
        sub: [
          [361, 481, 3],
          [151, 201, 3],
        ],
        desc: 'subifd pyramid',
        equal0: true,
        nsub: 2,
      });
    });

    it('explicit levels are written as given', async () => {
      const small = new Uint8Array(300 * 200 * 3).fill(77);
      const p = join(dir, 'explicit.tif');
      await writePyramidalTiff(p, {
        source,
        compression: 'deflate',
        levels: [1, { source: bufferSource(small, 300, 200) }],
      });
      const d = openslideDiff(p, writeRaw(dir, 'e1.raw', small), 1, 0, 0, 300, 200);
      expect(d.max).toBe(0);
    });
  },
);
