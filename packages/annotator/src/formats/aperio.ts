import type { AnnotationCollection, AnnotationFeature, Position } from '@wsi/core';
import { WsiError } from '@wsi/core';
import { XMLBuilder } from 'fast-xml-parser';
import { ringSignedArea } from '../geometry/rings.js';
import { checkNumber, flattenRing } from '../geometry/validate.js';
import {
  ATTR,
  attachHoles,
  attr,
  children,
  closeRing,
  openRing,
  type PendingPolygon,
  parseXml,
  WarningTally,
} from './common.js';
import type { AnnotationSet } from './geojson.js';
import { normalizeGeoJson } from './geojson.js';

/**
 * Windows COLORREF (0x00BBGGRR, as ImageScope stores `LineColor`) → `[r, g, b]`.
 *
 * @example
 * ```ts
 * colorrefToRgb(0x0000ff); // [255, 0, 0]
 * ```
 */
export function colorrefToRgb(v: number): [number, number, number] {
  return [v & 255, (v >>> 8) & 255, (v >>> 16) & 255];
}

/**
 * `[r, g, b]` → Windows COLORREF.
 *
 * @example
 * ```ts
 * rgbToColorref([255, 0, 0]); // 255
 * ```
 */
export function rgbToColorref(c: readonly number[] | undefined): number {
  if (!c || c.length < 3) return 65280;
  return ((c[0] as number) & 255) | (((c[1] as number) & 255) << 8) | (((c[2] as number) & 255) << 16);
}

/**
 * Parses Aperio ImageScope XML (`Annotations/Annotation/Regions/Region/Vertices/Vertex`). Each layer
 * (`Annotation`) is a class named by its `Name` (unnamed layers are unclassified) with its `LineColor`;
 * `NegativeROA="1"` regions become holes of the containing region of the same layer; `MicronsPerPixel`
 * is kept as the collection member `micronsPerPixel`. Regions of 2 vertices become LineStrings (ellipses,
 * `Type="2"`, a 64-gon with a warning), of 1 vertex Points.
 *
 * @example
 * ```ts
 * const { collection } = parseAperioXml(fs.readFileSync('slide.xml', 'utf8'), 'slide.xml');
 * ```
 */
export function parseAperioXml(text: string, source = 'Aperio XML'): AnnotationSet {
  const doc = parseXml(text, source, ['Annotation', 'Region', 'Vertex', 'Attribute']);
  const root = doc.Annotations as Record<string, unknown> | undefined | '';
  if (root === undefined) {
    throw new WsiError('InvalidArgument', `${source}: not Aperio ImageScope XML (no <Annotations> root element)`);
  }
  const warnings: string[] = [];
  const tally = new WarningTally();
  const features: AnnotationFeature[] = [];
  const pendings: { feature: AnnotationFeature; pending: PendingPolygon }[] = [];
  const holes: { key: string; ring: Position[] }[] = [];
  children(root, 'Annotation').forEach((layer, li) => {
    const cls = attr(layer, 'Name');
    const lc = attr(layer, 'LineColor');
    const color = lc !== '' && Number.isFinite(Number(lc)) ? colorrefToRgb(Number(lc)) : undefined;
    const key = `${li}`;
    children(children(layer, 'Regions')[0], 'Region').forEach((region, ri) => {
      const where = `${source}: layer ${li}${cls ? ` ('${cls}')` : ''} region ${ri}`;
      const pts = children(children(region, 'Vertices')[0], 'Vertex').map(
        (v, k) =>
          [
            checkNumber(attr(v, 'X'), `${where} vertex ${k} X`),
            checkNumber(attr(v, 'Y'), `${where} vertex ${k} Y`),
          ] as Position,
      );
      if (attr(region, 'NegativeROA') === '1') {
        if (pts.length >= 3) holes.push({ key, ring: closeRing(pts) });
        else warnings.push(`${where}: negative region with fewer than 3 vertices; skipped`);
        return;
      }
      const properties: Record<string, unknown> = { objectType: 'annotation' };
      const text = attr(region, 'Text');
      if (text) properties.name = text;
      if (cls) properties.classification = color ? { name: cls, color } : { name: cls };
      const feature: AnnotationFeature = { type: 'Feature', geometry: null, properties };
      const type = attr(region, 'Type');
      if (pts.length >= 3) {
        const pending = { key, rings: [closeRing(pts)] };
        feature.geometry = { type: 'Polygon', coordinates: pending.rings };
        pendings.push({ feature, pending });
        features.push(feature);
      } else if (pts.length === 2 && type === '2') {
        feature.geometry = { type: 'Polygon', coordinates: [closeRing(ellipse(pts, 64))] };
        tally.add('Aperio ellipse converted to a 64-vertex polygon');
        features.push(feature);
      } else if (pts.length === 2) {
        feature.geometry = { type: 'LineString', coordinates: pts };
        features.push(feature);
      } else if (pts.length === 1) {
        feature.geometry = { type: 'Point', coordinates: pts[0] as Position };
        features.push(feature);
      } else warnings.push(`${where}: no vertices; skipped`);
    });
  });
  const orphans = attachHoles(
    pendings.map((p) => p.pending),
    holes,
  );
  if (orphans.length > 0)
    warnings.push(`${source}: ${orphans.length} negative region(s) lie in no region of their layer; dropped`);
  const mppText = typeof root === 'object' ? attr(root, 'MicronsPerPixel') : '';
  const mpp = Number(mppText);
  const coll: Record<string, unknown> = { type: 'FeatureCollection', features };
  if (mppText !== '' && Number.isFinite(mpp) && mpp > 0) coll.micronsPerPixel = mpp;
  const checked = normalizeGeoJson(coll, source);
  return { collection: checked.collection, warnings: [...warnings, ...tally.lines(), ...checked.warnings] };
}

function ellipse(pts: Position[], n: number): Position[] {
  const [a, b] = pts as [Position, Position];
  const cx = ((a[0] as number) + (b[0] as number)) / 2;
  const cy = ((a[1] as number) + (b[1] as number)) / 2;
  const rx = Math.abs((b[0] as number) - (a[0] as number)) / 2;
  const ry = Math.abs((b[1] as number) - (a[1] as number)) / 2;
  return Array.from({ length: n }, (_, k) => [
    cx + rx * Math.cos((2 * Math.PI * k) / n),
    cy + ry * Math.sin((2 * Math.PI * k) / n),
  ]);
}

const KEPT = new Set(['objectType', 'name', 'classification']);

function ringLength(r: Position[]): number {
  let s = 0;
  for (let i = 1; i < r.length; i++)
    s += Math.hypot((r[i]![0] as number) - (r[i - 1]![0] as number), (r[i]![1] as number) - (r[i - 1]![1] as number));
  return s;
}

/**
 * Serialises annotations as Aperio ImageScope XML: one layer per class (`Name` = class, `LineColor` from its
 * colour), polygons as regions, holes as `NegativeROA="1"` regions, `micronsPerPixel` (or `options.mpp`) as
 * `MicronsPerPixel`. Lists what ImageScope cannot hold.
 *
 * @example
 * ```ts
 * const { text, warnings } = formatAperioXml(collection, { mpp: 0.25 });
 * ```
 */
export function formatAperioXml(
  collection: AnnotationCollection,
  options: { mpp?: number } = {},
): { text: string; warnings: string[] } {
  const tally = new WarningTally();
  const mppRaw = options.mpp ?? collection.micronsPerPixel;
  const mpp = typeof mppRaw === 'number' && mppRaw > 0 ? mppRaw : undefined;
  const layers = new Map<string, { color: number; regions: Record<string, unknown>[] }>();
  let regionId = 0;
  const region = (ring: Position[], negative: boolean, text: string) => {
    const flat = flattenRing(ring);
    const area = Math.abs(ringSignedArea(flat));
    const length = ringLength(ring);
    regionId++;
    return {
      [`${ATTR}Id`]: regionId,
      [`${ATTR}Type`]: 0,
      [`${ATTR}Zoom`]: 1,
      [`${ATTR}Selected`]: 0,
      [`${ATTR}ImageLocation`]: '',
      [`${ATTR}ImageFocus`]: -1,
      [`${ATTR}Length`]: length,
      [`${ATTR}Area`]: area,
      [`${ATTR}LengthMicrons`]: mpp ? length * mpp : 0,
      [`${ATTR}AreaMicrons`]: mpp ? area * mpp * mpp : 0,
      [`${ATTR}Text`]: text,
      [`${ATTR}NegativeROA`]: negative ? 1 : 0,
      [`${ATTR}InputRegionId`]: 0,
      [`${ATTR}Analyze`]: 1,
      [`${ATTR}DisplayId`]: regionId,
      Attributes: '',
      Vertices: { Vertex: openRing(ring).map((p) => ({ [`${ATTR}X`]: p[0], [`${ATTR}Y`]: p[1], [`${ATTR}Z`]: 0 })) },
    };
  };
  for (const f of collection.features) {
    const props = f.properties ?? {};
    const cls = props.classification?.name ?? '';
    let layer = layers.get(cls);
    if (!layer) {
      layer = { color: rgbToColorref(props.classification?.color), regions: [] };
      layers.set(cls, layer);
    }
    for (const k of Object.keys(props))
      if (!KEPT.has(k)) tally.add(`property '${k}' cannot be stored in Aperio XML; dropped`);
    if (f.id !== undefined) tally.add('feature id cannot be stored in Aperio XML; dropped');
    const text = typeof props.name === 'string' ? props.name : '';
    const g = f.geometry;
    if (!g) {
      tally.add('feature without geometry skipped');
      continue;
    }
    if (g.type === 'Polygon' || g.type === 'MultiPolygon') {
      const polys = g.type === 'Polygon' ? [g.coordinates] : g.coordinates;
      if (polys.length > 1) tally.add('MultiPolygon written as one region per part (grouping lost)');
      for (const rings of polys)
        rings.forEach((ring, k) => {
          layer.regions.push(region(ring, k > 0, text));
        });
    } else if (g.type === 'Point') layer.regions.push(region([g.coordinates], false, text));
    else if (g.type === 'LineString') layer.regions.push(region(g.coordinates, false, text));
    else tally.add(`${g.type} cannot be stored in Aperio XML; skipped`);
  }
  const doc = {
    '?xml': { [`${ATTR}version`]: '1.0', [`${ATTR}encoding`]: 'utf-8' },
    Annotations: {
      ...(mpp ? { [`${ATTR}MicronsPerPixel`]: mpp } : {}),
      Annotation: [...layers].map(([name, l], i) => ({
        [`${ATTR}Id`]: i + 1,
        [`${ATTR}Name`]: name,
        [`${ATTR}ReadOnly`]: 0,
        [`${ATTR}NameReadOnly`]: 0,
        [`${ATTR}LineColorReadOnly`]: 0,
        [`${ATTR}Incremental`]: 0,
        [`${ATTR}Type`]: 4,
        [`${ATTR}LineColor`]: l.color,
        [`${ATTR}Visible`]: 1,
        [`${ATTR}Selected`]: 0,
        [`${ATTR}MarkupImagePath`]: '',
        [`${ATTR}MacroName`]: '',
        Attributes: { Attribute: [{ [`${ATTR}Name`]: 'Description', [`${ATTR}Id`]: 0, [`${ATTR}Value`]: '' }] },
        Regions: {
          RegionAttributeHeaders: {
            AttributeHeader: [
              { [`${ATTR}Id`]: 9999, [`${ATTR}Name`]: 'Region', [`${ATTR}ColumnWidth`]: -1 },
              { [`${ATTR}Id`]: 9997, [`${ATTR}Name`]: 'Length', [`${ATTR}ColumnWidth`]: -1 },
              { [`${ATTR}Id`]: 9996, [`${ATTR}Name`]: 'Area', [`${ATTR}ColumnWidth`]: -1 },
              { [`${ATTR}Id`]: 9998, [`${ATTR}Name`]: 'Text', [`${ATTR}ColumnWidth`]: -1 },
            ],
          },
          Region: l.regions,
        },
        Plots: '',
      })),
    },
  };
  const foreign = Object.keys(collection).filter((k) => k !== 'type' && k !== 'features' && k !== 'micronsPerPixel');
  const warnings = tally.lines();
  if (foreign.length > 0)
    warnings.push(`collection members ${foreign.join(', ')} cannot be stored in Aperio XML; dropped`);
  const builder = new XMLBuilder({
    ignoreAttributes: false,
    attributeNamePrefix: ATTR,
    format: true,
    suppressEmptyNode: true,
  });
  return { text: builder.build(doc) as string, warnings };
}
