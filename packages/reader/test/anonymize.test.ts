import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isWsiError, MemorySource } from '@wsi/core';
import { syntheticTissue, writePhilipsTiff } from '@wsi/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { anonymizeSlide } from '../src/anonymize/anonymize.js';
import { scrubDescription } from '../src/anonymize/scrub.js';
import { openSlide } from '../src/open.js';
import { parseTiff } from '../src/tiff/parser.js';
import { buildTiff, gradientTile } from './helpers/build-tiff.js';

const dir = mkdtempSync(join(tmpdir(), 'wsi-anon-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('scrubDescription', () => {
  it('drops identifying Aperio pairs and keeps the rest in order', () => {
    const d =
      'Aperio Image Library v12.0.15\r\n2220x2967 (240x240) JPEG/RGB Q=70|AppMag = 20|Filename = CMU-1|Date = 12/29/09|Time = 09:59:15|User = b414003d|MPP = 0.4990|ScanScope ID = CPAPERIOCS';
    const r = scrubDescription(d);
    expect(r.text).toBe('Aperio Image Library v12.0.15\r\n2220x2967 (240x240) JPEG/RGB Q=70|AppMag = 20|MPP = 0.4990');
    expect(r.removed).toEqual(['Filename', 'Date', 'Time', 'User', 'ScanScope ID']);
  });
  it('leaves other descriptions alone', () => {
    expect(scrubDescription('level=1 mag=20')).toEqual({ text: 'level=1 mag=20', removed: [] });
  });
});

describe('anonymizeSlide', () => {
  it('generic TIFF: drops DateTime, Artist, HostComputer, DocumentName; pixels byte-identical', async () => {
    const tiles = [0, 1, 2, 3].map((i) => gradientTile(32, 32, (i % 2) * 32, Math.floor(i / 2) * 32));
    const { bytes } = buildTiff([
      {
        width: 64,
        height: 64,
        tileWidth: 32,
        tileHeight: 32,
        tiles,
        extra: [
          { tag: 306, type: 2, values: '2025:01:02 10:00:00' },
          { tag: 315, type: 2, values: 'Dr. Who' },
          { tag: 316, type: 2, values: 'scanner-17.hospital.org' },
          { tag: 269, type: 2, values: 'patient-1234.tif' },
        ],
      },
    ]);
    const input = join(dir, 'generic.tif');
    writeFileSync(input, bytes);
    const out = join(dir, 'generic-anon.tif');
    const report = await anonymizeSlide(input, out);
    expect(report.removedTags).toEqual([269, 306, 315, 316]);
    const t = await parseTiff(new MemorySource(new Uint8Array(readFileSync(out))));
    for (const tag of [269, 306, 315, 316]) expect(t.ifds[0]!.has(tag)).toBe(false);
    const a = await openSlide(input);
    const b = await openSlide(out);
    const ra = await a.readRegion({ x: 0, y: 0, level: 0, width: 64, height: 64 });
    const rb = await b.readRegion({ x: 0, y: 0, level: 0, width: 64, height: 64 });
    expect(Buffer.compare(Buffer.from(ra.data as Uint8Array), Buffer.from(rb.data as Uint8Array))).toBe(0);
    await a.close();
    await b.close();
  });

  it('Philips: label/macro pages and XML base64 images removed, barcode and source file scrubbed', async () => {
    for (const associated of ['pages', 'xml'] as const) {
      const input = join(dir, `philips-${associated}.tiff`);
      await writePhilipsTiff(input, {
        source: syntheticTissue({ width: 600, height: 500, seed: 1 }),
        levels: 2,
        associated,
        barcode: 'PATIENT-1234',
      });
      const out = join(dir, `philips-${associated}-anon.tiff`);
      const report = await anonymizeSlide(input, out);
      expect(report.removedImages.sort()).toEqual(['label', 'macro']);
      expect(report.removedFields).toEqual(expect.arrayContaining(['PIM_DP_UFS_BARCODE', 'PIM_DP_SOURCE_FILE']));
      const s = await openSlide(out);
      expect(s.format).toBe('philips');
      expect(s.associatedImages).toEqual([]);
      expect(Object.keys(s.properties).some((k) => k.includes('BARCODE'))).toBe(false);
      expect(s.levels.length).toBe(2);
      await s.close();
    }
  });

  it('refuses to write over its input', async () => {
    const input = join(dir, 'generic.tif');
    const err = await anonymizeSlide(input, input).catch((e: unknown) => e);
    expect(isWsiError(err, 'InvalidArgument')).toBe(true);
  });
});
