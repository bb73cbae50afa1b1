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
/**
 * Outer ring first, then holes; each ring closed (first = last).
 *
 * @example
 * ```ts
 * const square: PolygonCoordinates = [[[0, 0], [100, 0], [100, 100], [0, 100], [0, 0]]];
 * ```
 */
export type PolygonCoordinates = Position[][];

/**
 * A GeoJSON geometry in level-0 pixel coordinates (QuPath's subset of RFC 7946).
 *
 * @example
 * ```ts
 * const g: Geometry = { type: 'Polygon', coordinates: [[[0, 0], [512, 0], [512, 512], [0, 0]]] };
 * ```
 */
export type Geometry =
  | { type: 'Point'; coordinates: Position }
  | { type: 'MultiPoint'; coordinates: Position[] }
  | { type: 'LineString'; coordinates: Position[] }
  | { type: 'MultiLineString'; coordinates: Position[][] }
  | { type: 'Polygon'; coordinates: PolygonCoordinates }
  | { type: 'MultiPolygon'; coordinates: PolygonCoordinates[] }
  | { type: 'GeometryCollection'; geometries: Geometry[] };

/**
 * QuPath's classification: a class name and an RGB colour.
 *
 * @example
 * ```ts
 * const tumour: Classification = { name: 'Tumor', color: [200, 0, 0] };
 * ```
 */
export interface Classification {
  name: string;
  color?: [number, number, number] | number[];
}

/**
 * Properties QuPath reads and writes; others are kept as they are.
 *
 * @example
 * ```ts
 * const p: AnnotationProperties = { objectType: 'annotation', classification: { name: 'Tumor' }, measurements: { score: 0.9 } };
 * ```
 */
export interface AnnotationProperties {
  objectType?: 'annotation' | 'detection' | 'tile' | 'cell' | 'tma_core' | (string & {});
  classification?: Classification;
  name?: string;
  isLocked?: boolean;
  measurements?: Record<string, number> | { name: string; value: number }[];
  [key: string]: unknown;
}

/**
 * One annotation as a QuPath GeoJSON Feature; unknown members are kept.
 *
 * @example
 * ```ts
 * const f: AnnotationFeature = {
 *   type: 'Feature',
 *   geometry: { type: 'Point', coordinates: [1024, 2048] },
 *   properties: { objectType: 'annotation', classification: { name: 'Mitosis' } },
 * };
 * ```
 */
export interface AnnotationFeature {
  type: 'Feature';
  id?: string | number;
  geometry: Geometry | null;
  properties: AnnotationProperties | null;
  [key: string]: unknown;
}

/**
 * A QuPath GeoJSON FeatureCollection of annotations, in level-0 pixels.
 *
 * @example
 * ```ts
 * const c: AnnotationCollection = { type: 'FeatureCollection', features: [] };
 * ```
 */
export interface AnnotationCollection {
  type: 'FeatureCollection';
  features: AnnotationFeature[];
  [key: string]: unknown;
}
