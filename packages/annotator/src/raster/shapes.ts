import type { AnnotationCollection, AnnotationFeature, Geometry, Position } from '@wsi/core';
import { WsiError } from '@wsi/core';
import Flatbush from 'flatbush';
import { ringBBox, ringSignedArea } from '../geometry/rings.js';
import { flattenRing } from '../geometry/validate.js';

/**
 * Class name given to features without a classification.
 *
 * @example
 * ```ts
 * classNameOf({ type: 'Feature', geometry: null, properties: null }) === UNCLASSIFIED; // true
 * ```
 */
export const UNCLASSIFIED = 'Unclassified';

/**
 * One polygon (outer ring + holes) ready for filling or clipping, with its class value (1-based).
 *
 * @example
 * ```ts
 * const shapes: Shape[] = compileShapes(collection, classes);
 * shapes[0]?.bbox; // [minX, minY, maxX, maxY] in level-0 pixels
 * ```
 */
export interface Shape {
  /** Class value in masks and labels: index in the class list + 1. */
  cls: number;
  /** Index of the feature it came from (paint order). */
  feature: number;
  /** Open rings, interleaved x,y (outer first). */
  rings: Float64Array[];
  /** Orientation sign of each ring's signed area (so holes can subtract whatever their winding). */
  signs: Int8Array;
  /** Absolute area of each ring. */
  areas: Float64Array;
  bbox: [number, number, number, number];
}

/**
 * Class name of a feature (its classification name, else {@link UNCLASSIFIED}).
 *
 * @example
 * ```ts
 * classNameOf(feature); // 'Tumor', or 'Unclassified'
 * ```
 */
export function classNameOf(f: AnnotationFeature): string {
  const n = f.properties?.classification?.name;
  return typeof n === 'string' && n !== '' ? n : UNCLASSIFIED;
}

function hasArea(g: Geometry | null): boolean {
  if (!g) return false;
  if (g.type === 'Polygon' || g.type === 'MultiPolygon') return true;
  return g.type === 'GeometryCollection' && g.geometries.some(hasArea);
}

/**
 * The class list of a collection: `classes` when given (checked for duplicates), else the class names of
 * area features in order of first appearance. Class value k (masks, labels) is `classes[k - 1]`.
 *
 * @example
 * ```ts
 * collectClasses(collection); // ['Tumor', 'Stroma']
 * ```
 */
export function collectClasses(collection: AnnotationCollection, classes?: readonly string[]): string[] {
  if (classes) {
    const dup = classes.find((c, i) => classes.indexOf(c) !== i);
    if (dup !== undefined) throw new WsiError('InvalidArgument', `class '${dup}' is listed twice`);
    if (classes.length > 255)
      throw new WsiError('InvalidArgument', `at most 255 classes fit an 8-bit mask, got ${classes.length}`);
    return [...classes];
  }
  const seen: string[] = [];
  for (const f of collection.features) {
    if (!hasArea(f.geometry)) continue;
    const n = classNameOf(f);
    if (!seen.includes(n)) seen.push(n);
  }
  if (seen.length > 255)
    throw new WsiError('InvalidArgument', `at most 255 classes fit an 8-bit mask, got ${seen.length}`);
  return seen;
}

/**
 * Flattens the area features (Polygon, MultiPolygon, inside GeometryCollections) into {@link Shape}s, one
 * per polygon, skipping features whose class is not in `classes`.
 *
 * @example
 * ```ts
 * const shapes = compileShapes(collection, collectClasses(collection));
 * ```
 */
export function compileShapes(collection: AnnotationCollection, classes: readonly string[]): Shape[] {
  const shapes: Shape[] = [];
  collection.features.forEach((f, fi) => {
    const k = classes.indexOf(classNameOf(f));
    if (k < 0) return;
    const add = (rings: Position[][]) => {
      const flat = rings.map(flattenRing).filter((r) => r.length >= 6);
      if (flat.length === 0) return;
      const signed = flat.map(ringSignedArea);
      shapes.push({
        cls: k + 1,
        feature: fi,
        rings: flat,
        signs: Int8Array.from(signed, (a) => (a >= 0 ? 1 : -1)),
        areas: Float64Array.from(signed, Math.abs),
        bbox: ringBBox(flat[0] as Float64Array),
      });
    };
    const walk = (g: Geometry | null) => {
      if (!g) return;
      if (g.type === 'Polygon') add(g.coordinates);
      else if (g.type === 'MultiPolygon') g.coordinates.forEach(add);
      else if (g.type === 'GeometryCollection') g.geometries.forEach(walk);
    };
    walk(f.geometry);
  });
  return shapes;
}

/**
 * A flatbush index over the shapes' bounding boxes (item i = shapes[i]).
 *
 * @example
 * ```ts
 * const hits = indexShapes(shapes)?.search(0, 0, 256, 256) ?? [];
 * ```
 */
export function indexShapes(shapes: readonly Shape[]): Flatbush | undefined {
  if (shapes.length === 0) return undefined;
  const index = new Flatbush(shapes.length);
  for (const s of shapes) index.add(s.bbox[0], s.bbox[1], s.bbox[2], s.bbox[3]);
  index.finish();
  return index;
}
