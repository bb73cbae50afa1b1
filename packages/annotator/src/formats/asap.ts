import type { AnnotationCollection, AnnotationFeature, Position } from '@wsi/core';
import { WsiError } from '@wsi/core';
import { XMLBuilder } from 'fast-xml-parser';
import { checkNumber } from '../geometry/validate.js';
import {
  ATTR,
  attachHoles,
  attr,
  children,
  closeRing,
  hexToRgb,
  openRing,
  type PendingPolygon,
  parseXml,
  rgbToHex,
  WarningTally,
} from './common.js';
import type { AnnotationSet } from './geojson.js';
import { normalizeGeoJson } from './geojson.js';

/**
 * Suffix of the ASAP group that holds the holes of class `<class>`.
 *
 * @example
 * ```ts
 * const holeGroup = `Tumor${ASAP_HOLE_SUFFIX}`; // 'Tumor_hole'
 * ```
 */
export const ASAP_HOLE_SUFFIX = '_hole';
const NONE = 'None';

/**
 * Parses ASAP XML (`ASAP_Annotations/Annotations/Annotation` with `Coordinates/Coordinate`, `PartOfGroup`,
 * `AnnotationGroups/Group` colours). Polygon and Rectangle become Polygons, Spline a polygon through a
 * closed Catmull–Rom curve (warning), Dot a Point, PointSet a MultiPoint. Annotations in a group
 * `<class>_hole` become holes of the `<class>` polygon that contains them (ASAP itself shows them as
 * separate shapes). Malformed XML, a wrong root or bad coordinates → `WsiError('InvalidArgument')`.
 *
 * @example
 * ```ts
 * const { collection, warnings } = parseAsapXml(fs.readFileSync('a.xml', 'utf8'), 'a.xml');
 * ```
 */
export function parseAsapXml(text: string, source = 'ASAP XML'): AnnotationSet {
  const doc = parseXml(text, source, ['Annotation', 'Coordinate', 'Group']);
  const root = doc.ASAP_Annotations;
  if (root === undefined) {
    throw new WsiError('InvalidArgument', `${source}: not ASAP XML (no <ASAP_Annotations> root element)`);
  }
  const warnings: string[] = [];
  const tally = new WarningTally();
  const colors = new Map<string, [number, number, number]>();
  for (const g of children(children(root, 'AnnotationGroups')[0], 'Group')) {
    const rgb = hexToRgb(attr(g, 'Color'));
    if (rgb) colors.set(attr(g, 'Name'), rgb);
  }
  type Item = { feature: AnnotationFeature; pending?: PendingPolygon };
  const items: Item[] = [];
  const holes: { key: string; ring: Position[] }[] = [];
  children(children(root, 'Annotations')[0], 'Annotation').forEach((a, i) => {
    const name = attr(a, 'Name');
    const where = `${source}: annotation ${i}${name ? ` ('${name}')` : ''}`;
    const type = attr(a, 'Type');
    const group = attr(a, 'PartOfGroup') || NONE;
    const coords = children(children(a, 'Coordinates')[0], 'Coordinate')
      .map((c, k) => ({
        order: c[`${ATTR}Order`] === undefined ? k : Number(attr(c, 'Order')),
        p: [
          checkNumber(attr(c, 'X'), `${where} coordinate ${k} X`),
          checkNumber(attr(c, 'Y'), `${where} coordinate ${k} Y`),
        ],
      }))
      .sort((x, y) => x.order - y.order)
      .map((c) => c.p as Position);
    if (group.endsWith(ASAP_HOLE_SUFFIX) && coords.length >= 3) {
      holes.push({ key: group.slice(0, -ASAP_HOLE_SUFFIX.length), ring: closeRing(coords) });
      return;
    }
    const properties: Record<string, unknown> = { objectType: 'annotation' };
    if (name) properties.name = name;
    if (group !== NONE) {
      const color = colors.get(group) ?? hexToRgb(attr(a, 'Color'));
      properties.classification = color ? { name: group, color } : { name: group };
    }
    const feature: AnnotationFeature = { type: 'Feature', geometry: null, properties };
    if (type === 'Dot' || coords.length === 1) {
      feature.geometry = { type: 'Point', coordinates: coords[0] ?? [0, 0] };
      if (coords.length === 0) throw new WsiError('InvalidArgument', `${where}: Dot without a coordinate`);
    } else if (type === 'PointSet') {
      feature.geometry = { type: 'MultiPoint', coordinates: coords };
    } else if (coords.length === 2) {
      feature.geometry = { type: 'LineString', coordinates: coords };
    } else if (coords.length >= 3) {
      let pts = coords;
      if (type === 'Spline') {
        pts = catmullRom(coords, 8);
        tally.add('ASAP Spline converted to a polygon (8 points per span)');
      } else if (type !== 'Polygon' && type !== 'Rectangle') {
        tally.add(`ASAP annotation type '${type}' read as a polygon`);
      }
      const pending: PendingPolygon = { key: group === NONE ? '' : group, rings: [closeRing(pts)] };
      feature.geometry = { type: 'Polygon', coordinates: pending.rings };
      items.push({ feature, pending });
      return;
    } else {
      warnings.push(`${where}: no coordinates; skipped`);
      return;
    }
    items.push({ feature });
  });
  const pendings = items.flatMap((it) => (it.pending ? [it.pending] : []));
  const orphans = attachHoles(
    pendings,
    holes.map((h) => ({ key: h.key === NONE ? '' : h.key, ring: h.ring })),
  );
  for (const o of orphans) {
    warnings.push(
      `${source}: a hole of class '${o.key || NONE}' lies in no polygon of that class; kept as its own polygon`,
    );
    const cls = `${o.key || NONE}${ASAP_HOLE_SUFFIX}`;
    items.push({
      feature: {
        type: 'Feature',
        geometry: { type: 'Polygon', coordinates: [o.ring] },
        properties: { objectType: 'annotation', classification: { name: cls } },
      },
    });
  }
  const checked = normalizeGeoJson({ type: 'FeatureCollection', features: items.map((it) => it.feature) }, source);
  return { collection: checked.collection, warnings: [...warnings, ...tally.lines(), ...checked.warnings] };
}

/** Closed uniform Catmull–Rom curve through the control points, `steps` points per span. */
function catmullRom(pts: Position[], steps: number): Position[] {
  const n = pts.length;
  const out: Position[] = [];
  const at = (i: number) => pts[((i % n) + n) % n] as Position;
  for (let i = 0; i < n; i++) {
    const p0 = at(i - 1),
      p1 = at(i),
      p2 = at(i + 1),
      p3 = at(i + 2);
    for (let s = 0; s < steps; s++) {
      const t = s / steps,
        t2 = t * t,
        t3 = t2 * t;
      const f = (a: number, b: number, c: number, d: number) =>
        0.5 * (2 * b + (-a + c) * t + (2 * a - 5 * b + 4 * c - d) * t2 + (-a + 3 * b - 3 * c + d) * t3);
      out.push([f(p0[0]!, p1[0]!, p2[0]!, p3[0]!), f(p0[1]!, p1[1]!, p2[1]!, p3[1]!)]);
    }
  }
  return out;
}

const KEPT = new Set(['objectType', 'name', 'classification']);

/**
 * Serialises annotations as ASAP XML and lists what ASAP cannot hold (measurements, locks, other
 * properties, lines, multipolygon grouping — each part becomes its own annotation). Holes are written as
 * annotations in group `<class>_hole` (`None_hole` for unclassified) that {@link parseAsapXml} re-attaches.
 *
 * @example
 * ```ts
 * const { text, warnings } = formatAsapXml(collection);
 * ```
 */
export function formatAsapXml(collection: AnnotationCollection): { text: string; warnings: string[] } {
  const tally = new WarningTally();
  const annotations: Record<string, unknown>[] = [];
  const groups = new Map<string, string>();
  const coordsXml = (ring: Position[]) => ({
    Coordinate: openRing(ring).map((p, k) => ({ [`${ATTR}Order`]: k, [`${ATTR}X`]: p[0], [`${ATTR}Y`]: p[1] })),
  });
  const push = (name: string, type: string, group: string, color: string, ring: Position[]) => {
    annotations.push({
      [`${ATTR}Name`]: name,
      [`${ATTR}Type`]: type,
      [`${ATTR}PartOfGroup`]: group,
      [`${ATTR}Color`]: color,
      Coordinates: coordsXml(ring),
    });
  };
  collection.features.forEach((f, i) => {
    const props = f.properties ?? {};
    const cls = props.classification?.name;
    const group = cls ?? NONE;
    const color = rgbToHex(props.classification?.color);
    if (cls !== undefined && !groups.has(cls)) groups.set(cls, color);
    const name = typeof props.name === 'string' && props.name !== '' ? props.name : `Annotation ${i}`;
    for (const k of Object.keys(props))
      if (!KEPT.has(k)) tally.add(`property '${k}' cannot be stored in ASAP XML; dropped`);
    if (props.objectType !== undefined && props.objectType !== 'annotation') {
      tally.add(`objectType '${props.objectType}' cannot be stored in ASAP XML; written as an annotation`);
    }
    if (f.id !== undefined) tally.add('feature id cannot be stored in ASAP XML; dropped');
    const g = f.geometry;
    if (!g) {
      tally.add('feature without geometry skipped');
      return;
    }
    const polygons = g.type === 'Polygon' ? [g.coordinates] : g.type === 'MultiPolygon' ? g.coordinates : [];
    if (g.type === 'MultiPolygon' && polygons.length > 1) {
      tally.add('MultiPolygon written as one ASAP annotation per part (grouping lost)');
    }
    polygons.forEach((rings, k) => {
      const partName = polygons.length > 1 ? `${name} part ${k}` : name;
      push(partName, 'Polygon', group, color, rings[0] as Position[]);
      for (let h = 1; h < rings.length; h++) {
        const hg = `${group}${ASAP_HOLE_SUFFIX}`;
        if (!groups.has(hg)) groups.set(hg, color);
        push(`${partName} hole ${h}`, 'Polygon', hg, color, rings[h] as Position[]);
      }
    });
    if (g.type === 'Point') push(name, 'Dot', group, color, [g.coordinates]);
    else if (g.type === 'MultiPoint') push(name, 'PointSet', group, color, g.coordinates);
    else if (g.type !== 'Polygon' && g.type !== 'MultiPolygon')
      tally.add(`${g.type} cannot be stored in ASAP XML; skipped`);
  });
  const foreign = Object.keys(collection).filter((k) => k !== 'type' && k !== 'features');
  const warnings = tally.lines();
  if (foreign.length > 0)
    warnings.push(`collection members ${foreign.join(', ')} cannot be stored in ASAP XML; dropped`);
  const doc = {
    '?xml': { [`${ATTR}version`]: '1.0' },
    ASAP_Annotations: {
      Annotations: { Annotation: annotations },
      AnnotationGroups: {
        Group: [...groups].map(([n, c]) => ({
          [`${ATTR}Name`]: n,
          [`${ATTR}PartOfGroup`]: NONE,
          [`${ATTR}Color`]: c,
          Attributes: '',
        })),
      },
    },
  };
  const builder = new XMLBuilder({
    ignoreAttributes: false,
    attributeNamePrefix: ATTR,
    format: true,
    suppressEmptyNode: true,
  });
  return { text: builder.build(doc) as string, warnings };
}
