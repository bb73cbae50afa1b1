import type { AnnotationCollection, AnnotationFeature, Position } from '@wsi/core';
import { csvField, parseCsv, WsiError } from '@wsi/core';
import { ringBBox } from '../geometry/rings.js';
import { checkNumber, flattenRing } from '../geometry/validate.js';
import { WarningTally } from './common.js';
import type { AnnotationSet } from './geojson.js';
import { normalizeGeoJson } from './geojson.js';

const BOX_HEADERS: [string, string, string, string, 'size' | 'corners'][] = [
  ['x', 'y', 'width', 'height', 'size'],
  ['x', 'y', 'w', 'h', 'size'],
  ['xmin', 'ymin', 'xmax', 'ymax', 'corners'],
  ['x0', 'y0', 'x1', 'y1', 'corners'],
];

/**
 * Parses a CSV of points (`x,y`) or boxes (`x,y,width,height`, `x,y,w,h`, `xmin,ymin,xmax,ymax` or
 * `x0,y0,x1,y1`) in level-0 pixels, with optional `class` (or `label`) and `name` columns; other columns are
 * kept as string properties. Bad numbers → `WsiError('InvalidArgument')` naming line and column.
 *
 * @example
 * ```ts
 * parseAnnotationCsv('x,y,class\n10,20,Tumor\n').collection.features[0].geometry; // Point [10, 20]
 * ```
 */
export function parseAnnotationCsv(text: string, source = 'CSV'): AnnotationSet {
  const table = parseCsv(text, source);
  const header = (table[0] ?? []).map((h) => h.trim().toLowerCase());
  const col = (n: string) => header.indexOf(n);
  const box = BOX_HEADERS.find((b) => b.slice(0, 4).every((n) => col(n) >= 0));
  if (!box && (col('x') < 0 || col('y') < 0)) {
    throw new WsiError(
      'InvalidArgument',
      `${source}: header must have x,y (points) or x,y,width,height / xmin,ymin,xmax,ymax (boxes); got ${header.join(',')}`,
    );
  }
  const clsCol = col('class') >= 0 ? col('class') : col('label');
  const nameCol = col('name');
  const used = new Set([...(box ? box.slice(0, 4) : ['x', 'y']).map((n) => col(n as string)), clsCol, nameCol]);
  const features: AnnotationFeature[] = [];
  for (let r = 1; r < table.length; r++) {
    const cells = table[r] as string[];
    const line = r + 1;
    if (cells.length !== header.length) {
      throw new WsiError(
        'InvalidArgument',
        `${source}: line ${line}: ${cells.length} fields, the header has ${header.length}`,
      );
    }
    const num = (name: string) => checkNumber(cells[col(name)], `${source}: line ${line} column '${name}'`);
    const properties: Record<string, unknown> = { objectType: 'annotation' };
    const cls = clsCol >= 0 ? (cells[clsCol] as string).trim() : '';
    if (cls) properties.classification = { name: cls };
    if (nameCol >= 0 && cells[nameCol]) properties.name = cells[nameCol];
    header.forEach((h, i) => {
      if (!used.has(i)) properties[h] = cells[i];
    });
    let geometry: AnnotationFeature['geometry'];
    if (box) {
      const a = num(box[0]);
      const b = num(box[1]);
      const c = num(box[2]);
      const d = num(box[3]);
      const [x0, y0, x1, y1] = box[4] === 'size' ? [a, b, a + c, b + d] : [a, b, c, d];
      geometry = {
        type: 'Polygon',
        coordinates: [
          [
            [x0, y0],
            [x1, y0],
            [x1, y1],
            [x0, y1],
            [x0, y0],
          ],
        ],
      };
    } else geometry = { type: 'Point', coordinates: [num('x'), num('y')] };
    features.push({ type: 'Feature', geometry, properties });
  }
  return normalizeGeoJson({ type: 'FeatureCollection', features }, source);
}

/**
 * Serialises annotations as CSV: `x,y,class,name` when every feature is a Point, else boxes
 * `x,y,width,height,class,name` (each shape's bounding box, with a warning for shapes that are not boxes).
 *
 * @example
 * ```ts
 * const { text, warnings } = formatAnnotationCsv(collection);
 * ```
 */
export function formatAnnotationCsv(collection: AnnotationCollection): { text: string; warnings: string[] } {
  const tally = new WarningTally();
  const points = collection.features.every((f) => f.geometry?.type === 'Point');
  const lines = [points ? 'x,y,class,name' : 'x,y,width,height,class,name'];
  for (const f of collection.features) {
    const p = f.properties ?? {};
    const tail = [csvField(p.classification?.name ?? ''), csvField(typeof p.name === 'string' ? p.name : '')].join(',');
    for (const k of Object.keys(p))
      if (!['objectType', 'classification', 'name'].includes(k))
        tally.add(`property '${k}' cannot be stored in CSV; dropped`);
    const g = f.geometry;
    if (!g) {
      tally.add('feature without geometry skipped');
      continue;
    }
    if (points && g.type === 'Point') {
      lines.push(`${g.coordinates[0]},${g.coordinates[1]},${tail}`);
      continue;
    }
    const all: Position[] = [];
    const walk = (c: unknown): void => {
      if (Array.isArray(c) && typeof c[0] === 'number') all.push(c as Position);
      else if (Array.isArray(c)) c.forEach(walk);
    };
    if (g.type === 'GeometryCollection')
      g.geometries.forEach((x) => {
        walk('coordinates' in x ? x.coordinates : []);
      });
    else walk(g.coordinates);
    const [x0, y0, x1, y1] = ringBBox(flattenRing([...all, all[0] ?? [0, 0]]));
    const isBox =
      g.type === 'Polygon' &&
      g.coordinates.length === 1 &&
      all.length === 5 &&
      all.every((q) => (q[0] === x0 || q[0] === x1) && (q[1] === y0 || q[1] === y1));
    if (!isBox) tally.add(`${g.type} written as its bounding box (shape lost)`);
    lines.push(`${x0},${y0},${x1 - x0},${y1 - y0},${tail}`);
  }
  return { text: `${lines.join('\n')}\n`, warnings: tally.lines() };
}
