/**
 * CLAM's segmentation and four_pt grid against an independent OpenCV reference on the same pixels, on a composed
 * slide with holed islands and on the real CMU-1-Small-Region fixture; tissue IoU against the composed slide's
 * ground truth is reported.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSlide } from '@wsi/reader';
import { type ComposedSlide, fixture, hasPythonModules, writeComposedSlide } from '@wsi/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { segmentationParams, segmentTissue, tissueGrid } from '../src/index.js';
import { coordAgreement, iou, runClamReference } from './oracle.js';

const oracle = hasPythonModules(['cv2', 'numpy']);
const cmu = fixture('aperio/CMU-1-Small-Region.svs');
const tiles = fixture('tiles');

describe.skipIf(!oracle || !tiles)(
  'composed slide with holed islands vs the OpenCV CLAM reference (needs cv2 and shared tiles)',
  () => {
    let dir: string;
    let path: string;
    let truth: ComposedSlide;
    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), 'wsi-seg-'));
      path = join(dir, 'composed.svs');
      ({ slide: truth } = await writeComposedSlide(path, {
        width: 8192,
        height: 6144,
        islands: 3,
        seed: 4,
        levels: [1, 4, 16],
        quality: 85,
      }));
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    for (const preset of ['tcga', 'otsu'] as const) {
      it(`${preset}: mask IoU ≥ 0.95 and ≥ 98 % identical four_pt coordinates`, async () => {
        const slide = await openSlide(path);
        try {
          const params = segmentationParams(preset, { aT: 1, aH: 0.1 });
          const seg = await segmentTissue(slide, params);
          expect(seg.level).toBe(2);
          const coords = tissueGrid(seg, { patchSizeLevel0: 256, stepLevel0: 256 });
          const ref = runClamReference(seg, params, { size0: 256, step0: 256 });
          const binaryIou = iou(seg.binary.data, ref.binary);
          const maskIou = iou(seg.mask.data, ref.mask);
          const agree = coordAgreement(coords, ref.coords ?? []);
          const gt = truth.tissueMask(16);
          const gtIou = iou(seg.mask.data, gt.data.subarray(0, seg.mask.data.length));
          console.log(
            JSON.stringify({
              slide: 'composed',
              preset,
              regions: seg.regions.length,
              holes: seg.regions.map((r) => r.holes.length),
              refRegions: ref.regions,
              binaryIou,
              maskIou,
              coords: agree,
              groundTruthTissueIoU: +gtIou.toFixed(4),
            }),
          );
          expect(seg.regions.length).toBe(ref.regions);
          expect(seg.regions.length).toBe(3);
          if (preset === 'tcga') expect(seg.regions.every((r) => r.holes.length >= 1)).toBe(true);
          else expect(seg.regions.some((r) => r.holes.length >= 1)).toBe(true);
          expect(binaryIou).toBe(1);
          expect(maskIou).toBeGreaterThanOrEqual(0.95);
          expect(agree.agreement).toBeGreaterThanOrEqual(0.98);
          expect(agree.ours).toBeGreaterThan(100);
          expect(gtIou).toBeGreaterThan(0.8);
          if (preset === 'tcga') {
            // overlapping grid with odd centre shifts
            const c2 = tissueGrid(seg, { patchSizeLevel0: 500, stepLevel0: 376 });
            const r2 = runClamReference(seg, params, { size0: 500, step0: 376 });
            expect(coordAgreement(c2, r2.coords ?? []).agreement).toBeGreaterThanOrEqual(0.98);
          }
        } finally {
          await slide.close();
        }
      });
    }
  },
);

describe.skipIf(!oracle || !cmu)(
  'CMU-1-Small-Region.svs vs the OpenCV CLAM reference (needs cv2 and the fixture)',
  () => {
    it('small a_t: mask IoU ≥ 0.95 and ≥ 98 % identical coordinates; the default a_t drops everything', async () => {
      const slide = await openSlide(cmu as string);
      try {
        const dflt = await segmentTissue(slide, segmentationParams('clam-default'));
        expect(dflt.regions.length).toBe(0);
        const params = segmentationParams('clam-default', { aT: 0.5, aH: 0.02 });
        const seg = await segmentTissue(slide, params);
        const coords = tissueGrid(seg, { patchSizeLevel0: 256, stepLevel0: 256 });
        const ref = runClamReference(seg, params, { size0: 256, step0: 256 });
        const maskIou = iou(seg.mask.data, ref.mask);
        const agree = coordAgreement(coords, ref.coords ?? []);
        console.log(
          JSON.stringify({
            slide: 'CMU-1-Small-Region',
            regions: seg.regions.length,
            refRegions: ref.regions,
            holes: ref.holes,
            binaryIou: iou(seg.binary.data, ref.binary),
            maskIou,
            coords: agree,
          }),
        );
        expect(seg.regions.length).toBe(ref.regions);
        expect(maskIou).toBeGreaterThanOrEqual(0.95);
        expect(agree.agreement).toBeGreaterThanOrEqual(0.98);
        expect(agree.ours).toBeGreaterThan(20);
      } finally {
        await slide.close();
      }
    });
  },
);
