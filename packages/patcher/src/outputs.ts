/**
 * What a person checks after segmentation: QuPath GeoJSON polygons with holes (level-0 coordinates), the 0/255
 * mask PNG and an overlay PNG (the segmentation-level image with contours, holes and the patch grid).
 */
import { randomBytes } from 'node:crypto';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { type AnnotationCollection, type Position, toWsiError } from '@wsi/core';
import sharp from 'sharp';
import type { Contour } from './contours.js';
import type { GrayImage } from './image-ops.js';
import { scaleContour } from './polygon.js';
import type { TissueSegmentation } from './segment.js';

function ring(c: Contour, sx: number, sy: number): Position[] {
  const s = scaleContour(c, sx, sy);
  const out: Position[] = [];
  for (let i = 0; i < s.length; i += 2) out.push([s[i] as number, s[i + 1] as number]);
  if (out.length > 0) out.push([...(out[0] as number[])]);
  // a one- or two-point border is a degenerate ring; GeoJSON needs 4 positions
  while (out.length > 0 && out.length < 4) out.push([...(out[0] as number[])]);
  return out;
}

/**
 * The tissue regions as a QuPath GeoJSON FeatureCollection: one `Polygon` per region (outer ring, then its holes),
 * level-0 coordinates, classification `Tissue`.
 *
 * @example
 * ```ts
 * const geo = tissueGeoJson(seg);
 * geo.features.length === seg.regions.length;
 * ```
 */
export function tissueGeoJson(seg: TissueSegmentation): AnnotationCollection {
  const [sx, sy] = seg.downsample;
  return {
    type: 'FeatureCollection',
    features: seg.regions.map((r, i) => ({
      type: 'Feature',
      id: `tissue-${i}`,
      geometry: { type: 'Polygon', coordinates: [ring(r.contour, sx, sy), ...r.holes.map((h) => ring(h, sx, sy))] },
      properties: {
        objectType: 'annotation',
        classification: { name: 'Tissue', color: [0, 160, 0] },
        measurements: { areaLevel0: Math.round(r.area * sx * sy), holes: r.holes.length },
      },
    })),
  };
}

async function atomic(path: string, write: (tmp: string) => Promise<unknown>): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = join(dirname(path), `.${basename(path)}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
  try {
    await write(tmp);
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw toWsiError(err, `cannot write ${path}`);
  }
}

/**
 * Writes text atomically (temp file + rename), creating the folder.
 *
 * @example
 * ```ts
 * await writeTextAtomic('out/a.geojson', JSON.stringify(geo));
 * ```
 */
export function writeTextAtomic(path: string, text: string): Promise<void> {
  return atomic(path, (tmp) => writeFile(tmp, text));
}

/**
 * Writes an 8-bit single-channel image as PNG, atomically.
 *
 * @example
 * ```ts
 * await writeMaskPng(seg.mask, 'out/a_mask.png');
 * ```
 */
export function writeMaskPng(mask: GrayImage, path: string): Promise<void> {
  return atomic(path, (tmp) =>
    sharp(mask.data, { raw: { width: mask.width, height: mask.height, channels: 1 }, limitInputPixels: false })
      .toColourspace('b-w')
      .png()
      .toFile(tmp),
  );
}

function drawLine(
  img: Uint8Array,
  w: number,
  h: number,
  x0: number,
  y0: number,
  x1: number,
  y1: number,
  c: readonly number[],
  t = 1,
): void {
  let x = Math.round(x0);
  let y = Math.round(y0);
  const xe = Math.round(x1);
  const ye = Math.round(y1);
  const dx = Math.abs(xe - x);
  const dy = -Math.abs(ye - y);
  const stepX = x < xe ? 1 : -1;
  const stepY = y < ye ? 1 : -1;
  let err = dx + dy;
  for (;;) {
    const r = t >> 1;
    for (let yy = Math.max(0, y - r); yy <= Math.min(h - 1, y - r + t - 1); yy++) {
      for (let xx = Math.max(0, x - r); xx <= Math.min(w - 1, x - r + t - 1); xx++) {
        const o = (yy * w + xx) * 3;
        img[o] = c[0] as number;
        img[o + 1] = c[1] as number;
        img[o + 2] = c[2] as number;
      }
    }
    if (x === xe && y === ye) break;
    const e2 = 2 * err;
    if (e2 >= dy) {
      err += dy;
      x += stepX;
    }
    if (e2 <= dx) {
      err += dx;
      y += stepY;
    }
  }
}

function drawContour(
  img: Uint8Array,
  w: number,
  h: number,
  c: Contour,
  scale: number,
  colour: readonly number[],
  t: number,
): void {
  const n = c.length >> 1;
  for (let i = 0; i < n; i++) {
    const j = (i + 1) % n;
    drawLine(
      img,
      w,
      h,
      (c[i * 2] as number) * scale,
      (c[i * 2 + 1] as number) * scale,
      (c[j * 2] as number) * scale,
      (c[j * 2 + 1] as number) * scale,
      colour,
      t,
    );
  }
}

/**
 * Renders the overlay: the segmentation-level image (longer side at most `maxSize`), patch squares in blue,
 * tissue borders in green, holes in red.
 *
 * @example
 * ```ts
 * const rgb = renderOverlay(seg, coords, 256); // { width, height, data }
 * ```
 */
export function renderOverlay(
  seg: TissueSegmentation,
  coords: Int32Array | undefined,
  patchSizeLevel0: number,
  maxSize = 2048,
): { width: number; height: number; data: Uint8Array } {
  const scale = Math.min(1, maxSize / Math.max(seg.width, seg.height));
  const w = Math.max(1, Math.round(seg.width * scale));
  const h = Math.max(1, Math.round(seg.height * scale));
  const img = new Uint8Array(w * h * 3);
  const src = seg.image.data as Uint8Array;
  const ch = seg.image.channels;
  for (let y = 0; y < h; y++) {
    const sy = Math.min(seg.height - 1, Math.floor(y / scale));
    for (let x = 0; x < w; x++) {
      const sxp = Math.min(seg.width - 1, Math.floor(x / scale));
      const s = (sy * seg.width + sxp) * ch;
      const o = (y * w + x) * 3;
      const a = ch === 4 ? (src[s + 3] as number) : 255;
      img[o] = a === 0 ? 255 : (src[s] as number);
      img[o + 1] = a === 0 ? 255 : (src[s + 1] as number);
      img[o + 2] = a === 0 ? 255 : (src[s + 2] as number);
    }
  }
  const [dsx, dsy] = seg.downsample;
  const t = Math.max(1, Math.round(Math.max(w, h) / 800));
  if (coords) {
    for (let i = 0; i < coords.length; i += 2) {
      const x0 = ((coords[i] as number) / dsx) * scale;
      const y0 = ((coords[i + 1] as number) / dsy) * scale;
      const x1 = x0 + (patchSizeLevel0 / dsx) * scale;
      const y1 = y0 + (patchSizeLevel0 / dsy) * scale;
      const blue = [40, 60, 220];
      drawLine(img, w, h, x0, y0, x1, y0, blue, t);
      drawLine(img, w, h, x1, y0, x1, y1, blue, t);
      drawLine(img, w, h, x1, y1, x0, y1, blue, t);
      drawLine(img, w, h, x0, y1, x0, y0, blue, t);
    }
  }
  for (const r of seg.regions) {
    drawContour(img, w, h, r.contour, scale, [0, 200, 0], t + 1);
    for (const hole of r.holes) drawContour(img, w, h, hole, scale, [230, 30, 30], t + 1);
  }
  return { width: w, height: h, data: img };
}

/**
 * Writes {@link renderOverlay} as PNG, atomically.
 *
 * @example
 * ```ts
 * await writeOverlayPng(seg, coords, 256, 'out/a_overlay.png');
 * ```
 */
export async function writeOverlayPng(
  seg: TissueSegmentation,
  coords: Int32Array | undefined,
  patchSizeLevel0: number,
  path: string,
): Promise<void> {
  const o = renderOverlay(seg, coords, patchSizeLevel0);
  await atomic(path, (tmp) =>
    sharp(o.data, { raw: { width: o.width, height: o.height, channels: 3 }, limitInputPixels: false })
      .png()
      .toFile(tmp),
  );
}
