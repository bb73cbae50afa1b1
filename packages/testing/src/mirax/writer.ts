/**
 * {@link writeMirax}: a 3DHISTECH MIRAX slide (`X.mrxs` + folder `X/` with Slidedat.ini, Index.dat, Data*.dat)
 * tiled from an RGB source, written from the public format description so that OpenSlide opens it.
 */
import { mkdir, open, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { deflateSync } from 'node:zlib';
import { WsiError } from '@wsi/core';
import sharp from 'sharp';
import { makeLabel } from '../svs/associated.js';
import type { RgbSource } from '../tiff/source.js';
import { buildIndexDat, type MiraxRecord } from './index-file.js';
import { baseSize, checkGeometry, imagePosition, type MiraxGeometry, photoPositions, tilesPerImage } from './layout.js';
import { type SlidedatInfo, slidedatText } from './slidedat.js';

export * from './index-file.js';
export * from './layout.js';
export * from './slidedat.js';

/**
 * Options of {@link writeMirax}.
 *
 * @example
 * ```ts
 * const o: MiraxWriteOptions = { path: '/tmp/a.mrxs', source, geometry: { imagesX: 8, imagesY: 8, divisions: 2,
 *   imageWidth: 256, imageHeight: 256, overlapX: 0, overlapY: 0, levels: 3, positions: 'none' } };
 * ```
 */
export interface MiraxWriteOptions {
  /** Where the `.mrxs` file goes; the companion folder is the same path without `.mrxs`. */
  path: string;
  /** Level-0 pixels; regions outside it are white. */
  source: RgbSource;
  geometry: MiraxGeometry;
  /** Tile codec (default JPEG; BMP is written as IMAGE_FORMAT = BMP24). */
  format?: 'JPEG' | 'PNG' | 'BMP';
  quality?: number;
  /** JPEG chroma subsampling (default 4:4:4; scanners also write 4:2:0). */
  chroma?: '4:4:4' | '4:2:0';
  /** Number of Data*.dat files the images are spread over (default 2). */
  dataFiles?: number;
  /** Records per Index.dat page (default 64, so chains have several pages). */
  pageSize?: number;
  /** Photo indices never scanned (no level-0 image; higher levels may still hold them, as scanners do). */
  omitPhotos?: ReadonlySet<number>;
  mpp?: number;
  objectiveMagnification?: number;
  /** Write label / macro / thumbnail JPEGs (default true). */
  associated?: boolean;
  slideId?: string;
}

/**
 * What {@link writeMirax} wrote.
 *
 * @example
 * ```ts
 * const { path, width, height, positions } = await writeMirax(options);
 * ```
 */
export interface MiraxWriteResult {
  path: string;
  folder: string;
  /** OpenSlide's level-0 size. */
  width: number;
  height: number;
  /** Level-0 positions of the photos, as written to the position buffer (or the nominal grid). */
  positions: Int32Array;
}

/** Reads a source region, white outside the source. */
async function readClamped(src: RgbSource, x: number, y: number, w: number, h: number): Promise<Uint8Array> {
  const out = new Uint8Array(w * h * 3).fill(255);
  const x0 = Math.max(0, x);
  const y0 = Math.max(0, y);
  const x1 = Math.min(src.width, x + w);
  const y1 = Math.min(src.height, y + h);
  if (x1 <= x0 || y1 <= y0) return out;
  const part = await src.read(x0, y0, x1 - x0, y1 - y0);
  const rw = (x1 - x0) * 3;
  for (let r = 0; r < y1 - y0; r++) out.set(part.subarray(r * rw, (r + 1) * rw), ((r + y0 - y) * w + (x0 - x)) * 3);
  return out;
}

/** Box-averages an RGB buffer by an integer factor. */
function boxDown(rgb: Uint8Array, w: number, h: number, f: number): Uint8Array {
  if (f === 1) return rgb;
  const ow = w / f;
  const oh = h / f;
  const out = new Uint8Array(ow * oh * 3);
  const acc = new Uint32Array(ow * 3);
  const n = f * f;
  for (let oy = 0; oy < oh; oy++) {
    acc.fill(0);
    for (let dy = 0; dy < f; dy++) {
      const row = (oy * f + dy) * w * 3;
      for (let x = 0; x < w; x++) {
        const o = Math.floor(x / f) * 3;
        const s = row + x * 3;
        acc[o] = acc[o]! + rgb[s]!;
        acc[o + 1] = acc[o + 1]! + rgb[s + 1]!;
        acc[o + 2] = acc[o + 2]! + rgb[s + 2]!;
      }
    }
    for (let i = 0; i < ow * 3; i++) out[oy * ow * 3 + i] = Math.round(acc[i]! / n);
  }
  return out;
}

/** A 24-bit bottom-up BI_RGB BMP. */
function encodeBmp(rgb: Uint8Array, w: number, h: number): Buffer {
  const stride = Math.ceil((w * 3) / 4) * 4;
  const out = Buffer.alloc(54 + stride * h);
  out.write('BM', 0);
  out.writeUInt32LE(out.length, 2);
  out.writeUInt32LE(54, 10);
  out.writeUInt32LE(40, 14);
  out.writeInt32LE(w, 18);
  out.writeInt32LE(h, 22);
  out.writeUInt16LE(1, 26);
  out.writeUInt16LE(24, 28);
  out.writeUInt32LE(stride * h, 34);
  for (let y = 0; y < h; y++) {
    const row = 54 + (h - 1 - y) * stride;
    for (let x = 0; x < w; x++) {
      const s = (y * w + x) * 3;
      out[row + x * 3] = rgb[s + 2]!;
      out[row + x * 3 + 1] = rgb[s + 1]!;
      out[row + x * 3 + 2] = rgb[s]!;
    }
  }
  return out;
}

function encode(
  rgb: Uint8Array,
  w: number,
  h: number,
  format: 'JPEG' | 'PNG' | 'BMP',
  quality: number,
  chroma: '4:4:4' | '4:2:0' = '4:4:4',
): Promise<Buffer> {
  if (format === 'BMP') return Promise.resolve(encodeBmp(rgb, w, h));
  const img = sharp(rgb, { raw: { width: w, height: h, channels: 3 } });
  return format === 'JPEG'
    ? img.jpeg({ quality, chromaSubsampling: chroma }).toBuffer()
    : img.png({ compressionLevel: 1 }).toBuffer();
}

/** The pixels of image (x, y) of level k: one sub-tile per photo, each the downsampled source at its position. */
async function levelImage(
  o: MiraxWriteOptions,
  positions: Int32Array,
  k: number,
  x: number,
  y: number,
): Promise<Uint8Array> {
  const g = o.geometry;
  const c = 1 << k;
  const t = tilesPerImage(g, k);
  const tw = g.imageWidth / t;
  const th = g.imageHeight / t;
  const out = new Uint8Array(g.imageWidth * g.imageHeight * 3).fill(255);
  for (let yi = 0; yi < t; yi++) {
    for (let xi = 0; xi < t; xi++) {
      const xx = x + xi * g.divisions;
      const yy = y + yi * g.divisions;
      if (xx >= g.imagesX || yy >= g.imagesY) continue;
      const [px, py] = imagePosition(g, positions, xx, yy);
      const sub = boxDown(await readClamped(o.source, px, py, tw * c, th * c), tw * c, th * c, c);
      for (let r = 0; r < th; r++)
        out.set(sub.subarray(r * tw * 3, (r + 1) * tw * 3), ((yi * th + r) * g.imageWidth + xi * tw) * 3);
    }
  }
  return out;
}

/** True when level-k image (x, y) holds at least one scanned photo. */
function hasScannedPhoto(o: MiraxWriteOptions, k: number, x: number, y: number): boolean {
  const g = o.geometry;
  const c = 1 << k;
  const across = g.imagesX / g.divisions;
  for (let yy = y; yy < Math.min(y + c, g.imagesY); yy++) {
    for (let xx = x; xx < Math.min(x + c, g.imagesX); xx++) {
      if (!o.omitPhotos?.has(Math.floor(yy / g.divisions) * across + Math.floor(xx / g.divisions))) return true;
    }
  }
  return false;
}

/** Appends blobs to Data files round-robin and records where they went. */
class DataFiles {
  readonly names: string[];
  readonly #offsets: number[];
  readonly #handles: Awaited<ReturnType<typeof open>>[] = [];
  #next = 0;
  constructor(
    readonly folder: string,
    count: number,
  ) {
    this.names = Array.from({ length: count }, (_, i) => `Data${String(i).padStart(4, '0')}.dat`);
    this.#offsets = this.names.map(() => 0);
  }
  async open(slideId: string): Promise<void> {
    for (const n of this.names) {
      const h = await open(join(this.folder, n), 'w');
      const header = Buffer.from(`01.02${slideId}MIRAXDATA`);
      await h.write(header);
      this.#handles.push(h);
    }
    this.#offsets.fill(Buffer.byteLength(`01.02${slideId}MIRAXDATA`));
  }
  async append(bytes: Uint8Array): Promise<MiraxRecord> {
    const file = this.#next++ % this.names.length;
    const offset = this.#offsets[file]!;
    await this.#handles[file]!.write(bytes, 0, bytes.length, offset);
    this.#offsets[file] = offset + bytes.length;
    return { offset, length: bytes.length, file };
  }
  async close(): Promise<void> {
    for (const h of this.#handles) await h.close();
  }
}

/**
 * Writes a MIRAX slide: JPEG or PNG images, 1–4 camera divisions, overlaps, an optional (zlib-compressed)
 * position buffer, several zoom levels, and JPEG label / macro / thumbnail. The folder is built under a temporary
 * name and renamed into place, then the `.mrxs` file is written (also atomically).
 *
 * @example
 * ```ts
 * import { syntheticTissue, writeMirax } from '@wsi/testing';
 * const source = syntheticTissue({ width: 2048, height: 2048 });
 * await writeMirax({ path: '/tmp/s.mrxs', source, geometry: { imagesX: 8, imagesY: 8, divisions: 2,
 *   imageWidth: 256, imageHeight: 256, overlapX: 16, overlapY: 16, levels: 3, positions: 'compressed', jitter: 4 } });
 * ```
 */
export async function writeMirax(o: MiraxWriteOptions): Promise<MiraxWriteResult> {
  const g = o.geometry;
  checkGeometry(g);
  if (!o.path.endsWith('.mrxs')) throw new WsiError('InvalidArgument', `${o.path}: a MIRAX slide path ends in .mrxs`);
  const folder = o.path.slice(0, -'.mrxs'.length);
  const tmp = join(dirname(folder), `.${basename(folder)}.tmp-${process.pid}-${Date.now()}`);
  const format = o.format ?? 'JPEG';
  const quality = o.quality ?? 90;
  const slideId = o.slideId ?? 'a1b2c3d4-0000-4000-8000-00000000mrxs';
  const positions = photoPositions(g);
  await rm(tmp, { recursive: true, force: true });
  await mkdir(tmp, { recursive: true });
  const data = new DataFiles(tmp, Math.max(1, o.dataFiles ?? 2));
  await data.open(slideId);
  const levels: MiraxRecord[][] = [];
  const nonhier: MiraxRecord[] = [];
  try {
    for (let k = 0; k < g.levels; k++) {
      const c = 1 << k;
      const jobs: { x: number; y: number }[] = [];
      for (let y = 0; y < g.imagesY; y += c) {
        for (let x = 0; x < g.imagesX; x += c) if (hasScannedPhoto(o, k, x, y)) jobs.push({ x, y });
      }
      const records: MiraxRecord[] = [];
      for (let i = 0; i < jobs.length; i += 8) {
        const batch = jobs.slice(i, i + 8);
        const blobs = await Promise.all(
          batch.map(async ({ x, y }) =>
            encode(await levelImage(o, positions, k, x, y), g.imageWidth, g.imageHeight, format, quality, o.chroma),
          ),
        );
        for (let j = 0; j < batch.length; j++) {
          const rec = await data.append(blobs[j]!);
          records.push({ ...rec, image: batch[j]!.y * g.imagesX + batch[j]!.x });
        }
      }
      levels.push(records);
    }
    const withAssociated = o.associated ?? true;
    if (withAssociated) {
      const assoc: [number, number, Uint8Array][] = [
        [200, 150, gradient(200, 150)], // thumbnail (ScanDataLayer_SlidePreview)
        [600, 220, gradient(600, 220).map((v, i) => (i % 3 === 2 ? 255 - v : v))], // macro (SlideThumbnail)
        [240, 240, makeLabel(240, 240, 3)], // label (SlideBarcode)
      ];
      for (const [w, h, px] of assoc) nonhier.push(await data.append(await encode(px, w, h, 'JPEG', 90)));
    }
    if (g.positions !== 'none') {
      const n = positions.length / 2;
      const buf = Buffer.alloc(n * 9);
      for (let i = 0; i < n; i++) {
        buf[i * 9] = o.omitPhotos?.has(i) ? 0 : 1;
        buf.writeInt32LE(positions[i * 2]!, i * 9 + 1);
        buf.writeInt32LE(positions[i * 2 + 1]!, i * 9 + 5);
      }
      nonhier.push(await data.append(g.positions === 'compressed' ? deflateSync(buf) : buf));
    }
  } finally {
    await data.close();
  }
  const info: SlidedatInfo = {
    slideId,
    geometry: g,
    format,
    dataFiles: data.names,
    mpp: o.mpp ?? 0.2431,
    objectiveMagnification: o.objectiveMagnification ?? 20,
    associated: o.associated ?? true,
  };
  await writeFile(join(tmp, 'Slidedat.ini'), slidedatText(info));
  await writeFile(join(tmp, 'Index.dat'), buildIndexDat(slideId, levels, nonhier, o.pageSize ?? 64));
  await rm(folder, { recursive: true, force: true });
  await rename(tmp, folder);
  const mrxsTmp = `${o.path}.tmp-${process.pid}`;
  await writeFile(mrxsTmp, Buffer.from(`MIRAX slide ${slideId}\n`));
  await rename(mrxsTmp, o.path);
  const { width, height } = baseSize(g);
  return { path: o.path, folder, width, height, positions };
}

function gradient(w: number, h: number): Uint8Array {
  const out = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const o = (y * w + x) * 3;
      out[o] = Math.round((255 * x) / w);
      out[o + 1] = Math.round((255 * y) / h);
      out[o + 2] = 128;
    }
  }
  return out;
}
