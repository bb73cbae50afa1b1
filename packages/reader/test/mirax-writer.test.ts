import { readFileSync, rmSync } from 'node:fs';
import { runPythonJson } from '@wsi/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HAVE_OPENSLIDE, LAYOUTS, type Layout, SOURCE_SIZE, writeLayouts } from './mirax-helpers.js';

const CHECK = `
import sys, json, numpy as np, openslide
path, raw, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
src = np.fromfile(raw, dtype=np.uint8).reshape(n, n, 3).astype(np.float64)
s = openslide.OpenSlide(path)
out = []
for l in range(s.level_count):
    w, h = s.level_dimensions[l]
    d = int(round(s.level_downsamples[l]))
    img = np.asarray(s.read_region((0, 0), l, (w, h))).astype(np.float64)
    ref = src[:h*d, :w*d].reshape(h, d, w, d, 3).mean(axis=(1, 3))
    a = img[..., 3] == 255
    out.append({'opaque': float(a.mean()), 'mad': float(np.abs(img[..., :3] - ref)[a].mean())})
print(json.dumps({'vendor': s.properties['openslide.vendor'], 'levels': out}))
`;

describe.skipIf(!HAVE_OPENSLIDE)('writeMirax: OpenSlide 3.4.1 opens the slides and shows the tiled source', () => {
  let dir = '';
  let slides: Awaited<ReturnType<typeof writeLayouts>>['slides'];
  beforeAll(async () => {
    ({ dir, slides } = await writeLayouts());
  }, 120_000);
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it.each(LAYOUTS.map((l) => [l.name, l] as [string, Layout]))(
    '%s',
    (name, layout) => {
      const w = slides.get(name)!;
      expect(readFileSync(w.path).length).toBeGreaterThan(0);
      const r = runPythonJson<{ vendor: string; levels: { opaque: number; mad: number }[] }>(CHECK, [
        w.path,
        w.sourceRaw,
        String(SOURCE_SIZE),
      ]);
      console.log(
        `[mirax-writer] ${name}: ${r.levels.map((l, i) => `L${i} opaque ${l.opaque.toFixed(3)} MAD ${l.mad.toFixed(2)}`).join('; ')}`,
      );
      expect(r.vendor).toBe('mirax');
      expect(r.levels).toHaveLength(layout.geometry.levels);
      // level 0 is the source itself: exact for PNG, JPEG noise only for JPEG
      expect(r.levels[0]!.mad).toBeLessThanOrEqual(layout.format === 'JPEG' ? 3 : 0);
      // higher levels: box-downsampled source, up to sub-pixel phase where photos sit off the level's pixel grid
      for (const l of r.levels.slice(1)) expect(l.mad).toBeLessThan(5);
      const covered = layout.omit ? 0.7 : 0.97;
      expect(r.levels[0]!.opaque).toBeGreaterThan(covered);
    },
    60_000,
  );
});
