import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fixture, hasPythonModules, runPythonJson } from '@wsi/testing';
import { describe, expect, it } from 'vitest';
import { openSlide } from '../src/open.js';
import { meanAbsDiff } from './helpers/oracle.js';

const oracle = hasPythonModules(['tifffile', 'PIL', 'numpy']);

/** Independent decode: tile bytes via tifffile (JPEGTables spliced), decoded by Pillow (honours JFIF/Adobe). */
const SCRIPT = `
import io, json, sys, numpy as np, tifffile
from PIL import Image
t = tifffile.TiffFile(sys.argv[1]); p = t.pages[0]
tw, th = p.tilewidth, p.tilelength
out = np.zeros((p.imagelength, p.imagewidth, 4), np.uint8)
tables = p.jpegtables
fh = t.filehandle
across = -(-p.imagewidth // tw)
for i, (off, n) in enumerate(zip(p.dataoffsets, p.databytecounts)):
    fh.seek(off); b = fh.read(n)
    if tables: b = tables[:-2] + b[2:]
    im = np.asarray(Image.open(io.BytesIO(b)).convert('RGBA'))
    r, c = divmod(i, across); y, x = r * th, c * tw
    h = min(th, p.imagelength - y); w = min(tw, p.imagewidth - x)
    out[y:y+h, x:x+w] = im[:h, :w]
open(sys.argv[2], 'wb').write(out.tobytes())
px = t.ome_metadata
print(json.dumps({'width': p.imagewidth, 'height': p.imagelength, 'byteorder': t.byteorder}))
`;

for (const [name, mpp] of [
  ['ome-tiff/OS-1-detail.ome.tif', 0.2271],
  ['ome-tiff/OS-2-vsi.ome.tif', 0.34605],
] as const) {
  const path = fixture(name);
  describe.skipIf(!path || !oracle)(
    `${name} against tifffile + Pillow (skipped without the fixture or python modules)`,
    () => {
      it('levels, mpp and every pixel', async () => {
        const dir = mkdtempSync(join(tmpdir(), 'wsi-ome-'));
        try {
          const info = runPythonJson<{ width: number; height: number; byteorder: string }>(SCRIPT, [
            path as string,
            join(dir, 'out.bin'),
          ]);
          const ref = new Uint8Array(readFileSync(join(dir, 'out.bin')));
          const slide = await openSlide(path as string);
          expect(info.byteorder).toBe('>');
          expect(slide.format).toBe('ome-tiff');
          expect(slide.levels[0]).toMatchObject({ width: info.width, height: info.height });
          expect(slide.mpp?.x).toBeCloseTo(mpp, 4);
          expect(slide.properties['openslide.mpp-x']).toBeDefined();
          const all = await slide.readRegion({ x: 0, y: 0, level: 0, width: info.width, height: info.height });
          const d = meanAbsDiff(all.data as Uint8Array, ref);
          console.log(`${name}: whole level vs Pillow, mean |Δ| per channel ${d.map((v) => v.toFixed(3)).join(' ')}`);
          expect(Math.max(...d)).toBeLessThanOrEqual(1.0);
          await slide.close();
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      }, 60_000);
    },
  );
}
