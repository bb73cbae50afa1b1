import type { AnnotationCollection, AnnotationFeature, Position } from '@wsi/core';

/** Canonical description of every polygon: class + rings as vertex strings (outer first, holes sorted). */
export function polygonSignature(c: AnnotationCollection): string[] {
  const out: string[] = [];
  const ring = (r: Position[]) => r.map((p) => `${p[0]},${p[1]}`).join(' ');
  for (const f of c.features) {
    const cls = f.properties?.classification?.name ?? '-';
    const g = f.geometry;
    const polys = g?.type === 'Polygon' ? [g.coordinates] : g?.type === 'MultiPolygon' ? g.coordinates : [];
    for (const p of polys) out.push(`${cls}|${ring(p[0] as Position[])}|${p.slice(1).map(ring).sort().join('|')}`);
  }
  return out.sort();
}

export function rect(x0: number, y0: number, x1: number, y1: number): Position[] {
  return [
    [x0, y0],
    [x1, y0],
    [x1, y1],
    [x0, y1],
    [x0, y0],
  ];
}

/** Regular n-gon ring (closed), counter-clockwise in image coordinates when `cw` is false. */
export function ngon(cx: number, cy: number, r: number, n: number, cw = false): Position[] {
  const pts: Position[] = [];
  for (let k = 0; k < n; k++) {
    const a = ((cw ? -1 : 1) * 2 * Math.PI * k) / n;
    pts.push([cx + r * Math.cos(a), cy + r * Math.sin(a)]);
  }
  pts.push([...(pts[0] as Position)]);
  return pts;
}

export function ngonArea(r: number, n: number): number {
  return 0.5 * n * r * r * Math.sin((2 * Math.PI) / n);
}

export function feature(
  coordinates: Position[][],
  cls?: string,
  extra: Record<string, unknown> = {},
): AnnotationFeature {
  return {
    type: 'Feature',
    geometry: { type: 'Polygon', coordinates },
    properties: {
      objectType: 'annotation',
      ...(cls ? { classification: { name: cls, color: [200, 0, 0] } } : {}),
      ...extra,
    },
  };
}

export function collection(features: AnnotationFeature[]): AnnotationCollection {
  return { type: 'FeatureCollection', features };
}
