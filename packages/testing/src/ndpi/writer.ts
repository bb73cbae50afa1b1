/**
 * A Hamamatsu NDPI writer for test and bench slides: each pyramid page is one baseline JPEG with restart markers
 * (encoded by the libvips CLI, `vips jpegsave --restart-interval`), wrapped in NDPI's TIFF structure with the
 * MCU-start tag 65426, source lens 65421 and the property map 65449. Pages halve with a box filter (`vips shrink`).
 * Checked against OpenSlide 3.4.1 by the tests.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, open, readFile, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { WsiError } from '@wsi/core';
import { TiffType } from '../tiff/constants.js';
import { encodeHeader, encodeIfd, ifdByteSize, type TiffTag } from '../tiff/ifd.js';
import type { RgbSource } from '../tiff/source.js';
import { scanJpegRestarts } from './jpeg-scan.js';

const run = promisify(execFile);

const FOUR_GIB = 2 ** 32;

/** Bytes per value of a TIFF field type. */
function typeSize(type: number): number {
  return [0, 1, 1, 2, 4, 8, 1, 1, 2, 4, 8, 4, 8][type] ?? 8;
}

/**
 * Options of {@link writeNdpi}.
 *
 * @example
 * ```ts
 * const o: NdpiWriteOptions = { source: syntheticTissue({ width: 8192, height: 6144 }), pages: 4, intervalWidth: 256 };
 * ```
 */
export interface NdpiWriteOptions {
  /** Level-0 pixels. */
  source: RgbSource;
  /** Pyramid pages, each half the previous (default 4; fewer when a page would get under 64 px). */
  pages?: number;
  /** JPEG quality (default 80). */
  quality?: number;
  /** Target restart-interval width in pixels (default 256); rounded to a divisor of the MCUs per row. */
  intervalWidth?: number;
  /**
   * Chroma subsampling (default 4:4:4, 8×8 MCUs like the NanoZoomer fixture). OpenSlide 3.4.1 cannot read 4:2:0
   * pages written this way ("found marker 0xd9 instead of RST0"), so 4:2:0 files are for this reader only.
   */
  chroma?: '4:2:0' | '4:4:4';
  /** Objective of level 0, written as source lens (default 20). */
  objective?: number;
  /** Microns per pixel at level 0 (default 0.5). */
  mpp?: number;
  /** Write a `macro` page (source lens −1, default true). */
  macro?: boolean;
  /** Write the MCU-start tag 65426 (default true); without it a reader must scan for markers. */
  mcuStartsTag?: boolean;
  /** Also write tag 65432, the MCU starts' high 32 bits (all zero here; default false). */
  mcuStartsHigh?: boolean;
  /** The libvips CLI (default `vips` on PATH). */
  vips?: string;
  /**
   * Bytes of unwritten hole between the header and the page data (default 0). A hole of 4 GiB or more puts every
   * page, value and directory past 4 GiB, written with NDPI's 64-bit extension (header bytes 8–11 and the
   * next-directory pointers' high words, one high word per entry after each directory). The hole is sparse on
   * filesystems that support it, so the file takes little disk space.
   */
  hole?: number;
}

/**
 * What {@link writeNdpi} wrote.
 *
 * @example
 * ```ts
 * const { pages } = await writeNdpi('/tmp/a.ndpi', opts); // pages[0].intervalWidth, …
 * ```
 */
export interface NdpiWriteResult {
  path: string;
  bytes: number;
  pages: {
    width: number;
    height: number;
    intervalWidth: number;
    mcuHeight: number;
    intervals: number;
    stripOffset: number;
    stripLength: number;
  }[];
}

/**
 * Writes an NDPI file atomically (temp file + rename). Needs the `vips` CLI; temporary PPM/JPEG files go in a
 * directory next to `path` and are removed.
 *
 * @example
 * ```ts
 * import { syntheticTissue, writeNdpi } from '@wsi/testing';
 * await writeNdpi('/tmp/synthetic.ndpi', { source: syntheticTissue({ width: 4096, height: 3072 }) });
 * ```
 */
export async function writeNdpi(path: string, options: NdpiWriteOptions): Promise<NdpiWriteResult> {
  const { source } = options;
  const vips = options.vips ?? 'vips';
  const chroma = options.chroma ?? '4:4:4';
  const mcu = chroma === '4:2:0' ? 16 : 8;
  const objective = options.objective ?? 20;
  const mpp = options.mpp ?? 0.5;
  if (source.width > 65500 || source.height > 65500)
    throw new WsiError('InvalidArgument', 'NDPI pages are single JPEGs: at most 65500 px a side');
  const tmp = await mkdtemp(join(dirname(path), '.ndpi-'));
  const out = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    const ppms = [join(tmp, 'p0.ppm')];
    const widths = [source.width];
    await writePpm(ppms[0] as string, source);
    let w = source.width;
    let h = source.height;
    for (let i = 1; i < (options.pages ?? 4) && w >= 128 && h >= 128; i++) {
      const next = join(tmp, `p${i}.ppm`);
      await run(vips, ['shrink', ppms[i - 1] as string, next, '2', '2']);
      ppms.push(next);
      w = Math.floor(w / 2);
      widths.push(w);
      h = Math.floor(h / 2);
    }
    const jpegs: { file: string; lens: number; restart: boolean }[] = [];
    for (let i = 0; i < ppms.length; i++) {
      const width = widths[i] as number;
      const perRow = Math.ceil(width / mcu);
      let n = Math.max(1, Math.min(perRow, Math.round((options.intervalWidth ?? 256) / mcu)));
      while (perRow % n !== 0) n--;
      const file = join(tmp, `p${i}.jpg`);
      await run(vips, [
        'jpegsave',
        ppms[i] as string,
        file,
        '--Q',
        String(options.quality ?? 80),
        '--restart-interval',
        String(n),
        '--subsample-mode',
        chroma === '4:2:0' ? 'on' : 'off',
        '--strip',
      ]);
      jpegs.push({ file, lens: objective / 2 ** i, restart: true });
    }
    if (options.macro ?? true) {
      const file = join(tmp, 'macro.jpg');
      await run(vips, ['thumbnail', ppms[ppms.length - 1] as string, `${file}[Q=85,strip]`, '600']);
      jpegs.push({ file, lens: -1, restart: false });
    }
    const hole = options.hole ?? 0;
    if (!Number.isSafeInteger(hole) || hole < 0)
      throw new WsiError('InvalidArgument', `hole must be a non-negative integer, got ${hole}`);
    const result = await assemble(out, jpegs, {
      mpp,
      mcuStartsTag: options.mcuStartsTag ?? true,
      chroma,
      hole,
      mcuStartsHigh: options.mcuStartsHigh ?? false,
    });
    await rename(out, path);
    return { ...result, path };
  } catch (err) {
    await rm(out, { force: true });
    throw err;
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

async function writePpm(file: string, source: RgbSource): Promise<void> {
  const fh = await open(file, 'w');
  try {
    await fh.write(new TextEncoder().encode(`P6\n${source.width} ${source.height}\n255\n`));
    const band = Math.max(1, Math.floor((8 << 20) / (source.width * 3)));
    for (let y = 0; y < source.height; y += band) {
      const bh = Math.min(band, source.height - y);
      const rgb = await source.read(0, y, source.width, bh);
      if (rgb.length !== source.width * bh * 3)
        throw new WsiError('CorruptFile', `source returned ${rgb.length} bytes for a ${source.width}×${bh} band`);
      await fh.write(rgb);
    }
  } finally {
    await fh.close();
  }
}

async function assemble(
  out: string,
  jpegs: readonly { file: string; lens: number; restart: boolean }[],
  o: { mpp: number; mcuStartsTag: boolean; chroma: string; hole: number; mcuStartsHigh: boolean },
): Promise<Omit<NdpiWriteResult, 'path'>> {
  const fh = await open(out, 'w');
  try {
    // bytes 8–15 stay zero: NDPI readers (tifffile) take the first-IFD offset as 64 bits
    let pos = 16 + o.hole;
    const pages: NdpiWriteResult['pages'] = [];
    const ifdTags: TiffTag[][] = [];
    const stripHigh: number[] = [];
    let level = 0;
    for (const j of jpegs) {
      const data = await readFile(j.file);
      const info = scanJpegRestarts(data);
      if (Math.floor(pos / FOUR_GIB) !== Math.floor((pos + data.length) / FOUR_GIB)) {
        throw new WsiError('InvalidArgument', 'an NDPI page would straddle a 4 GiB boundary: choose another hole size');
      }
      await fh.write(data, 0, data.length, pos);
      const intervals = info.restartInterval > 0 ? info.intervalStarts.length : 0;
      pages.push({
        width: info.width,
        height: info.height,
        intervalWidth: info.restartInterval * info.mcuWidth,
        mcuHeight: info.mcuHeight,
        intervals,
        stripOffset: pos,
        stripLength: data.length,
      });
      const mppK = j.lens > 0 ? o.mpp * 2 ** level++ : o.mpp * 40;
      const res = Math.round(1e8 / mppK);
      const tags: TiffTag[] = [
        { tag: 256, type: TiffType.LONG, value: [info.width] },
        { tag: 257, type: TiffType.LONG, value: [info.height] },
        { tag: 258, type: TiffType.SHORT, value: [8, 8, 8] },
        { tag: 259, type: TiffType.SHORT, value: [7] },
        { tag: 262, type: TiffType.SHORT, value: [6] },
        { tag: 271, type: TiffType.ASCII, value: 'Hamamatsu' },
        { tag: 272, type: TiffType.ASCII, value: 'C9600-12' },
        { tag: 273, type: TiffType.LONG, value: [pos % FOUR_GIB] },
        { tag: 277, type: TiffType.SHORT, value: [3] },
        { tag: 278, type: TiffType.LONG, value: [info.height] },
        { tag: 279, type: TiffType.LONG, value: [data.length] },
        { tag: 282, type: TiffType.RATIONAL, value: [res, 10000] },
        { tag: 283, type: TiffType.RATIONAL, value: [res, 10000] },
        { tag: 296, type: TiffType.SHORT, value: [3] },
        { tag: 305, type: TiffType.ASCII, value: 'NDP.scan (@wsi/testing)' },
        { tag: 530, type: TiffType.SHORT, value: o.chroma === '4:2:0' ? [2, 2] : [1, 1] },
        { tag: 65420, type: TiffType.LONG, value: [1] },
        { tag: 65421, type: TiffType.FLOAT, value: [j.lens] },
        { tag: 65422, type: TiffType.SLONG, value: [0] },
        { tag: 65423, type: TiffType.SLONG, value: [0] },
        { tag: 65424, type: TiffType.SLONG, value: [0] },
        { tag: 65449, type: TiffType.ASCII, value: 'Product=@wsi/testing\r\nNDP.S/N=000000\r\n' },
      ];
      if (j.restart && intervals > 0 && o.mcuStartsTag) {
        tags.push({ tag: 65426, type: TiffType.LONG, value: info.intervalStarts });
        if (o.mcuStartsHigh) tags.push({ tag: 65432, type: TiffType.LONG, value: info.intervalStarts.map(() => 0) });
      }
      ifdTags.push(tags);
      stripHigh.push(Math.floor(pos / FOUR_GIB));
      pos += data.length + (data.length & 1);
    }
    const firstIfd = pos;
    for (let i = 0; i < ifdTags.length; i++) {
      const tags = ifdTags[i] as TiffTag[];
      // NDPI's 64-bit extension: the next-IFD pointer is 8 bytes and one 4-byte high word per entry follows it
      // (all zero under 4 GiB); values move down by that padding.
      const pad = 4 + 4 * tags.length;
      const size = ifdByteSize(tags, false) + pad;
      const high = Math.floor(pos / FOUR_GIB);
      if (Math.floor((pos + size) / FOUR_GIB) !== high)
        throw new WsiError(
          'InvalidArgument',
          'an NDPI directory would straddle a 4 GiB boundary: choose another hole size',
        );
      const next = i === ifdTags.length - 1 ? 0 : pos + size;
      const plain = encodeIfd(tags, (pos % FOUR_GIB) + pad, 0, false, true);
      const head = 2 + 12 * tags.length + 4;
      const bytes = new Uint8Array(size);
      bytes.set(plain.subarray(0, head), 0);
      bytes.set(plain.subarray(head), head + pad);
      const dv = new DataView(bytes.buffer);
      dv.setUint32(head - 4, next % FOUR_GIB, true);
      dv.setUint32(head, Math.floor(next / FOUR_GIB), true);
      // entries are written sorted by tag: the high word of an out-of-line value is its directory's; of the inline
      // strip offset, the strip's
      const sorted = [...tags].sort((a, b) => a.tag - b.tag);
      sorted.forEach((t, k) => {
        const outOfLine = dv.getUint32(2 + 12 * k + 4, true) * typeSize(t.type) > 4;
        const hi = t.tag === 273 ? (stripHigh[i] as number) : outOfLine ? high : 0;
        dv.setUint32(head + 4 + 4 * k, hi, true);
      });
      await fh.write(bytes, 0, bytes.length, pos);
      pos += size;
    }
    await fh.write(encodeHeader(firstIfd % FOUR_GIB, false, true), 0, 8, 0);
    const firstHigh = new Uint8Array(4);
    new DataView(firstHigh.buffer).setUint32(0, Math.floor(firstIfd / FOUR_GIB), true);
    await fh.write(firstHigh, 0, 4, 8);
    return { bytes: pos, pages };
  } finally {
    await fh.close();
  }
}
