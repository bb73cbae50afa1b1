import type { Position } from '@wsi/core';
import { WsiError } from '@wsi/core';
import { findCrossing, ringSignedArea } from './rings.js';

/**
 * Largest absolute coordinate accepted (level-0 pixels): the Int32 range every coords file uses.
 *
 * @example
 * ```ts
 * Math.abs(x) <= MAX_COORDINATE; // fits an Int32 coords file
 * ```
 */
export const MAX_COORDINATE = 2 ** 31 - 1;

/**
 * Where a value sits, for error messages: `"tumor.geojson: feature 3 ('Region 1')"`.
 *
 * @example
 * ```ts
 * placeOf('tumor.geojson', 3, 'Region 1'); // "tumor.geojson: feature 3 ('Region 1')"
 * ```
 */
export function placeOf(source: string, index: number, name?: unknown): string {
  return `${source}: feature ${index}${typeof name === 'string' && name !== '' ? ` ('${name}')` : ''}`;
}

/**
 * Checks one coordinate pair and returns it as numbers: non-numeric, non-finite or huge values throw a
 * `WsiError('InvalidArgument')` naming the place.
 *
 * @example
 * ```ts
 * checkPosition([10, 20], 'a.geojson: feature 0 ring 0 vertex 1'); // [10, 20]
 * ```
 */
export function checkPosition(p: unknown, where: string): Position {
  if (!Array.isArray(p) || p.length < 2) {
    throw new WsiError('InvalidArgument', `${where}: a position must be an array [x, y], got ${short(p)}`);
  }
  for (let i = 0; i < p.length; i++) {
    const w = `${where}${i === 0 ? ' x' : i === 1 ? ' y' : ` [${i}]`}`;
    if (typeof p[i] !== 'number') {
      throw new WsiError('InvalidArgument', `${w}: coordinate ${short(p[i])} is not a finite number`, {
        details: { where: w },
      });
    }
    checkNumber(p[i], w);
  }
  return p as Position;
}

/**
 * Checks one coordinate value (a number or numeric text from XML/CSV) and returns it as a number.
 *
 * @example
 * ```ts
 * checkNumber('12.5', 'a.xml: annotation 0 vertex 2 X'); // 12.5
 * ```
 */
export function checkNumber(v: unknown, where: string): number {
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : Number.NaN;
  if (!Number.isFinite(n)) {
    throw new WsiError('InvalidArgument', `${where}: coordinate ${short(v)} is not a finite number`, {
      details: { where },
    });
  }
  if (Math.abs(n) > MAX_COORDINATE) {
    throw new WsiError('InvalidArgument', `${where}: coordinate ${n} exceeds ±${MAX_COORDINATE} (level-0 pixels)`, {
      details: { where },
    });
  }
  return n;
}

function short(v: unknown): string {
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 40 ? `${s.slice(0, 37)}...` : s;
}

/**
 * Flattens a GeoJSON ring to open interleaved x,y (drops the closing vertex when present).
 *
 * @example
 * ```ts
 * flattenRing([[0, 0], [10, 0], [10, 10], [0, 0]]); // Float64Array [0, 0, 10, 0, 10, 10]
 * ```
 */
export function flattenRing(ring: Position[]): Float64Array {
  let n = ring.length;
  const first = ring[0];
  const last = ring[n - 1];
  if (n > 1 && first && last && first[0] === last[0] && first[1] === last[1]) n--;
  const out = new Float64Array(2 * n);
  for (let i = 0; i < n; i++) {
    const p = ring[i] as Position;
    out[2 * i] = p[0] as number;
    out[2 * i + 1] = p[1] as number;
  }
  return out;
}

/**
 * Validates and repairs one polygon's rings (outer first, then holes): every vertex numeric and in range,
 * unclosed rings closed (warning), zero-area rings dropped (warning; a zero-area outer drops the whole
 * polygon → `null`), and crossing edges → `WsiError('InvalidArgument')` naming the feature, rings and edges.
 *
 * @example
 * ```ts
 * const warnings: string[] = [];
 * checkPolygon([[[0, 0], [10, 0], [10, 10]]], 'a: feature 0', warnings); // closed, warning added
 * ```
 */
export function checkPolygon(rings: unknown, where: string, warnings: string[]): Position[][] | null {
  if (!Array.isArray(rings) || rings.length === 0) {
    throw new WsiError('InvalidArgument', `${where}: polygon coordinates must be a non-empty array of rings`);
  }
  const closed: Position[][] = [];
  for (let r = 0; r < rings.length; r++) {
    const ring = rings[r] as unknown;
    const rw = `${where} ring ${r}`;
    if (!Array.isArray(ring)) throw new WsiError('InvalidArgument', `${rw}: a ring must be an array of positions`);
    const pts = ring.map((p, v) => checkPosition(p, `${rw} vertex ${v}`));
    const first = pts[0];
    const last = pts[pts.length - 1];
    if (first && last && (first[0] !== last[0] || first[1] !== last[1])) {
      pts.push([...first]);
      warnings.push(`${rw}: ring was not closed; closed it`);
    }
    closed.push(pts);
  }
  const crossing = findCrossing(closed.map(flattenRing));
  if (crossing) {
    const { ringA, edgeA, ringB, edgeB } = crossing;
    throw new WsiError(
      'InvalidArgument',
      `${where}: self-intersection: ring ${ringA} edge ${edgeA} crosses ring ${ringB} edge ${edgeB} (fix the shape in the annotation tool)`,
      { details: { where, ...crossing } },
    );
  }
  const out: Position[][] = [];
  for (let r = 0; r < closed.length; r++) {
    const pts = closed[r] as Position[];
    const rw = `${where} ring ${r}`;
    const flat = flattenRing(pts);
    if (flat.length < 6 || ringSignedArea(flat) === 0) {
      if (r === 0) {
        warnings.push(`${rw}: outer ring has zero area; dropped the polygon`);
        return null;
      }
      warnings.push(`${rw}: hole has zero area; dropped it`);
      continue;
    }
    out.push(pts);
  }
  return out;
}
