import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isWsiError } from '@wsi/core';
import { describe, expect, it } from 'vitest';
import { parseAperioXml } from '../src/formats/aperio.js';
import { parseAsapXml } from '../src/formats/asap.js';
import { parseAnnotationCsv } from '../src/formats/csv-points.js';
import { parseGeoJson } from '../src/formats/geojson.js';
import { convertAnnotations, parseAnnotations } from '../src/io/annotations.js';
import { writeStreamAtomic } from '../src/io/atomic.js';
import { rect } from './helpers.js';

function caught(fn: () => unknown): Error {
  try {
    fn();
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected an error');
}

function expectInvalid(fn: () => unknown, pattern: RegExp): void {
  const err = caught(fn);
  expect(isWsiError(err, 'InvalidArgument'), String(err)).toBe(true);
  expect(err.message).toMatch(pattern);
}

const poly = (coordinates: unknown, props: Record<string, unknown> = {}) =>
  JSON.stringify({
    type: 'FeatureCollection',
    features: [{ type: 'Feature', geometry: { type: 'Polygon', coordinates }, properties: props }],
  });

describe('bad input gives typed errors naming the place', () => {
  it('malformed JSON and XML', () => {
    expectInvalid(() => parseGeoJson('{"type": "FeatureCollection", ', 'a.geojson'), /a\.geojson: malformed JSON/);
    expectInvalid(
      () => parseAsapXml('<ASAP_Annotations>\n<Annotations>\n</ASAP_Annotations>', 'a.xml'),
      /a\.xml: malformed XML at line 3/,
    );
    expectInvalid(() => parseAperioXml('<Annotations><Annotation></Annotations', 'b.xml'), /b\.xml: malformed XML/);
  });

  it('wrong schema', () => {
    expectInvalid(() => parseGeoJson('{"type":"Topology"}', 'a.geojson'), /expected a GeoJSON FeatureCollection/);
    expectInvalid(
      () =>
        parseGeoJson(
          '{"type":"FeatureCollection","features":[{"type":"Feature","geometry":{"type":"Circle"},"properties":{}}]}',
          'a',
        ),
      /feature 0: unsupported geometry type "Circle"/,
    );
    expectInvalid(
      () => parseGeoJson(poly([rect(0, 0, 1, 1)], { classification: 'Tumor' }), 'a'),
      /feature 0: 'classification' must be an object/,
    );
    expectInvalid(() => parseAsapXml('<Annotations/>', 'c.xml'), /c\.xml: not ASAP XML/);
    expectInvalid(() => parseAperioXml('<ASAP_Annotations/>', 'd.xml'), /d\.xml: not Aperio/);
    const err = caught(() => parseAnnotations('<Foo/>', { source: 'e.xml' }));
    expect(isWsiError(err, 'UnsupportedFormat')).toBe(true);
  });

  it('huge or non-numeric coordinates', () => {
    expectInvalid(
      () =>
        parseGeoJson(
          poly(
            [
              [
                [0, 0],
                [1e12, 0],
                [5, 5],
                [0, 0],
              ],
            ],
            { name: 'R1' },
          ),
          'a.geojson',
        ),
      /a\.geojson: feature 0 \('R1'\) ring 0 vertex 1 x: coordinate 1000000000000 exceeds/,
    );
    expectInvalid(
      () =>
        parseGeoJson(
          poly([
            [
              [0, 0],
              [1, '2'],
              [5, 5],
              [0, 0],
            ],
          ]),
          'a',
        ),
      /feature 0 ring 0 vertex 1 y: coordinate "2" is not a finite number/,
    );
    const asap =
      '<ASAP_Annotations><Annotations><Annotation Name="x" Type="Polygon" PartOfGroup="None"><Coordinates><Coordinate Order="0" X="1" Y="abc"/></Coordinates></Annotation></Annotations></ASAP_Annotations>';
    expectInvalid(
      () => parseAsapXml(asap, 'f.xml'),
      /f\.xml: annotation 0 \('x'\) coordinate 0 Y: coordinate "abc" is not a finite number/,
    );
    const aperio =
      '<Annotations><Annotation Name="T"><Regions><Region><Vertices><Vertex X="1e400" Y="0"/></Vertices></Region></Regions></Annotation></Annotations>';
    expectInvalid(() => parseAperioXml(aperio, 'g.xml'), /g\.xml: layer 0 \('T'\) region 0 vertex 0 X/);
  });

  it('CSV: bad numbers and headers name line and column', () => {
    expectInvalid(
      () => parseAnnotationCsv('x,y,class\n1,2,A\n3,abc,B\n', 'p.csv'),
      /p\.csv: line 3 column 'y': coordinate "abc"/,
    );
    expectInvalid(() => parseAnnotationCsv('a,b\n1,2\n', 'p.csv'), /p\.csv: header must have x,y/);
    expectInvalid(() => parseAnnotationCsv('x,y\n1,2,3\n', 'p.csv'), /p\.csv: line 2: 3 fields/);
  });

  it('self-intersections name the feature; unclosed rings are closed and zero-area parts dropped', () => {
    expectInvalid(
      () =>
        parseGeoJson(
          poly(
            [
              [
                [0, 0],
                [10, 10],
                [10, 0],
                [0, 10],
                [0, 0],
              ],
            ],
            { name: 'bow' },
          ),
          'a',
        ),
      /feature 0 \('bow'\): self-intersection: ring 0 edge 0 crosses ring 0 edge 2/,
    );
    expectInvalid(
      () => parseGeoJson(poly([rect(0, 0, 10, 10), rect(5, 5, 20, 20)]), 'a'),
      /self-intersection: ring 0 edge \d crosses ring 1/,
    );
    const { collection, warnings } = parseGeoJson(
      poly([
        [
          [0, 0],
          [10, 0],
          [10, 10],
        ],
        [
          [1, 1],
          [2, 2],
          [3, 3],
          [1, 1],
        ],
      ]),
      'a',
    );
    expect(warnings.join('\n')).toMatch(/ring 0: ring was not closed/);
    expect(warnings.join('\n')).toMatch(/ring 1: hole has zero area/);
    expect(collection.features[0]?.geometry).toEqual({
      type: 'Polygon',
      coordinates: [
        [
          [0, 0],
          [10, 0],
          [10, 10],
          [0, 0],
        ],
      ],
    });
    const flat = parseGeoJson(
      poly([
        [
          [0, 0],
          [10, 0],
          [20, 0],
          [0, 0],
        ],
      ]),
      'a',
    );
    expect(flat.collection.features).toHaveLength(0);
    expect(flat.warnings.join('\n')).toMatch(/zero area/);
  });
});

describe('nothing half-written', () => {
  it('a failed conversion leaves no output and no temporary file; a good one replaces atomically', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wsi-ann-'));
    const bad = join(dir, 'bad.geojson');
    const out = join(dir, 'out.xml');
    writeFileSync(
      bad,
      poly([
        [
          [0, 0],
          [1, 'x'],
          [5, 5],
          [0, 0],
        ],
      ]),
    );
    writeFileSync(out, 'previous');
    await expect(convertAnnotations(bad, { to: 'asap', out })).rejects.toThrow(/not a finite number/);
    expect(readFileSync(out, 'utf8')).toBe('previous');
    const good = join(dir, 'good.geojson');
    writeFileSync(good, poly([rect(0, 0, 10, 10)], { measurements: { a: 1 } }));
    const r = await convertAnnotations(good, { to: 'asap', out });
    expect(r.from).toBe('geojson');
    expect(r.warnings.join()).toMatch(/measurements/);
    expect(readFileSync(out, 'utf8')).toContain('ASAP_Annotations');
    await expect(
      writeStreamAtomic(out, async (s) => {
        s.write('partial');
        throw new Error('boom');
      }),
    ).rejects.toThrow(/boom/);
    expect(readFileSync(out, 'utf8')).toContain('ASAP_Annotations');
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });
});
