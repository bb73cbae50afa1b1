/**
 * GeoJSON as QuPath writes it, in level-0 pixel coordinates. Unknown properties are preserved.
 *
 * @example
 * ```ts
 * const f: AnnotationFeature = {
 *   type: 'Feature',
 *   geometry: { type: 'Polygon', coordinates: [[[0, 0], [100, 0], [100, 100], [0, 0]]] },
 *   properties: { objectType: 'annotation', classification: { name: 'Tumor', color: [200, 0, 0] } },
 * };
 * ```
 */
export type Position = [number, number] | number[];
/** Outer ring first, then holes; each ring closed (first = last). */
export type PolygonCoordinates = Position[][];

export type Geometry =
  | { type: 'Point'; coordinates: Position }
  | { type: 'MultiPoint'; coordinates: Position[] }
  | { type: 'LineString'; coordinates: Position[] }
  | { type: 'MultiLineString'; coordinates: Position[][] }
  | { type: 'Polygon'; coordinates: PolygonCoordinates }
  | { type: 'MultiPolygon'; coordinates: PolygonCoordinates[] }
  | { type: 'GeometryCollection'; geometries: Geometry[] };

/** QuPath's classification: a class name and an RGB colour. */
export interface Classification {
  name: string;
  color?: [number, number, number] | number[];
}

/** Properties QuPath reads and writes; others are kept as they are. */
export interface AnnotationProperties {
  objectType?: 'annotation' | 'detection' | 'tile' | 'cell' | 'tma_core' | (string & {});
  classification?: Classification;
  name?: string;
  isLocked?: boolean;
  measurements?: Record<string, number> | { name: string; value: number }[];
  [key: string]: unknown;
}

export interface AnnotationFeature {
  type: 'Feature';
  id?: string | number;
  geometry: Geometry | null;
  properties: AnnotationProperties | null;
  [key: string]: unknown;
}

export interface AnnotationCollection {
  type: 'FeatureCollection';
  features: AnnotationFeature[];
  [key: string]: unknown;
}
