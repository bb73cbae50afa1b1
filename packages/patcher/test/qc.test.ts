/**
 * Patch QC on the labelled histolab tiles (tissue / no-tissue / pen / almost-white): a confusion matrix at full
 * resolution, at the 64-px downsampled size `wsi patch` measures at by default, and through a slide (an SVS mosaic of
 * the tiles, read by `computePatchQc` at its ×4 level); blur, flags, filters, and the `qc` dataset `run` writes.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Slide } from '@wsi/core';
import { readCoordsFile } from '@wsi/h5';
import { openSlide } from '@wsi/reader';
import { bufferSource, fixture, writeSvs } from '@wsi/testing';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  computePatchQc,
  DEFAULT_QC_RULES,
  describeQcFlags,
  filterByQc,
  measurePatch,
  PatchGenerator,
  QC_COLUMNS,
  QC_FLAGS,
  QC_MEASURES,
  qcFlags,
  qcReadPlan,
} from '../src/index.js';

const tilesDir = fixture('tiles/histolab-tissue-qc');
const cmu = fixture('aperio/CMU-1-Small-Region.svs');
const LABELS = ['tissue', 'no-tissue', 'pen', 'almost-white'] as const;
const PREDICTED = ['keep', 'drop:pen', 'drop:no-tissue', 'drop:other'] as const;

function labelOf(file: string): (typeof LABELS)[number] {
  if (file.startsWith('tissue')) return 'tissue';
  if (file.startsWith('almost-white')) return 'almost-white';
  return file.includes('pen') ? 'pen' : 'no-tissue';
}

function predicted(flags: number): (typeof PREDICTED)[number] {
  if (flags === 0) return 'keep';
  if (flags & QC_FLAGS.pen) return 'drop:pen';
  if (flags & (QC_FLAGS.lowTissue | QC_FLAGS.background)) return 'drop:no-tissue';
  return 'drop:other';
}

function rowOf(q: Record<string, number>): Float32Array {
  return Float32Array.from([...QC_MEASURES.map((m) => q[m] as number), 0]);
}

type Matrix = Record<string, Record<string, number>>;
function confusion(results: { file: string; flags: number }[], title: string): Matrix {
  const m: Matrix = Object.fromEntries(LABELS.map((l) => [l, Object.fromEntries(PREDICTED.map((p) => [p, 0]))]));
  for (const r of results) (m[labelOf(r.file)] as Record<string, number>)[predicted(r.flags)]++;
  const lines = [`QC confusion matrix (${title}), rows = label, columns = prediction`];
  lines.push(['label'.padEnd(14), ...PREDICTED.map((p) => p.padStart(15))].join(''));
  for (const l of LABELS) lines.push([l.padEnd(14), ...PREDICTED.map((p) => String(m[l]?.[p]).padStart(15))].join(''));
  console.log(lines.join('\n'));
  return m;
}

/** Sharp keep/drop decisions: all tissue kept, all others dropped, pen tiles flagged as pen. */
function expectFloor(m: Matrix, results: { file: string; flags: number }[]): void {
  const correct = results.filter((r) => (labelOf(r.file) === 'tissue') === (r.flags === 0)).length;
  expect(correct / results.length).toBeGreaterThanOrEqual(12 / 13);
  expect(m.tissue?.keep).toBe(6);
  expect(m.pen?.['drop:pen']).toBe(2);
  expect((m['no-tissue']?.keep ?? 0) + (m['almost-white']?.keep ?? 0)).toBe(0);
}

async function tile(file: string, side?: number, blur?: number) {
  let img = sharp(join(tilesDir as string, file)).ensureAlpha();
  if (blur) img = sharp(await img.blur(blur).png().toBuffer());
  if (side) img = img.resize(side, side, { kernel: 'lanczos3' });
  const { data, info } = await img.raw().toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, channels: info.channels, data };
}

describe.skipIf(!tilesDir)('QC on the labelled histolab tiles (needs ../shared/fixtures/tiles)', () => {
  const files = tilesDir ? readdirSync(tilesDir).filter((f) => f.endsWith('.png')) : [];

  it.each([
    ['full resolution (512 px)', undefined],
    ['downsampled to 64 px', 64],
  ])('separates tissue from no-tissue, pen and almost-white tiles at %s', async (title, side) => {
    expect(files).toHaveLength(13);
    const results: { file: string; flags: number }[] = [];
    for (const f of files) {
      const flags = qcFlags(QC_COLUMNS, rowOf(measurePatch(await tile(f, side))))[0] as number;
      results.push({ file: f, flags });
    }
    expectFloor(confusion(results, title), results);
  });

  it('flags a blurred tissue tile as blur and keeps the sharp one', async () => {
    const f = files.find((x) => x.startsWith('tissue-level2')) as string;
    const sharpQ = measurePatch(await tile(f));
    const blurQ = measurePatch(await tile(f, undefined, 4));
    expect(sharpQ.laplacian_var).toBeGreaterThan(1000);
    expect(blurQ.laplacian_var).toBeLessThan(DEFAULT_QC_RULES.minLaplacianVar);
    expect(blurQ.tissue).toBeGreaterThan(0.3);
    const flags = qcFlags(QC_COLUMNS, Float32Array.from([...rowOf(sharpQ), ...rowOf(blurQ)]));
    expect(describeQcFlags(flags[0] as number)).toEqual([]);
    expect(describeQcFlags(flags[1] as number)).toEqual(['blur']);
  });

  describe('through a slide: an SVS mosaic of the 13 tiles measured at its ×4 level', () => {
    let dir: string;
    let slide: Slide;
    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), 'wsi-qc-'));
      const W = 2048;
      const rgb = new Uint8Array(W * W * 3).fill(242);
      for (let k = 0; k < files.length; k++) {
        const { data } = await sharp(join(tilesDir as string, files[k] as string))
          .removeAlpha()
          .raw()
          .toBuffer({ resolveWithObject: true });
        const ox = (k % 4) * 512;
        const oy = Math.floor(k / 4) * 512;
        for (let y = 0; y < 512; y++) rgb.set(data.subarray(y * 512 * 3, (y + 1) * 512 * 3), ((oy + y) * W + ox) * 3);
      }
      await writeSvs(join(dir, 'mosaic.svs'), { source: bufferSource(rgb, W, W), levels: [1, 4], quality: 90 });
      slide = await openSlide(join(dir, 'mosaic.svs'));
    });
    afterAll(async () => {
      await slide?.close();
      rmSync(dir, { recursive: true, force: true });
    });

    it('gives the same decisions as the tiles (confusion matrix through computePatchQc)', async () => {
      const coords = new Int32Array(files.length * 2);
      files.forEach((_, k) => {
        coords[k * 2] = (k % 4) * 512;
        coords[k * 2 + 1] = Math.floor(k / 4) * 512;
      });
      const meta = {
        name: 'mosaic',
        patchSize: 512,
        patchLevel: 0,
        downsample: [1, 1] as [number, number],
        patchSizeLevel0: 512,
        levelDim: [2048, 2048] as [number, number],
        downsampledLevelDim: [2048, 2048] as [number, number],
        overlap: 0,
      };
      expect(qcReadPlan(slide, meta, 64)).toEqual({ level: 1, side: 128 });
      expect(qcReadPlan(slide, meta, Number.POSITIVE_INFINITY)).toEqual({ level: 0, side: 512 });
      const qc = await computePatchQc(slide, { coords, meta }, { concurrency: 4 });
      expect(qc.columns).toEqual(QC_COLUMNS);
      expect(qc.attrs).toMatchObject({ qc_level: 1, qc_side: 128 });
      const k = QC_COLUMNS.length;
      const results = files.map((file, i) => ({ file, flags: qc.data[i * k + k - 1] as number }));
      expectFloor(confusion(results, 'slide, ×4 level, 128 px'), results);
      const kept = filterByQc(coords, qc);
      expect(kept.indices.length).toBe(6);
      expect(Array.from(kept.indices).every((i) => labelOf(files[i] as string) === 'tissue')).toBe(true);
      // dropping only pen keeps the white tiles
      const penOnly = filterByQc(coords, qc, {}, QC_FLAGS.pen);
      expect(penOnly.indices.length).toBe(11);
      expect(penOnly.coords.length).toBe(22);
    });
  });
});

describe('QC rules', () => {
  it('computes flags from columns in any order and rejects missing columns or bad rules', () => {
    const cols = ['pen', 'tissue', 'background', 'laplacian_var', 'overexposed', 'luma_mean', 'dark'];
    const data = Float32Array.from([
      0.5, 0.9, 0, 500, 0, 150, 0, 0, 0.05, 0.95, 500, 0.9, 252, 0, 0, 0.9, 0, 10, 0, 20, 0.8,
    ]);
    const f = qcFlags(cols, data);
    expect(describeQcFlags(f[0] as number)).toEqual(['pen']);
    expect(describeQcFlags(f[1] as number)).toEqual(['lowTissue', 'background', 'overexposed']);
    expect(describeQcFlags(f[2] as number)).toEqual(['blur', 'underexposed']);
    expect(qcFlags(cols, data, { maxPen: 0.6 })[0]).toBe(0);
    expect(() => qcFlags(['tissue'], new Float32Array(1))).toThrow(/no column/);
    expect(() => qcFlags(cols, data, { minTissue: Number.NaN })).toThrow(/number/);
    expect(() => filterByQc(new Int32Array(4), { columns: cols, data })).toThrow(/values/);
  });

  it('treats transparent pixels (outside the slide) as background and rejects bad buffers', () => {
    const q = measurePatch({ width: 8, height: 8, channels: 4, data: new Uint8Array(256) });
    expect(q.background).toBe(1);
    expect(q.tissue).toBe(0);
    expect(() => measurePatch({ width: 8, height: 8, channels: 4, data: new Uint8Array(10) })).toThrow(/RGBA/);
    expect(() => measurePatch({ width: 8, height: 8, channels: 2, data: new Uint8Array(128) })).toThrow(/RGB/);
  });
});

describe('computePatchQc through a plain Slide (readRegion only, no fixtures)', () => {
  // level 0 is 1024², level 1 is ×4; columns: tissue-coloured, green ink, white
  const colour = (x: number): [number, number, number] =>
    x < 256 ? [190, 110, 170] : x < 512 ? [40, 170, 130] : [245, 245, 245];
  const reads: number[] = [];
  const slide = {
    levels: [
      { width: 1024, height: 1024, downsample: 1, tileWidth: 256, tileHeight: 256 },
      { width: 256, height: 256, downsample: 4, tileWidth: 256, tileHeight: 256 },
    ],
    async readRegion(r: { x: number; y: number; level: number; width: number; height: number }) {
      reads.push(r.level);
      const data = new Uint8Array(r.width * r.height * 4);
      for (let i = 0; i < r.width * r.height; i++) data.set([...colour(r.x), 255], i * 4);
      // texture so that the tissue column is not "blurred"
      if (r.x < 256) for (let i = 0; i < r.width * r.height; i += 2) data[i * 4] = (data[i * 4] as number) - 60;
      return { width: r.width, height: r.height, channels: 4, dtype: 'uint8' as const, data };
    },
  } as unknown as Slide;
  const meta = {
    name: 'plain',
    patchSize: 256,
    patchLevel: 0,
    downsample: [1, 1] as [number, number],
    patchSizeLevel0: 256,
    levelDim: [1024, 1024] as [number, number],
    downsampledLevelDim: [1024, 1024] as [number, number],
    overlap: 0,
  };

  it('reads at the coarser level and flags ink and background', async () => {
    const coords = new Int32Array([0, 0, 256, 0, 512, 0]);
    const qc = await computePatchQc(slide, { coords, meta }, { side: 64 });
    expect(new Set(reads)).toEqual(new Set([1]));
    const k = QC_COLUMNS.length;
    const flags = [0, 1, 2].map((i) => describeQcFlags(qc.data[i * k + k - 1] as number));
    expect(flags[0]).toEqual([]);
    expect(flags[1]).toContain('pen');
    expect(flags[2]).toEqual(['lowTissue', 'background']);
    expect(qcReadPlan(slide, meta, 128)).toEqual({ level: 0, side: 256 });
    expect(() => qcReadPlan(slide, meta, 0)).toThrow(/side/);
  });
});

describe.skipIf(!cmu)('PatchGenerator.run writes qc beside coords (needs CMU-1-Small-Region)', () => {
  it('stores N rows aligned with coords, and none with qc: false', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wsi-qc-run-'));
    try {
      const r = await new PatchGenerator({ preset: 'tcga', segmentation: { aT: 0.5 }, patchSize: 256 }).run(
        cmu as string,
        dir,
      );
      const f = await readCoordsFile(r.coordsPath);
      expect(f.qc?.columns).toEqual(QC_COLUMNS);
      expect(f.qc?.data.length).toBe(r.count * QC_COLUMNS.length);
      expect(r.qc?.flagged).toBeLessThan(r.count / 4);
      expect(JSON.parse(String(f.qc?.attrs?.rules))).toEqual(DEFAULT_QC_RULES);
      const off = await new PatchGenerator({
        preset: 'tcga',
        segmentation: { aT: 0.5 },
        patchSize: 256,
        qc: false,
      }).run(cmu as string, join(dir, 'off'));
      expect((await readCoordsFile(off.coordsPath)).qc).toBeUndefined();
      expect(off.qc).toBeUndefined();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
