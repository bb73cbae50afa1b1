import type { AnnotationCollection } from '@wsi/core';
import { describe, expect, it } from 'vitest';
import { formatAperioXml, parseAperioXml } from '../src/formats/aperio.js';
import { formatAsapXml, parseAsapXml } from '../src/formats/asap.js';
import { formatAnnotationCsv, parseAnnotationCsv } from '../src/formats/csv-points.js';
import { formatGeoJson, parseGeoJson } from '../src/formats/geojson.js';
import { collection, feature, ngon, polygonSignature, rect } from './helpers.js';

const sample: AnnotationCollection = collection([
  feature([rect(0, 0, 1000, 800), rect(100, 100, 300, 300), ngon(600, 400, 100.25, 17)], 'Tumor', {
    name: 'big tumour',
    isLocked: true,
    measurements: { area: 1 },
  }),
  {
    type: 'Feature',
    geometry: {
      type: 'MultiPolygon',
      coordinates: [[rect(2000, 0, 2500, 500), rect(2100, 100, 2200, 200)], [ngon(3000, 3000, 50.5, 9)]],
    },
    properties: { objectType: 'annotation', classification: { name: 'Stroma', color: [0, 150, 0] } },
  },
  feature([ngon(5000, 5000, 300, 40), ngon(5000, 5000, 100, 12, true)]),
  feature([rect(150, 150, 250, 250)], 'Tumor'), // an island inside the first polygon's hole
]);

describe('GeoJSON', () => {
  it('keeps unknown properties and foreign members, turns measurement arrays into objects', () => {
    const text = JSON.stringify({
      type: 'FeatureCollection',
      custom: { a: 1 },
      features: [
        {
          type: 'Feature',
          id: 'abc',
          extra: 7,
          geometry: { type: 'Polygon', coordinates: [rect(0, 0, 10, 10)] },
          properties: {
            objectType: 'annotation',
            isLocked: false,
            measurements: [{ name: 'm', value: 2 }],
            foo: 'bar',
          },
        },
      ],
    });
    const { collection: c, warnings } = parseGeoJson(text, 'x.geojson');
    expect(warnings).toEqual([]);
    expect(c.custom).toEqual({ a: 1 });
    const f = c.features[0]!;
    expect(f.id).toBe('abc');
    expect(f.extra).toBe(7);
    expect(f.properties).toEqual({ objectType: 'annotation', isLocked: false, measurements: { m: 2 }, foo: 'bar' });
    expect(parseGeoJson(formatGeoJson(c)).collection).toEqual(c);
  });

  it('accepts a single Feature and a bare array of features', () => {
    const f = { type: 'Feature', geometry: { type: 'Point', coordinates: [1, 2] }, properties: null };
    expect(parseGeoJson(JSON.stringify(f)).collection.features).toHaveLength(1);
    expect(parseGeoJson(JSON.stringify([f, f])).collection.features).toHaveLength(2);
  });
});

describe('GeoJSON → ASAP → GeoJSON', () => {
  it('keeps every vertex, hole and class and reports what ASAP cannot hold', () => {
    const asap = formatAsapXml(sample);
    expect(asap.text).toContain('<ASAP_Annotations>');
    expect(asap.text).toContain('PartOfGroup="Tumor_hole"');
    expect(asap.warnings.join('\n')).toMatch(/measurements/);
    expect(asap.warnings.join('\n')).toMatch(/isLocked/);
    expect(asap.warnings.join('\n')).toMatch(/MultiPolygon/);
    const back = parseAsapXml(asap.text, 'a.xml');
    expect(back.warnings).toEqual([]);
    expect(polygonSignature(back.collection)).toEqual(polygonSignature(sample));
    const colors = back.collection.features.map((f) => f.properties?.classification?.color);
    expect(colors).toContainEqual([0, 150, 0]);
    expect(back.collection.features[0]?.properties?.name).toBe('big tumour');
  });

  it('reads Rectangle, Dot, PointSet and Spline annotations', () => {
    const xml = `<?xml version="1.0"?>
<ASAP_Annotations><Annotations>
 <Annotation Name="r" Type="Rectangle" PartOfGroup="A" Color="#ff0000"><Coordinates>
  <Coordinate Order="1" X="10" Y="0"/><Coordinate Order="0" X="0" Y="0"/><Coordinate Order="2" X="10" Y="10"/><Coordinate Order="3" X="0" Y="10"/>
 </Coordinates></Annotation>
 <Annotation Name="d" Type="Dot" PartOfGroup="None" Color="#ff0000"><Coordinates><Coordinate Order="0" X="5.5" Y="6"/></Coordinates></Annotation>
 <Annotation Name="s" Type="Spline" PartOfGroup="A" Color="#ff0000"><Coordinates>
  <Coordinate Order="0" X="0" Y="0"/><Coordinate Order="1" X="100" Y="0"/><Coordinate Order="2" X="100" Y="100"/><Coordinate Order="3" X="0" Y="100"/>
 </Coordinates></Annotation>
 <Annotation Name="p" Type="PointSet" PartOfGroup="A" Color="#ff0000"><Coordinates><Coordinate Order="0" X="1" Y="1"/><Coordinate Order="1" X="2" Y="2"/></Coordinates></Annotation>
</Annotations><AnnotationGroups><Group Name="A" PartOfGroup="None" Color="#00ff00"><Attributes/></Group></AnnotationGroups></ASAP_Annotations>`;
    const { collection: c, warnings } = parseAsapXml(xml);
    expect(c.features.map((f) => f.geometry?.type)).toEqual(['Polygon', 'Point', 'Polygon', 'MultiPoint']);
    expect(c.features[0]?.geometry).toEqual({ type: 'Polygon', coordinates: [rect(0, 0, 10, 10)] });
    expect(c.features[0]?.properties?.classification).toEqual({ name: 'A', color: [0, 255, 0] });
    expect(c.features[1]?.properties?.classification).toBeUndefined();
    const spline = c.features[2]?.geometry;
    expect(spline?.type === 'Polygon' && spline.coordinates[0]!.length).toBe(33);
    expect(warnings.join('\n')).toMatch(/Spline/);
  });
});

const aperioXml = `<?xml version="1.0" encoding="utf-8"?>
<Annotations MicronsPerPixel="0.499000">
<Annotation Id="1" Name="Tumor" LineColor="255" Type="4" Visible="1">
 <Attributes><Attribute Name="Description" Id="0" Value=""/></Attributes>
 <Regions>
  <Region Id="1" Type="0" NegativeROA="0" Text="first"><Vertices><Vertex X="0" Y="0" Z="0"/><Vertex X="1000" Y="0"/><Vertex X="1000" Y="1000"/><Vertex X="0" Y="1000"/></Vertices></Region>
  <Region Id="2" Type="0" NegativeROA="1"><Vertices><Vertex X="200.5" Y="200"/><Vertex X="400" Y="200"/><Vertex X="300" Y="400.25"/></Vertices></Region>
  <Region Id="3" Type="0" NegativeROA="0"><Vertices><Vertex X="5000" Y="5000"/><Vertex X="5100" Y="5000"/><Vertex X="5100" Y="5100"/></Vertices></Region>
 </Regions><Plots/>
</Annotation>
<Annotation Id="2" Name="Stroma" LineColor="65280">
 <Regions><Region Id="4" NegativeROA="0"><Vertices><Vertex X="2000" Y="2000"/><Vertex X="2500" Y="2000"/><Vertex X="2500" Y="2500"/></Vertices></Region></Regions>
</Annotation>
</Annotations>`;

describe('Aperio → GeoJSON → Aperio', () => {
  it('reads layers as classes, NegativeROA as holes and MicronsPerPixel', () => {
    const { collection: c, warnings } = parseAperioXml(aperioXml, 'slide.xml');
    expect(warnings).toEqual([]);
    expect(c.micronsPerPixel).toBe(0.499);
    expect(c.features).toHaveLength(3);
    const first = c.features[0]!;
    expect(first.properties).toMatchObject({ name: 'first', classification: { name: 'Tumor', color: [255, 0, 0] } });
    expect(first.geometry?.type === 'Polygon' && first.geometry.coordinates.length).toBe(2);
    expect(c.features[2]?.properties?.classification).toEqual({ name: 'Stroma', color: [0, 255, 0] });
  });

  it('keeps every vertex, hole, class and the mpp through GeoJSON', () => {
    const a = parseAperioXml(aperioXml).collection;
    const viaGeo = parseGeoJson(formatGeoJson(a)).collection;
    const out = formatAperioXml(viaGeo);
    expect(out.warnings).toEqual([]);
    expect(out.text).toContain('MicronsPerPixel="0.499"');
    expect(out.text).toContain('NegativeROA="1"');
    expect(out.text).toContain('LineColor="255"');
    const b = parseAperioXml(out.text).collection;
    expect(polygonSignature(b)).toEqual(polygonSignature(a));
    expect(b.micronsPerPixel).toBe(0.499);
  });

  it('round-trips the richer sample (classes, holes, islands)', () => {
    const out = formatAperioXml(sample);
    expect(out.warnings.join('\n')).toMatch(/measurements/);
    const back = parseAperioXml(out.text).collection;
    expect(polygonSignature(back)).toEqual(polygonSignature(sample));
  });
});

describe('CSV of points and boxes', () => {
  it('reads points and boxes with classes and extra columns', () => {
    const pts = parseAnnotationCsv('x,y,class,score\n10,20,Tumor,0.5\n30.5,40,,1\n').collection;
    expect(pts.features[0]?.geometry).toEqual({ type: 'Point', coordinates: [10, 20] });
    expect(pts.features[0]?.properties).toMatchObject({ classification: { name: 'Tumor' }, score: '0.5' });
    expect(pts.features[1]?.properties?.classification).toBeUndefined();
    const boxes = parseAnnotationCsv('xmin,ymin,xmax,ymax,label\n0,0,10,20,A\n').collection;
    expect(boxes.features[0]?.geometry).toEqual({ type: 'Polygon', coordinates: [rect(0, 0, 10, 20)] });
    const again = parseAnnotationCsv(formatAnnotationCsv(boxes).text).collection;
    expect(polygonSignature(again)).toEqual(polygonSignature(boxes));
  });

  it('writes shapes that are not boxes as bounding boxes with a warning', () => {
    const { text, warnings } = formatAnnotationCsv(collection([feature([ngon(100, 100, 10, 4)], 'A')]));
    expect(text.split('\n')[1]).toBe('90,90,20,20,A,');
    expect(warnings.join()).toMatch(/bounding box/);
  });
});
