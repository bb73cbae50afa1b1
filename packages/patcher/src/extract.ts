/**
 * Patch extraction: an async stream of patch pixels from coordinates (bounded concurrency; the next reads start
 * only when the consumer asks, so a slow writer holds the readers back), and exports to an h5 patch file
 * (`imgs` + `coords`) or to PNG/JPEG files named with their coordinates.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { type PatchGridMeta, type Raster, type Slide, throwIfAborted, toWsiError, WsiError } from '@wsi/core';
import { PatchImagesWriter, type Provenance } from '@wsi/h5';
import { resizeRaster } from '@wsi/reader';
import sharp from 'sharp';

/**
 * One extracted patch: RGB bytes `size × size × 3`.
 *
 * @example
 * ```ts
 * for await (const p of streamPatches(slide, set)) console.log(p.index, p.x, p.y, p.rgb.length);
 * ```
 */
export interface Patch {
  index: number;
  x: number;
  y: number;
  size: number;
  rgb: Uint8Array;
}

/**
 * Options of {@link streamPatches}.
 *
 * @example
 * ```ts
 * const o: PatchStreamOptions = { concurrency: 8 };
 * ```
 */
export interface PatchStreamOptions {
  /** Reads in flight at most (default 8). */
  concurrency?: number;
  signal?: AbortSignal;
}

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/**
 * Writes a raster's pixels as RGB into `dst` at byte `offset` (alpha dropped, grey replicated): four pixels per
 * step through 32-bit words when RGBA and aligned.
 *
 * @example
 * ```ts
 * copyRgb(rgbaRaster, batch, k * 256 * 256 * 3);
 * ```
 */
export function copyRgb(r: Raster, dst: Uint8Array, offset = 0): void {
  const src = r.data as Uint8Array;
  const n = r.width * r.height;
  if (r.channels === 3) {
    dst.set(src.subarray(0, n * 3), offset);
    return;
  }
  if (r.channels === 4) {
    let i = 0;
    if (LITTLE_ENDIAN && (src.byteOffset & 3) === 0 && ((dst.byteOffset + offset) & 3) === 0) {
      const s32 = new Uint32Array(src.buffer, src.byteOffset, n);
      const d32 = new Uint32Array(dst.buffer, dst.byteOffset + offset, (n * 3) >> 2);
      for (let o = 0; i + 4 <= n; i += 4, o += 3) {
        const p0 = s32[i] as number;
        const p1 = s32[i + 1] as number;
        const p2 = s32[i + 2] as number;
        const p3 = s32[i + 3] as number;
        d32[o] = (p0 & 0xffffff) | (p1 << 24);
        d32[o + 1] = ((p1 >>> 8) & 0xffff) | (p2 << 16);
        d32[o + 2] = ((p2 >>> 16) & 0xff) | (p3 << 8);
      }
    }
    for (; i < n; i++) {
      dst[offset + i * 3] = src[i * 4] as number;
      dst[offset + i * 3 + 1] = src[i * 4 + 1] as number;
      dst[offset + i * 3 + 2] = src[i * 4 + 2] as number;
    }
    return;
  }
  for (let i = 0; i < n; i++)
    dst[offset + i * 3] = dst[offset + i * 3 + 1] = dst[offset + i * 3 + 2] = src[i * r.channels] as number;
}

function rgbOf(r: Raster): Uint8Array {
  if (r.channels === 3) return (r.data as Uint8Array).slice(0, r.width * r.height * 3);
  const out = new Uint8Array(r.width * r.height * 3);
  copyRgb(r, out, 0);
  return out;
}

/**
 * Reads one patch as the grid says: `patchSize` pixels at `patchLevel`, resized to `targetPatchSize` when set;
 * RGB (alpha dropped, as CLAM's `convert('RGB')`).
 *
 * @example
 * ```ts
 * const rgb = await readPatch(slide, 1024, 2048, meta);
 * ```
 */
export async function readPatch(
  slide: Slide,
  x: number,
  y: number,
  meta: PatchGridMeta,
  signal?: AbortSignal,
): Promise<Uint8Array> {
  let r = await slide.readRegion(
    { x, y, level: meta.patchLevel, width: meta.patchSize, height: meta.patchSize },
    signal ? { signal } : {},
  );
  if (meta.targetPatchSize !== undefined && meta.targetPatchSize !== meta.patchSize)
    r = await resizeRaster(r, meta.targetPatchSize, meta.targetPatchSize);
  return rgbOf(r);
}

interface RegionReader {
  readRegions(
    regions: Iterable<{ x: number; y: number; level: number; width: number; height: number }>,
    options: { concurrency?: number; signal?: AbortSignal; recycle?: boolean },
  ): AsyncGenerator<{ index: number; raster: Raster }>;
}

/**
 * The rasters of a coordinate set as read (RGBA at `patchSize`, before any resize), in order, through the reader's
 * parallel `readRegions` when the slide has it (with `recycle`, a raster is valid only until the next is asked
 * for), else through a bounded window of `readRegion` calls.
 */
async function* streamRasters(
  slide: Slide,
  set: { coords: Int32Array; meta: PatchGridMeta },
  options: PatchStreamOptions & { recycle?: boolean },
): AsyncGenerator<{ index: number; x: number; y: number; raster: Raster }> {
  const concurrency = options.concurrency ?? 8;
  if (!(Number.isInteger(concurrency) && concurrency >= 1))
    throw new WsiError('InvalidArgument', `concurrency must be ≥ 1, got ${concurrency}`);
  const { coords, meta } = set;
  const n = coords.length >> 1;
  const size = meta.patchSize;
  const level = meta.patchLevel;
  const reader = slide as unknown as Partial<RegionReader>;
  if (typeof reader.readRegions === 'function') {
    function* regions(): Generator<{ x: number; y: number; level: number; width: number; height: number }> {
      for (let i = 0; i < n; i++)
        yield { x: coords[i * 2] as number, y: coords[i * 2 + 1] as number, level, width: size, height: size };
    }
    const it = reader.readRegions.call(slide, regions(), {
      concurrency,
      recycle: options.recycle ?? false,
      ...(options.signal ? { signal: options.signal } : {}),
    });
    for await (const { index, raster } of it)
      yield { index, x: coords[index * 2] as number, y: coords[index * 2 + 1] as number, raster };
    return;
  }
  const inflight: Promise<Raster>[] = [];
  let next = 0;
  const start = (): void => {
    const i = next++;
    const p = slide.readRegion(
      { x: coords[i * 2] as number, y: coords[i * 2 + 1] as number, level, width: size, height: size },
      options.signal ? { signal: options.signal } : {},
    );
    p.catch(() => {}); // surfaced when awaited below
    inflight.push(p);
  };
  try {
    let index = 0;
    while (next < n && inflight.length < concurrency) start();
    while (inflight.length > 0) {
      throwIfAborted(options.signal);
      const raster = await (inflight.shift() as Promise<Raster>);
      if (next < n) start();
      yield { index, x: coords[index * 2] as number, y: coords[index * 2 + 1] as number, raster };
      index++;
    }
  } finally {
    await Promise.allSettled(inflight);
  }
}

/**
 * Streams the patches of a coordinate set in order, keeping at most `concurrency` reads in flight.
 *
 * @example
 * ```ts
 * for await (const p of streamPatches(slide, { coords, meta }, { concurrency: 4 })) use(p.rgb);
 * ```
 */
export async function* streamPatches(
  slide: Slide,
  set: { coords: Int32Array; meta: PatchGridMeta },
  options: PatchStreamOptions = {},
): AsyncGenerator<Patch> {
  const { meta } = set;
  const size = meta.targetPatchSize ?? meta.patchSize;
  const resize = meta.targetPatchSize !== undefined && meta.targetPatchSize !== meta.patchSize;
  for await (const { index, x, y, raster } of streamRasters(slide, set, options)) {
    const r = resize ? await resizeRaster(raster, size, size) : raster;
    yield { index, x, y, size, rgb: rgbOf(r) };
  }
}

/**
 * Options of {@link writePatchesH5} and {@link writePatchImages}.
 *
 * @example
 * ```ts
 * const o: PatchWriteOptions = { concurrency: 8, batch: 64 };
 * ```
 */
export interface PatchWriteOptions extends PatchStreamOptions {
  /** Patches per h5 append (default 64). */
  batch?: number;
  provenance?: Provenance;
  /** Progress callback (patches done, total). */
  onProgress?: (done: number, total: number) => void;
}

/**
 * Extracts every patch of a set into an h5 patch file (`imgs` N×H×W×3 uint8, one patch per chunk, appended in
 * batches, beside `coords`), written atomically. An empty set gives a file with zero rows. Pixels go from the reader's
 * recycled buffers straight into one reused batch buffer (no per-patch allocation when no resize is needed).
 *
 * @example
 * ```ts
 * const n = await writePatchesH5(slide, set, 'out/patches/slide.h5');
 * ```
 */
export async function writePatchesH5(
  slide: Slide,
  set: { coords: Int32Array; meta: PatchGridMeta },
  path: string,
  options: PatchWriteOptions = {},
): Promise<number> {
  const size = set.meta.targetPatchSize ?? set.meta.patchSize;
  const batch = options.batch ?? 64;
  if (!(Number.isInteger(batch) && batch >= 1))
    throw new WsiError('InvalidArgument', `batch must be ≥ 1, got ${batch}`);
  const per = size * size * 3;
  const total = set.coords.length >> 1;
  await mkdir(dirname(path), { recursive: true });
  const rows = Math.min(batch, Math.max(1, total));
  const writer = await PatchImagesWriter.create(path, set.meta, {
    size,
    ...(options.provenance ? { provenance: options.provenance } : {}),
  });
  try {
    const rgb = new Uint8Array(per * rows);
    const xy = new Int32Array(2 * rows);
    let k = 0;
    let done = 0;
    const flush = (): void => {
      if (k === 0) return;
      writer.append(rgb.subarray(0, k * per), xy.subarray(0, k * 2));
      done += k;
      k = 0;
      options.onProgress?.(done, total);
    };
    const resize = set.meta.targetPatchSize !== undefined && set.meta.targetPatchSize !== set.meta.patchSize;
    for await (const p of streamRasters(slide, set, { ...options, recycle: !resize })) {
      copyRgb(resize ? await resizeRaster(p.raster, size, size) : p.raster, rgb, k * per);
      xy[k * 2] = p.x;
      xy[k * 2 + 1] = p.y;
      if (++k === rows) flush();
    }
    flush();
    await writer.finish();
    return done;
  } catch (err) {
    await writer.abort();
    throw err;
  }
}

/**
 * Extracts every patch to `DIR/<name>_<x>_<y>.<png|jpg>` (level-0 corner in the name), each written atomically.
 *
 * @example
 * ```ts
 * await writePatchImages(slide, set, 'out/patches_png/slide', { format: 'jpeg', quality: 90 });
 * ```
 */
export async function writePatchImages(
  slide: Slide,
  set: { coords: Int32Array; meta: PatchGridMeta },
  dir: string,
  options: PatchWriteOptions & { format?: 'png' | 'jpeg'; quality?: number } = {},
): Promise<string[]> {
  const format = options.format ?? 'png';
  if (format !== 'png' && format !== 'jpeg')
    throw new WsiError('InvalidArgument', `unknown image format '${String(format)}'`);
  await mkdir(dir, { recursive: true });
  const ext = format === 'png' ? 'png' : 'jpg';
  const files: string[] = [];
  const pending = new Set<Promise<void>>();
  const total = set.coords.length >> 1;
  const encode = async (p: Patch): Promise<void> => {
    const file = join(dir, `${set.meta.name}_${p.x}_${p.y}.${ext}`);
    const tmp = `${file}.tmp-${randomBytes(4).toString('hex')}`;
    try {
      const img = sharp(p.rgb, { raw: { width: p.size, height: p.size, channels: 3 } });
      await (format === 'png' ? img.png() : img.jpeg({ quality: options.quality ?? 90 })).toFile(tmp);
      await rename(tmp, file);
    } catch (err) {
      await rm(tmp, { force: true });
      throw toWsiError(err, `cannot write ${file}`);
    }
    files.push(file);
    options.onProgress?.(files.length, total);
  };
  for await (const p of streamPatches(slide, set, options)) {
    const job = encode(p).finally(() => pending.delete(job));
    pending.add(job);
    if (pending.size >= 4) await Promise.race(pending);
  }
  await Promise.all(pending);
  return files;
}
