import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  clipRingSignedArea,
  compileShapes,
  computePatchLabels,
  labelPatches,
  MaskRasterizer,
  parseLabelRule,
  ShapeEdgeIndex,
  shapeAreaInRect,
} from '../src/index.js';
import { collection, feature, ngon, rect } from './helpers.js';

const flat = (pts: number[][]) => new Float64Array(pts.flat());

describe('clipRingSignedArea', () => {
  it('matches analytic overlaps of rectangles and triangles, with the ring orientation as sign', () => {
    expect(
      clipRingSignedArea(
        flat([
          [0, 0],
          [10, 0],
          [10, 10],
          [0, 10],
        ]),
        5,
        5,
        20,
        20,
      ),
    ).toBe(25);
    expect(
      clipRingSignedArea(
        flat([
          [0, 10],
          [10, 10],
          [10, 0],
          [0, 0],
        ]),
        5,
        5,
        20,
        20,
      ),
    ).toBe(-25);
    const tri = flat([
      [0, 0],
      [100, 0],
      [0, 100],
    ]);
    expect(clipRingSignedArea(tri, 0, 0, 50, 50)).toBeCloseTo(2500, 9);
    expect(clipRingSignedArea(tri, 50, 0, 100, 50)).toBeCloseTo(1250, 9);
    expect(clipRingSignedArea(tri, 50, 50, 100, 100)).toBeCloseTo(0, 9);
    expect(clipRingSignedArea(tri, 25, 25, 75, 75)).toBeCloseTo(2500 - 0.5 * 50 * 50 + 0, 9);
    // a concave U-shape crossing the window twice
    const u = flat([
      [0, 0],
      [30, 0],
      [30, 30],
      [20, 30],
      [20, 10],
      [10, 10],
      [10, 30],
      [0, 30],
    ]);
    expect(clipRingSignedArea(u, 0, 20, 30, 40)).toBeCloseTo(200, 9);
  });

  it('equals product-of-interval overlaps for random axis-aligned rectangles', () => {
    let seed = 7;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) * 1000;
    for (let k = 0; k < 500; k++) {
      const [ax0, ax1] = [rnd(), rnd()].sort((a, b) => a - b) as [number, number];
      const [ay0, ay1] = [rnd(), rnd()].sort((a, b) => a - b) as [number, number];
      const x0 = rnd(),
        y0 = rnd(),
        s = rnd() / 4;
      const ov =
        Math.max(0, Math.min(ax1, x0 + s) - Math.max(ax0, x0)) * Math.max(0, Math.min(ay1, y0 + s) - Math.max(ay0, y0));
      expect(
        clipRingSignedArea(
          flat([
            [ax0, ay0],
            [ax1, ay0],
            [ax1, ay1],
            [ax0, ay1],
          ]),
          x0,
          y0,
          x0 + s,
          y0 + s,
        ),
      ).toBeCloseTo(ov, 6);
    }
  });
});

describe('computePatchLabels', () => {
  const ann = collection([
    feature([rect(0, 0, 200, 200), rect(50, 50, 150, 150)], 'Tumor'),
    feature(
      [
        [
          [200, 0],
          [400, 0],
          [200, 200],
          [200, 0],
        ],
      ],
      'Stroma',
    ),
  ]);
  const coords = new Int32Array([0, 0, 100, 100, 200, 0, 300, 100, 1000, 1000, 150, 0]);

  it('gives exact per-class fractions with holes subtracted', () => {
    const r = computePatchLabels(ann, coords, 100);
    expect(r.classes).toEqual(['Tumor', 'Stroma']);
    expect(r.labelNames).toEqual(['background', 'Tumor', 'Stroma']);
    const f = Array.from(r.fractions, (v) => Number(v.toFixed(6)));
    expect(f).toEqual([0.75, 0, 0.75, 0, 0, 1, 0, 0, 0, 0, 0.5, 0.5]);
    expect(Array.from(r.labels)).toEqual([1, 1, 2, 0, 0, 1]); // last: a 0.5/0.5 tie goes to the lower value
  });

  it('applies threshold and any rules', () => {
    expect(Array.from(computePatchLabels(ann, coords, 100, { rule: 'threshold:0.8' }).labels)).toEqual([
      0, 0, 2, 0, 0, 0,
    ]);
    expect(Array.from(computePatchLabels(ann, coords, 100, { rule: 'any' }).labels)).toEqual([1, 1, 2, 0, 0, 1]);
    expect(() => parseLabelRule('threshold:2')).toThrow(/--rule/);
  });

  it('agrees with a fine rasterisation on curved shapes with holes', () => {
    const c = collection([feature([ngon(500, 500, 400, 90), ngon(450, 520, 150, 30, true)], 'T')]);
    const cs: number[] = [];
    for (let y = 0; y < 1000; y += 128) for (let x = 0; x < 1000; x += 128) cs.push(x, y);
    const r = computePatchLabels(c, Int32Array.from(cs), 128);
    const mask = new MaskRasterizer(c, { downsample: 0.25 }).tile({ x: 0, y: 0, width: 4000, height: 4000 });
    for (let p = 0; p < cs.length / 2; p++) {
      let n = 0;
      for (let j = cs[2 * p + 1]! * 4; j < (cs[2 * p + 1]! + 128) * 4 && j < 4000; j++) {
        for (let i = cs[2 * p]! * 4; i < (cs[2 * p]! + 128) * 4 && i < 4000; i++) n += mask[j * 4000 + i]!;
      }
      expect(Math.abs(n / (512 * 512) - r.fractions[p]!)).toBeLessThan(0.004);
    }
  });

  it('gives the same areas with and without the edge index of a large outline', () => {
    const c = collection([feature([ngon(5000, 5000, 4000, 2000), ngon(4000, 5000, 1000, 500, true)], 'T')]);
    const shape = compileShapes(c, ['T'])[0]!;
    const ei = new ShapeEdgeIndex(shape);
    let inside = 0;
    for (let y = 0; y < 10000; y += 300) {
      for (let x = 0; x < 10000; x += 300) {
        const a = shapeAreaInRect(shape, x, y, x + 256, y + 256);
        const b = shapeAreaInRect(shape, x, y, x + 256, y + 256, undefined, ei);
        expect(Math.abs(a - b)).toBeLessThan(1e-6);
        if (b === 256 * 256) inside++;
      }
    }
    expect(inside).toBeGreaterThan(300);
  });

  it('writes a CSV atomically', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wsi-lab-'));
    const out = join(dir, 'labels.csv');
    const r = await labelPatches(ann, { coords, patchSizeLevel0: 100 }, { out });
    expect(r.counts).toEqual([2, 3, 1]);
    const lines = readFileSync(out, 'utf8').trim().split('\n');
    expect(lines[0]).toBe('x,y,label,label_name,frac_Tumor,frac_Stroma');
    expect(lines[6]).toBe('150,0,1,Tumor,0.5,0.5');
    await expect(labelPatches(ann, { coords, patchSizeLevel0: 100 }, { out: join(dir, 'x.txt') })).rejects.toThrow(
      /must end in .csv or .h5/,
    );
  });
});

describe('h5 coords in, h5 labels out (@wsi/h5)', () => {
  it('reads a coords file and writes labels, label_names and fractions', async () => {
    const { writeCoordsFile, withH5Read } = await import('@wsi/h5');
    const dir = mkdtempSync(join(tmpdir(), 'wsi-lab5-'));
    const coordsPath = join(dir, 'slide.h5');
    const meta = {
      name: 'slide',
      patchSize: 100,
      patchLevel: 0,
      downsample: [1, 1] as [number, number],
      patchSizeLevel0: 100,
      levelDim: [1000, 1000] as [number, number],
      downsampledLevelDim: [1000, 1000] as [number, number],
      overlap: 0,
    };
    await writeCoordsFile(coordsPath, { coords: new Int32Array([0, 0, 100, 100, 200, 0]), meta });
    const ann = collection([feature([rect(0, 0, 200, 200), rect(50, 50, 150, 150)], 'Tumor')]);
    const out = join(dir, 'labels.h5');
    const r = await labelPatches(ann, coordsPath, { out });
    expect(Array.from(r.labels)).toEqual([1, 1, 0]);
    const back = await withH5Read(out, (file) => {
      const get = (n: string) =>
        file.get(n) as unknown as { value: unknown; shape: number[]; attrs: Record<string, { value: unknown }> };
      const labels = get('labels');
      const fr = get('fractions');
      return {
        labels: Array.from(labels.value as Uint8Array),
        shape: labels.shape,
        names: labels.attrs.label_names?.value,
        fractions: Array.from(fr.value as Float32Array),
        columns: fr.attrs.columns?.value,
        coords: Array.from(get('coords').value as BigInt64Array, Number),
      };
    });
    expect(back).toEqual({
      labels: [1, 1, 0],
      shape: [3],
      names: ['background', 'Tumor'],
      fractions: [0.75, 0.75, 0],
      columns: ['Tumor'],
      coords: [0, 0, 100, 100, 200, 0],
    });
  });
});
