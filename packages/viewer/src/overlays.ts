/**
 * Overlay files of a slide, found by its `<name>` under an overlays folder laid out as `wsi` writes it
 * (docs/formats.md): tissue from `wsi segment`, the patch grid from `wsi patch`, per-patch scores, and annotations.
 * Files whose real path leaves the overlays folder (symlinks pointing out) are ignored.
 */
import { realpath, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { readAnnotations, readScoresCsv } from '@wsi/annotator';
import { type PatchScores, WsiError } from '@wsi/core';
import { readCoordsFile, readScoresFile } from '@wsi/h5';
import { isInside } from './registry.js';

/**
 * The overlay kinds the viewer draws.
 *
 * @example
 * ```ts
 * const kind: OverlayKind = 'scores';
 * const r = await fetch(`${viewer.url}api/slides/${id}/overlays/${kind}`);
 * ```
 */
export type OverlayKind = 'tissue' | 'annotations' | 'patches' | 'scores';

/**
 * Every overlay kind, in drawing order.
 *
 * @example
 * ```ts
 * for (const kind of OVERLAY_KINDS) console.log(kind); // tissue, patches, annotations, scores
 * ```
 */
export const OVERLAY_KINDS: readonly OverlayKind[] = ['tissue', 'patches', 'annotations', 'scores'];

/**
 * Largest overlay file read (bytes): GeoJSON, CSV or h5.
 *
 * @example
 * ```ts
 * (await stat(path)).size <= MAX_OVERLAY_BYTES; // larger overlay files are refused
 * ```
 */
export const MAX_OVERLAY_BYTES = 256 * 1024 * 1024;

/**
 * Where each overlay of slide `<name>` is looked for, relative to the overlays folder, first match wins.
 *
 * @example
 * ```ts
 * overlayCandidates('CMU-1').tissue; // ['segmentation/CMU-1.geojson', 'masks/CMU-1.geojson']
 * ```
 */
export function overlayCandidates(name: string): Record<OverlayKind, string[]> {
  return {
    tissue: [`segmentation/${name}.geojson`, `masks/${name}.geojson`],
    annotations: ['geojson', 'json', 'xml', 'csv'].map((ext) => `annotations/${name}.${ext}`),
    patches: [`patches/${name}.h5`, `patches/${name}_patches.h5`],
    scores: [`scores/${name}.scores.csv`, `scores/${name}.h5`],
  };
}

/**
 * Finds the overlay files of a slide: kind → real path, for those present inside `root` (a real path).
 *
 * @example
 * ```ts
 * const files = await findOverlays('/out', 'CMU-1'); // { tissue: '/out/segmentation/CMU-1.geojson', … }
 * ```
 */
export async function findOverlays(root: string, name: string): Promise<Partial<Record<OverlayKind, string>>> {
  const out: Partial<Record<OverlayKind, string>> = {};
  const candidates = overlayCandidates(name);
  for (const kind of OVERLAY_KINDS) {
    for (const rel of candidates[kind]) {
      const real = await realpath(join(root, rel)).catch(() => undefined);
      if (!real || !isInside(root, real)) continue;
      const st = await stat(real).catch(() => undefined);
      if (!st?.isFile()) continue;
      out[kind] = real;
      break;
    }
  }
  return out;
}

function finiteOrNull(v: number): number | null {
  return Number.isFinite(v) ? v : null;
}

async function readScores(path: string): Promise<PatchScores> {
  return path.endsWith('.h5') ? readScoresFile(path) : readScoresCsv(path);
}

/**
 * Loads an overlay as the JSON the page draws:
 * - `tissue`, `annotations`: a GeoJSON FeatureCollection (ASAP / Aperio / CSV annotations converted), plus
 *   `warnings`;
 * - `patches`: `{patchSize, count, coords: [x0, y0, x1, y1, …]}` (level-0 corners and side);
 * - `scores`: `{columns, patchSize, count, coords, scores: [[…column 0], …], min: [], max: []}` (NaN → null);
 *   the patch side comes from the scores file, else from `patchesPath`.
 *
 * @example
 * ```ts
 * const json = await loadOverlay('patches', '/out/patches/CMU-1.h5');
 * ```
 */
export async function loadOverlay(kind: OverlayKind, path: string, patchesPath?: string): Promise<unknown> {
  const st = await stat(path);
  if (st.size > MAX_OVERLAY_BYTES)
    throw new WsiError('InvalidArgument', `overlay file is ${st.size} bytes, over ${MAX_OVERLAY_BYTES}`);
  if (kind === 'tissue' || kind === 'annotations') {
    const { collection, warnings } = await readAnnotations(path);
    return { ...collection, warnings };
  }
  if (kind === 'patches') {
    const { coords, meta } = await readCoordsFile(path);
    return { patchSize: meta.patchSizeLevel0, count: coords.length / 2, coords: Array.from(coords) };
  }
  const s = await readScores(path);
  let patchSize = s.patchSizeLevel0;
  if (patchSize === undefined && patchesPath) patchSize = (await readCoordsFile(patchesPath)).meta.patchSizeLevel0;
  const k = s.columns.length;
  const n = s.coords.length / 2;
  const columns: (number | null)[][] = s.columns.map(() => new Array<number | null>(n));
  const min = s.columns.map(() => Number.POSITIVE_INFINITY);
  const max = s.columns.map(() => Number.NEGATIVE_INFINITY);
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < k; c++) {
      const v = s.scores[i * k + c] as number;
      (columns[c] as (number | null)[])[i] = finiteOrNull(v);
      if (Number.isFinite(v)) {
        if (v < (min[c] as number)) min[c] = v;
        if (v > (max[c] as number)) max[c] = v;
      }
    }
  }
  return {
    columns: s.columns,
    patchSize: patchSize ?? null,
    count: n,
    coords: Array.from(s.coords),
    scores: columns,
    min: min.map(finiteOrNull),
    max: max.map(finiteOrNull),
  };
}
