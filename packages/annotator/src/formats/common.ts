import type { Position } from '@wsi/core';
import { WsiError } from '@wsi/core';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { pointInRing, ringSignedArea } from '../geometry/rings.js';
import { flattenRing } from '../geometry/validate.js';

/** Attribute prefix used with fast-xml-parser. */
export const ATTR = '@_';

/**
 * Validates and parses XML text with fast-xml-parser (attributes kept as strings, listed elements always
 * arrays). Malformed XML → `WsiError('InvalidArgument')` naming the line and column.
 *
 * @example
 * ```ts
 * const doc = parseXml('<a x="1"/>', 'a.xml', []);
 * ```
 */
export function parseXml(text: string, source: string, arrays: readonly string[]): Record<string, unknown> {
  const valid = XMLValidator.validate(text);
  if (valid !== true) {
    const { line, col, msg } = valid.err;
    throw new WsiError('InvalidArgument', `${source}: malformed XML at line ${line}, column ${col}: ${msg}`, {
      details: { line, col },
    });
  }
  const set = new Set(arrays);
  const parser = new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: ATTR,
    parseAttributeValue: false,
    parseTagValue: false,
    ignoreDeclaration: true,
    isArray: (name) => set.has(name),
  });
  return parser.parse(text) as Record<string, unknown>;
}

/** Children of a parsed element as an array of objects (missing or empty-text elements give `[]`). */
export function children(parent: unknown, name: string): Record<string, unknown>[] {
  if (typeof parent !== 'object' || parent === null) return [];
  const v = (parent as Record<string, unknown>)[name];
  if (v === undefined || v === '' || v === null) return [];
  const arr = Array.isArray(v) ? v : [v];
  return arr.map((x) => (typeof x === 'object' && x !== null ? (x as Record<string, unknown>) : {}));
}

/** A string attribute of a parsed element ('' when absent). */
export function attr(el: Record<string, unknown>, name: string): string {
  const v = el[ATTR + name];
  return v === undefined || v === null ? '' : String(v);
}

/** `[r, g, b]` → `#rrggbb`. */
export function rgbToHex(c: readonly number[] | undefined, fallback = '#F4FA58'): string {
  if (!c || c.length < 3) return fallback;
  return `#${c
    .slice(0, 3)
    .map((v) =>
      Math.max(0, Math.min(255, Math.round(v)))
        .toString(16)
        .padStart(2, '0'),
    )
    .join('')}`.toUpperCase();
}

/** `#rrggbb` → `[r, g, b]`, or undefined when it is not a colour. */
export function hexToRgb(s: string): [number, number, number] | undefined {
  const m = /^#?([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(s.trim());
  if (!m) return undefined;
  return [
    Number.parseInt(m[1] as string, 16),
    Number.parseInt(m[2] as string, 16),
    Number.parseInt(m[3] as string, 16),
  ];
}

/** An open vertex list → a closed GeoJSON ring. */
export function closeRing(pts: Position[]): Position[] {
  const first = pts[0];
  return first ? [...pts, [first[0] as number, first[1] as number]] : pts;
}

/** A closed GeoJSON ring → its vertices without the closing repeat. */
export function openRing(ring: Position[]): Position[] {
  const n = ring.length;
  const a = ring[0];
  const b = ring[n - 1];
  return n > 1 && a && b && a[0] === b[0] && a[1] === b[1] ? ring.slice(0, n - 1) : ring;
}

/** An outer polygon waiting for its holes. */
export interface PendingPolygon {
  /** Which holes may attach (the class key). */
  key: string;
  rings: Position[][];
}

/**
 * Attaches hole rings to the outer polygon of the same key that contains them: the candidate containing
 * the most hole vertices (at least half), ties to the smallest area. Returns the holes that found no parent.
 *
 * @example
 * ```ts
 * const orphans = attachHoles(outers, [{ key: 'Tumor', ring }]);
 * ```
 */
export function attachHoles(
  outers: PendingPolygon[],
  holes: { key: string; ring: Position[] }[],
): { key: string; ring: Position[] }[] {
  const flat = outers.map((o) => flattenRing(o.rings[0] as Position[]));
  const areas = flat.map((f) => Math.abs(ringSignedArea(f)));
  const orphans: { key: string; ring: Position[] }[] = [];
  for (const h of holes) {
    const pts = openRing(h.ring);
    let best = -1;
    let bestCount = 0;
    outers.forEach((o, i) => {
      if (o.key !== h.key) return;
      let count = 0;
      for (const p of pts) if (pointInRing(p[0] as number, p[1] as number, flat[i] as Float64Array)) count++;
      if (count > bestCount || (count === bestCount && count > 0 && (areas[i] as number) < (areas[best] as number))) {
        best = i;
        bestCount = count;
      }
    });
    if (best >= 0 && bestCount * 2 >= pts.length) (outers[best] as PendingPolygon).rings.push(h.ring);
    else orphans.push(h);
  }
  return orphans;
}

/** Counts repeated warnings so a long file gives one line per kind: "3 features: …". */
export class WarningTally {
  private readonly counts = new Map<string, number>();
  add(message: string): void {
    this.counts.set(message, (this.counts.get(message) ?? 0) + 1);
  }
  lines(): string[] {
    return [...this.counts].map(([m, n]) => `${n} feature${n === 1 ? '' : 's'}: ${m}`);
  }
}
