/**
 * Property targets of the annotation parsers (@wsi/annotator): GeoJSON, ASAP XML, Aperio XML and point CSV built
 * from structured arbitraries with hostile values (NaN, huge, empty, text), truncated, or random text.
 */
import { parseAnnotationCsv, parseAnnotations, parseAperioXml, parseAsapXml, parseGeoJson } from '@wsi/annotator';
import fc from 'fast-check';
import { type AnyProperty, typedOrOk } from './common.js';

/** Numbers as text, hostile ones included. */
const numText = fc.oneof(
  fc.double({ noDefaultInfinity: false }).map(String),
  fc.integer().map(String),
  fc.constantFrom('', 'NaN', '1e400', '-0', '1,5', 'abc', '  7 ', '0x10', '-1e-320', '9007199254740993'),
);

const attrText = fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom('&amp;', '<', '"', "'", '\u0000'));
const xmlEscape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/"/g, '&quot;');

/** Cuts `text` at a random point with probability 1/4 (truncated files). */
function maybeTruncate(arb: fc.Arbitrary<string>): fc.Arbitrary<string> {
  return fc
    .tuple(arb, fc.double({ min: 0, max: 1, noNaN: true }), fc.boolean(), fc.boolean())
    .map(([t, at, a, b]) => (a && b ? t.slice(0, Math.floor(t.length * at)) : t));
}

const position = fc.oneof(
  fc.tuple(fc.double(), fc.double()),
  fc.array(fc.oneof(fc.double(), fc.constant(null), fc.string({ maxLength: 3 })), { maxLength: 4 }),
  fc.constant([]),
);
const ring = fc.array(position, { maxLength: 8 });
const geometry = fc.record({
  type: fc.constantFrom(
    'Polygon',
    'MultiPolygon',
    'Point',
    'MultiPoint',
    'LineString',
    'MultiLineString',
    'GeometryCollection',
    'Circle',
    'polygon',
  ),
  coordinates: fc.oneof(
    position,
    ring,
    fc.array(ring, { maxLength: 3 }),
    fc.array(fc.array(ring, { maxLength: 2 }), { maxLength: 2 }),
    fc.jsonValue(),
  ),
  geometries: fc.option(fc.array(fc.jsonValue(), { maxLength: 2 }), { nil: undefined }),
});
const feature = fc.record({
  type: fc.constantFrom('Feature', 'feature', 'FeatureCollection'),
  geometry: fc.oneof(geometry, fc.constant(null), fc.jsonValue()),
  properties: fc.oneof(
    fc.record({
      classification: fc.oneof(
        fc.record({ name: attrText, color: fc.oneof(fc.jsonValue(), fc.array(fc.integer(), { maxLength: 4 })) }),
        fc.jsonValue(),
      ),
      objectType: fc.oneof(fc.constantFrom('annotation', 'detection', 'tile'), fc.jsonValue()),
      name: fc.jsonValue(),
      isLocked: fc.jsonValue(),
    }),
    fc.jsonValue(),
  ),
});
const geojsonText = maybeTruncate(
  fc
    .oneof(
      fc.record({ type: fc.constant('FeatureCollection'), features: fc.array(feature, { maxLength: 5 }) }),
      fc.array(feature, { maxLength: 5 }),
      feature,
      geometry,
      fc.jsonValue(),
    )
    .map((v) => JSON.stringify(v) ?? 'null'),
);

const asapText = maybeTruncate(
  fc
    .array(
      fc.record({
        name: attrText,
        type: fc.constantFrom('Polygon', 'Rectangle', 'Dot', 'PointSet', 'Spline', 'Pointset', 'Ellipse', ''),
        group: attrText,
        color: fc.oneof(fc.constantFrom('#F4FA58', '#zzzzzz', '', '#12'), attrText),
        coords: fc.array(fc.record({ order: numText, x: numText, y: numText }), { maxLength: 6 }),
      }),
      { maxLength: 4 },
    )
    .map(
      (anns) =>
        `<?xml version="1.0"?><ASAP_Annotations><Annotations>${anns
          .map(
            (a) =>
              `<Annotation Name="${xmlEscape(a.name)}" Type="${a.type}" PartOfGroup="${xmlEscape(a.group)}" Color="${xmlEscape(a.color)}"><Coordinates>${a.coords
                .map((c) => `<Coordinate Order="${c.order}" X="${c.x}" Y="${c.y}"/>`)
                .join('')}</Coordinates></Annotation>`,
          )
          .join(
            '',
          )}</Annotations><AnnotationGroups><Group Name="${xmlEscape(anns[0]?.group ?? '')}" PartOfGroup="None" Color="#64FE2E"><Attributes/></Group></AnnotationGroups></ASAP_Annotations>`,
    ),
);

const aperioText = maybeTruncate(
  fc
    .record({
      mpp: numText,
      annotations: fc.array(
        fc.record({
          id: numText,
          color: numText,
          name: attrText,
          regions: fc.array(
            fc.record({
              type: numText,
              negative: fc.constantFrom('0', '1', 'x', ''),
              vertices: fc.array(fc.record({ x: numText, y: numText }), { maxLength: 6 }),
            }),
            { maxLength: 3 },
          ),
        }),
        { maxLength: 3 },
      ),
    })
    .map(
      (d) =>
        `<Annotations MicronsPerPixel="${d.mpp}">${d.annotations
          .map(
            (a) =>
              `<Annotation Id="${a.id}" LineColor="${a.color}" Name="${xmlEscape(a.name)}"><Attributes/><Regions>${a.regions
                .map(
                  (r, i) =>
                    `<Region Id="${i}" Type="${r.type}" NegativeROA="${r.negative}"><Vertices>${r.vertices
                      .map((v) => `<Vertex X="${v.x}" Y="${v.y}" Z="0"/>`)
                      .join('')}</Vertices></Region>`,
                )
                .join('')}</Regions></Annotation>`,
          )
          .join('')}</Annotations>`,
    ),
);

const csvText = maybeTruncate(
  fc
    .tuple(
      fc.constantFrom('x,y,class', 'x,y', 'X,Y,label,extra', 'class,x,y', '', 'a,b,c'),
      fc.array(fc.tuple(numText, numText, attrText), { maxLength: 6 }),
    )
    .map(([h, rows]) => [h, ...rows.map((r) => r.join(','))].join('\n')),
);

/**
 * The annotation properties: each parser returns or throws a WsiError on any input.
 *
 * @example
 * ```ts
 * await checkProperty('annotations', annotationProperty(), 100, 1);
 * ```
 */
export function annotationProperty(): AnyProperty {
  const input = fc.oneof(
    geojsonText.map((t) => [0, t] as [number, string]),
    asapText.map((t) => [1, t] as [number, string]),
    aperioText.map((t) => [2, t] as [number, string]),
    csvText.map((t) => [3, t] as [number, string]),
    fc.string({ maxLength: 200 }).map((t) => [4, t] as [number, string]),
  );
  return fc.property(input, ([kind, text]) => {
    const parse = [parseGeoJson, parseAsapXml, parseAperioXml, parseAnnotationCsv][kind];
    if (parse) typedOrOk(`parse(${kind})`, () => parse(text, 'fuzz'));
    typedOrOk('parseAnnotations', () => parseAnnotations(text, { source: 'fuzz' }));
  });
}
