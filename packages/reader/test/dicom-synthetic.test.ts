/**
 * DICOM WSI features on synthetic series written by the test (no fixtures needed): TILED_FULL and TILED_SPARSE,
 * concatenations, optical paths, associated images, native / RLE / JPEG-LS frames, mpp fallbacks, lists and folders.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeRle } from '../src/formats/dicom/codecs.js';
import { type DicomSlide, openDicomSlide } from '../src/formats/dicom/index.js';
import { openSlide } from '../src/open.js';
import {
  concat,
  encapsulated,
  encodeJ2k,
  encodeJpegLs,
  encodeRle,
  patternFrame,
  rgba,
  writeInstance,
} from './dicom-helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'wsi-dicom-syn-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
/** Writes files into a fresh folder of the temp dir. */
function write(files: Record<string, Uint8Array>): string {
  const d = join(dir, `s${n++}`);
  mkdirSync(d);
  for (const [name, bytes] of Object.entries(files)) writeFileSync(join(d, name), bytes);
  return d;
}

/** Expected RGBA of a level made of 16×16 pattern tiles `seed = row * across + col`. */
function expectTile(slide: DicomSlide, level: number, col: number, row: number, seed: number) {
  return slide.readTile(level, col, row).then((t) => {
    const full = rgba(patternFrame(16, seed));
    const out = new Uint8Array(t.width * t.height * 4);
    for (let y = 0; y < t.height; y++) out.set(full.subarray(y * 64, y * 64 + t.width * 4), y * t.width * 4);
    expect(Buffer.from(t.data as Uint8Array).equals(Buffer.from(out))).toBe(true);
  });
}

describe('DICOM synthetic series', () => {
  it('opens a TILED_FULL pyramid from a folder, largest level first, label as associated image', async () => {
    const l0 = writeInstance({
      width: 40,
      height: 30,
      tile: 16,
      frames: [0, 1, 2, 3, 4, 5].map((s) => patternFrame(16, s)),
      native: true,
      sop: '1.1',
    });
    const l1 = writeInstance({
      width: 20,
      height: 15,
      tile: 16,
      frames: [patternFrame(16, 9), patternFrame(16, 10)],
      native: true,
      sop: '1.2',
    });
    const label = writeInstance({
      width: 16,
      height: 16,
      tile: 16,
      frames: [patternFrame(16, 7)],
      native: true,
      imageType: 'LABEL',
      sop: '1.3',
    });
    const d = write({
      'b.dcm': l1,
      'a.dcm': l0,
      'label.dcm': label,
      'notes.txt': new TextEncoder().encode('not dicom'),
    });
    const slide = (await openSlide(d)) as unknown as DicomSlide;
    try {
      expect(slide.format).toBe('dicom');
      expect(slide.levels.map((l) => [l.width, l.height])).toEqual([
        [40, 30],
        [20, 15],
      ]);
      expect(slide.associatedImages).toEqual(['label']);
      expect(slide.mpp).toEqual({ x: 0.25, y: 0.25 });
      expect(slide.properties['dicom.ImageOrientationSlide[1]']).toBe('-1');
      await expectTile(slide, 0, 2, 1, 5);
      await expectTile(slide, 0, 0, 0, 0);
      await expectTile(slide, 1, 0, 0, 9);
      await expectTile(slide, 1, 1, 0, 10);
      const lab = await slide.readAssociatedImage('label');
      expect(Buffer.from(lab.data as Uint8Array).equals(Buffer.from(rgba(patternFrame(16, 7))))).toBe(true);
      await expect(slide.readAssociatedImage('macro')).rejects.toMatchObject({ code: 'NotFound' });
    } finally {
      await slide.close();
    }
  });

  it('reads a TILED_SPARSE level from per-frame positions; absent tiles are transparent', async () => {
    const order = [
      { col: 1, row: 1, seed: 3 },
      { col: 0, row: 0, seed: 0 },
      { col: 1, row: 0, seed: 1 },
    ];
    const f = writeInstance({
      width: 32,
      height: 32,
      tile: 16,
      frames: order.map((o) => patternFrame(16, o.seed)),
      sparse: order,
      native: true,
    });
    const d = write({ 'sparse.dcm': f });
    const slide = await openDicomSlide(d);
    try {
      await expectTile(slide, 0, 1, 1, 3);
      await expectTile(slide, 0, 1, 0, 1);
      const missing = await slide.readTile(0, 0, 1);
      expect(Math.max(...(missing.data as Uint8Array))).toBe(0);
    } finally {
      await slide.close();
    }
  });

  it('joins a concatenation by ConcatenationFrameOffsetNumber and opens from a list of files', async () => {
    const frames = [0, 1, 2, 3].map((s) => patternFrame(16, s));
    const concat = (k: number, offset: number, fr: Uint8Array[]) =>
      writeInstance({
        width: 32,
        height: 32,
        tile: 16,
        frames: fr,
        native: true,
        sop: `2.${k}`,
        extra: [
          ['00200242', 'UI', '2.0'],
          ['00209228', 'UL', offset],
          ['00209161', 'UI', '2.9'],
        ],
      });
    const d = write({ 'p2.dcm': concat(2, 3, frames.slice(3)), 'p1.dcm': concat(1, 0, frames.slice(0, 3)) });
    const slide = await openDicomSlide([join(d, 'p2.dcm'), join(d, 'p1.dcm')]);
    try {
      for (let s = 0; s < 4; s++) await expectTile(slide, 0, s % 2, Math.floor(s / 2), s);
    } finally {
      await slide.close();
    }
  });

  it('lists optical paths brightfield first and reads the brightfield frames', async () => {
    const paths = [
      [
        ['00480106', 'SH', 'FL1'],
        [
          '00220016',
          'SQ',
          [
            [
              ['00080100', 'SH', '111743'],
              ['00080102', 'SH', 'DCM'],
              ['00080104', 'LO', 'Epifluorescence illumination'],
            ],
          ],
        ],
      ],
      [
        ['00480106', 'SH', 'BF'],
        [
          '00220016',
          'SQ',
          [
            [
              ['00080100', 'SH', '111744'],
              ['00080102', 'SH', 'DCM'],
              ['00080104', 'LO', 'Brightfield illumination'],
            ],
          ],
        ],
        ['00480112', 'DS', 20],
      ],
    ] as const;
    // TILED_FULL: all tiles of path 1, then all tiles of path 2
    const f = writeInstance({
      width: 16,
      height: 32,
      tile: 16,
      frames: [10, 11, 20, 21].map((s) => patternFrame(16, s)),
      native: true,
      extra: [
        ['00480105', 'SQ', paths],
        ['00480302', 'UL', 2],
      ],
    });
    const d = write({ 'op.dcm': f });
    const slide = await openDicomSlide(join(d, 'op.dcm'));
    try {
      expect(slide.properties['dicom.optical-paths']).toBe('BF,FL1');
      expect(slide.properties['dicom.OpticalPathSequence[1].OpticalPathIdentifier']).toBe('BF');
      await expectTile(slide, 0, 0, 0, 20);
      await expectTile(slide, 0, 0, 1, 21);
    } finally {
      await slide.close();
    }
  });

  it('decodes RLE Lossless and JPEG-LS frames exactly, and treats a missing DimensionOrganizationType as TILED_FULL', async () => {
    const px = [0, 1].map((s) => patternFrame(16, s));
    const rle = writeInstance({
      width: 32,
      height: 16,
      tile: 16,
      frames: px.map((p) => encodeRle(p, 3)),
      transferSyntax: '1.2.840.10008.1.2.5',
      noOrganization: true,
      sop: '3.1',
    });
    const ls = await Promise.all(px.map((p) => encodeJpegLs(p, 16, 16, 3)));
    const jls = writeInstance({
      width: 32,
      height: 16,
      tile: 16,
      frames: ls,
      transferSyntax: '1.2.840.10008.1.2.4.80',
      sop: '3.2',
      series: '8.8',
    });
    const d1 = write({ 'rle.dcm': rle });
    const d2 = write({ 'jls.dcm': jls });
    for (const d of [d1, d2]) {
      const slide = await openDicomSlide(d);
      try {
        await expectTile(slide, 0, 0, 0, 0);
        await expectTile(slide, 0, 1, 0, 1);
      } finally {
        await slide.close();
      }
    }
    // the RLE decoder itself: planes, then a run that overflows → CorruptFile
    expect(decodeRle(encodeRle(Uint8Array.of(5, 5, 5, 5), 1), { width: 2, height: 2, samplesPerPixel: 1 })).toEqual(
      Uint8Array.of(5, 5, 5, 5),
    );
    expect(() => decodeRle(new Uint8Array(10), { width: 2, height: 2, samplesPerPixel: 1 })).toThrow(/no header/);
  });

  it('decodes lossless JPEG 2000 (YBR_RCT) frames exactly and reports the ICC profile size', async () => {
    const px = [0, 1].map((s) => patternFrame(32, s));
    const frames = await Promise.all(px.map((p) => encodeJ2k(p, 32, 32)));
    const icc = new Uint8Array(1234).fill(3);
    const f = writeInstance({
      width: 64,
      height: 32,
      tile: 32,
      frames,
      transferSyntax: '1.2.840.10008.1.2.4.90',
      photometric: 'YBR_RCT',
      extra: [
        [
          '00480105',
          'SQ',
          [
            [
              ['00480106', 'SH', '1'],
              ['00282000', 'OB', icc],
            ],
          ],
        ],
      ],
    });
    const slide = await openDicomSlide(write({ 'j2k.dcm': f }));
    try {
      for (const k of [0, 1]) {
        const t = await slide.readTile(0, k, 0);
        expect(Buffer.from(t.data as Uint8Array).equals(Buffer.from(rgba(px[k] as Uint8Array)))).toBe(true);
      }
      expect(slide.properties['openslide.icc-size']).toBe('1234');
      expect(await slide.readIccProfile()).toEqual(icc);
    } finally {
      await slide.close();
    }
  });

  it('groups fragments into frames by the Basic Offset Table, and locates frames by the Extended Offset Table', async () => {
    const px = [0, 1].map((s) => patternFrame(16, s));
    const rle = px.map((p) => encodeRle(p, 3));
    // each frame in two fragments (even lengths)
    const halves = rle.flatMap((r) => {
      const cut = Math.floor(r.length / 4) * 2;
      return [r.subarray(0, cut), r.subarray(cut)];
    });
    const bot = [0, 8 + (halves[0] as Uint8Array).length + 8 + (halves[1] as Uint8Array).length];
    const withBot = writeInstance({
      width: 32,
      height: 16,
      tile: 16,
      frames: [],
      numberOfFrames: 2,
      pixelData: encapsulated(halves, bot),
      transferSyntax: '1.2.840.10008.1.2.5',
      sop: '6.1',
    });
    // EOT: offsets from the first fragment item, lengths of each frame
    const evenRle = rle.map((r) => (r.length % 2 ? concat([r, new Uint8Array(1)]) : r));
    const eot = [0, 8 + (evenRle[0] as Uint8Array).length];
    const withEot = writeInstance({
      width: 32,
      height: 16,
      tile: 16,
      frames: rle,
      transferSyntax: '1.2.840.10008.1.2.5',
      sop: '6.2',
      series: '6.9',
      extra: [
        ['7FE00001', 'OV', eot],
        ['7FE00002', 'OV', evenRle.map((r) => r.length)],
      ],
    });
    for (const f of [withBot, withEot]) {
      const slide = await openDicomSlide(write({ 'f.dcm': f }));
      try {
        await expectTile(slide, 0, 0, 0, 0);
        await expectTile(slide, 0, 1, 0, 1);
      } finally {
        await slide.close();
      }
    }
  });

  it('takes mpp from ImagedVolume / TotalPixelMatrix when Pixel Spacing is absent', async () => {
    const f = writeInstance({
      width: 16,
      height: 16,
      tile: 16,
      frames: [patternFrame(16, 1)],
      native: true,
      pixelSpacing: false,
    });
    const d = write({ 'v.dcm': f });
    const slide = await openDicomSlide(d);
    try {
      expect(slide.mpp?.x).toBeCloseTo(0.5, 5);
      expect(slide.mpp?.y).toBeCloseTo(0.5, 5);
    } finally {
      await slide.close();
    }
  });
});
