import type { AnnotationCollection, AnnotationFeature, Geometry, Position } from '@wsi/core';
import { WsiError } from '@wsi/core';
import { checkPolygon, checkPosition, placeOf } from '../geometry/validate.js';

/**
 * Annotations as read, with everything the reader repaired, dropped or could not represent.
 *
 * @example
 * ```ts
 * const { collection, warnings }: AnnotationSet = await readAnnotations('slide.xml');
 * ```
 */
export interface AnnotationSet {
  collection: AnnotationCollection;
  /** Human-readable notes (repairs, dropped parts, things a target format cannot hold). */
  warnings: string[];
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Parses QuPath GeoJSON text: a FeatureCollection, a single Feature, or a JSON array of Features (older
 * QuPath exports). Geometry is validated and repaired (see `checkPolygon`); measurement arrays
 * (`[{name, value}]`) become objects; unknown properties and foreign members are kept.
 * Malformed JSON or a wrong schema → `WsiError('InvalidArgument')` naming the place.
 *
 * @example
 * ```ts
 * const { collection, warnings } = parseGeoJson(text, 'tumor.geojson');
 * console.log(collection.features.length, warnings);
 * ```
 */
export function parseGeoJson(text: string, source = 'GeoJSON'): AnnotationSet {
  let json: unknown;
  try {
    json = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  } catch (err) {
    throw new WsiError('InvalidArgument', `${source}: malformed JSON: ${(err as Error).message}`, { cause: err });
  }
  return normalizeGeoJson(json, source);
}

/**
 * Validates an already-parsed GeoJSON value (see {@link parseGeoJson}) and returns a normalised copy.
 *
 * @example
 * ```ts
 * const { collection } = normalizeGeoJson({ type: 'Feature', geometry: null, properties: {} });
 * ```
 */
export function normalizeGeoJson(json: unknown, source = 'GeoJSON'): AnnotationSet {
  const warnings: string[] = [];
  let features: unknown[];
  let rest: Record<string, unknown> = {};
  if (Array.isArray(json)) features = json;
  else if (isObject(json) && json.type === 'FeatureCollection') {
    if (!Array.isArray(json.features)) {
      throw new WsiError('InvalidArgument', `${source}: FeatureCollection without a 'features' array`);
    }
    const { type: _t, features: f, ...others } = json;
    features = f as unknown[];
    rest = others;
  } else if (isObject(json) && json.type === 'Feature') features = [json];
  else {
    const t = isObject(json) ? `type ${JSON.stringify(json.type)}` : typeof json;
    throw new WsiError(
      'InvalidArgument',
      `${source}: expected a GeoJSON FeatureCollection, Feature or array of Features, got ${t}`,
    );
  }
  const out: AnnotationFeature[] = [];
  features.forEach((f, i) => {
    const feature = normalizeFeature(f, i, source, warnings);
    if (feature) out.push(feature);
  });
  return { collection: { type: 'FeatureCollection', ...structuredClone(rest), features: out }, warnings };
}

function normalizeFeature(f: unknown, i: number, source: string, warnings: string[]): AnnotationFeature | null {
  if (!isObject(f) || f.type !== 'Feature') {
    throw new WsiError('InvalidArgument', `${source}: feature ${i}: expected an object with type 'Feature'`);
  }
  const props = f.properties;
  if (props !== null && props !== undefined && !isObject(props)) {
    throw new WsiError('InvalidArgument', `${source}: feature ${i}: 'properties' must be an object or null`);
  }
  const where = placeOf(source, i, props?.name);
  const properties = props ? (structuredClone(props) as Record<string, unknown>) : props === null ? null : {};
  if (properties) {
    const c = properties.classification;
    if (c !== undefined && c !== null && (!isObject(c) || typeof c.name !== 'string')) {
      throw new WsiError('InvalidArgument', `${where}: 'classification' must be an object with a string 'name'`);
    }
    if (c === null) delete properties.classification;
    if (isObject(c) && c.color !== undefined && !isRgb(c.color)) {
      throw new WsiError('InvalidArgument', `${where}: classification color must be [r, g, b] with 0..255 integers`);
    }
    const m = properties.measurements;
    if (Array.isArray(m)) {
      const obj: Record<string, number> = {};
      m.forEach((e, k) => {
        if (!isObject(e) || typeof e.name !== 'string') {
          throw new WsiError('InvalidArgument', `${where}: measurement ${k} must be {name, value}`);
        }
        obj[e.name] = e.value as number;
      });
      properties.measurements = obj;
    } else if (m !== undefined && m !== null && !isObject(m)) {
      throw new WsiError('InvalidArgument', `${where}: 'measurements' must be an object or an array of {name, value}`);
    }
  }
  const geometry = f.geometry === null || f.geometry === undefined ? null : checkGeometry(f.geometry, where, warnings);
  if (geometry === undefined) {
    warnings.push(`${where}: no area left after dropping zero-area parts; feature dropped`);
    return null;
  }
  const { type: _t, geometry: _g, properties: _p, ...others } = f;
  return { type: 'Feature', ...structuredClone(others), geometry, properties } as AnnotationFeature;
}

function isRgb(c: unknown): boolean {
  return Array.isArray(c) && c.length === 3 && c.every((v) => Number.isInteger(v) && v >= 0 && v <= 255);
}

/** Returns the checked geometry, or undefined when every area part was dropped. */
function checkGeometry(g: unknown, where: string, warnings: string[]): Geometry | undefined {
  if (!isObject(g)) throw new WsiError('InvalidArgument', `${where}: 'geometry' must be an object or null`);
  const coords = g.coordinates as unknown;
  const arr = (v: unknown, what: string): unknown[] => {
    if (!Array.isArray(v)) throw new WsiError('InvalidArgument', `${where}: ${what} must be an array`);
    return v;
  };
  switch (g.type) {
    case 'Polygon': {
      const rings = checkPolygon(coords, where, warnings);
      return rings ? { type: 'Polygon', coordinates: rings } : undefined;
    }
    case 'MultiPolygon': {
      const parts: Position[][][] = [];
      arr(coords, 'MultiPolygon coordinates').forEach((p, k) => {
        const rings = checkPolygon(p, `${where} polygon ${k}`, warnings);
        if (rings) parts.push(rings);
      });
      return parts.length > 0 ? { type: 'MultiPolygon', coordinates: parts } : undefined;
    }
    case 'Point':
      return { type: 'Point', coordinates: checkPosition(coords, `${where} point`) };
    case 'MultiPoint':
    case 'LineString':
      return {
        type: g.type,
        coordinates: arr(coords, `${g.type} coordinates`).map((p, k) => checkPosition(p, `${where} vertex ${k}`)),
      };
    case 'MultiLineString':
      return {
        type: 'MultiLineString',
        coordinates: arr(coords, 'MultiLineString coordinates').map((l, j) =>
          arr(l, `line ${j}`).map((p, k) => checkPosition(p, `${where} line ${j} vertex ${k}`)),
        ),
      };
    case 'GeometryCollection': {
      const geoms = arr(g.geometries, 'GeometryCollection geometries')
        .map((x, k) => checkGeometry(x, `${where} geometry ${k}`, warnings))
        .filter((x): x is Geometry => x !== undefined);
      return geoms.length > 0 ? { type: 'GeometryCollection', geometries: geoms } : undefined;
    }
    default:
      throw new WsiError('InvalidArgument', `${where}: unsupported geometry type ${JSON.stringify(g.type)}`);
  }
}

/**
 * Serialises annotations as QuPath GeoJSON (a FeatureCollection; measurements as objects).
 *
 * @example
 * ```ts
 * await writeFileAtomic('out.geojson', formatGeoJson(collection));
 * ```
 */
export function formatGeoJson(collection: AnnotationCollection): string {
  return `${JSON.stringify(collection, null, 2)}\n`;
}
