import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { hasPythonModules } from '../src/paths.js';
import { philipsDescription } from '../src/philips/description.js';
import { writePhilipsTiff } from '../src/philips/writer.js';
import { syntheticTissue } from '../src/sources/synthetic.js';
import { openslideInfo, tempDir } from './oracle-helpers.js';

const oracle = hasPythonModules(['openslide', 'numpy']);
const dir = tempDir('philips');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('philipsDescription', () => {
  it('is a DPUfsImport DataObject with the WSI, its spacing and one PixelDataRepresentation per level', () => {
    const xml = philipsDescription({
      imageWidth: 1900,
      imageHeight: 1300,
      spacingMm: [0.00025, 0.00025],
      levels: [
        { width: 2048, height: 2048, spacingMm: [0.00025, 0.00025] },
        { width: 1024, height: 1024, spacingMm: [0.0005, 0.0005] },
      ],
    });
    expect(xml).toMatch(/^<\?xml[^>]*>\n<DataObject ObjectType="DPUfsImport">/);
    expect(xml).toContain('PMSVR="IDoubleArray">&quot;0.00025&quot; &quot;0.00025&quot;</Attribute>');
    expect(xml.match(/ObjectType="PixelDataRepresentation"/g)?.length).toBe(2);
    expect(xml).toContain('Name="PIM_DP_IMAGE_COLUMNS" Group="0x301D" Element="0x1007" PMSVR="IUInt32">1900<');
  });
});

describe.skipIf(!oracle)(
  'writePhilipsTiff, checked by OpenSlide 3.4.1 (skipped without /usr/bin/python3 + openslide)',
  () => {
    for (const associated of ['pages', 'xml'] as const) {
      it(`opens as philips with the padded levels, mpp and label/macro (${associated})`, async () => {
        const path = join(dir, `p-${associated}.tiff`);
        const res = await writePhilipsTiff(path, {
          source: syntheticTissue({ width: 1900, height: 1300, seed: 2 }),
          levels: 3,
          mpp: 0.25,
          associated,
        });
        const info = openslideInfo(path);
        expect(info.vendor).toBe('philips');
        expect(info.dimensions).toEqual(res.levels.map((l) => [l.width, l.height]));
        expect(info.dimensions).toEqual([
          [2048, 2048],
          [1024, 1024],
          [512, 512],
        ]);
        expect(info.downsamples).toEqual([1, 2, 4]);
        expect(Number(info.mppX)).toBeCloseTo(0.25, 12);
        expect(info.associated).toEqual({ label: [400, 400], macro: [1280, 431] });
      }, 60_000);
    }
  },
);
