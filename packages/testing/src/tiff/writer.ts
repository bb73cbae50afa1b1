/**
 * Streaming TIFF writer: blocks are appended as they are produced; IFDs are written at the end; the file
 * appears atomically (temp file + rename).
 */
import { randomBytes } from 'node:crypto';
import { type FileHandle, open, rename, rm } from 'node:fs/promises';
import { WsiError } from '@wsi/core';
import { encodeBlock } from './compress.js';
import { CLASSIC_MAX } from './constants.js';
import { encodeHeader, encodeIfd, ifdByteSize } from './ifd.js';
import { type PageOptions, TiffPage } from './page.js';

/**
 * Options of {@link TiffWriter.create}.
 *
 * @example
 * ```ts
 * const opts: TiffWriterOptions = { bigtiff: 'auto', byteOrder: 'le' };
 * ```
 */
export interface TiffWriterOptions {
  /** `true` forces BigTIFF, `false` forbids it (error past 4 GiB), `'auto'` (default) picks it only when needed. */
  bigtiff?: boolean | 'auto';
  /** Byte order of the header and IFDs (default little-endian). */
  byteOrder?: 'le' | 'be';
}

/**
 * What {@link TiffWriter.finish} reports.
 *
 * @example
 * ```ts
 * const { bytes, bigtiff } = await writer.finish();
 * ```
 */
export interface TiffWriteResult {
  path: string;
  bytes: number;
  bigtiff: boolean;
  pages: number;
}

const HEADER_RESERVE = 16;

/**
 * Writes a TIFF page by page and block by block with bounded memory: only block offsets stay in memory.
 *
 * @example
 * ```ts
 * const w = await TiffWriter.create('/tmp/a.tif');
 * const page = w.addPage({ width: 300, height: 200, tileWidth: 256, tileHeight: 256, compression: 'deflate' });
 * for (let r = 0; r < page.down; r++)
 *   for (let c = 0; c < page.across; c++) await page.writeTile(c, r, new Uint8Array(256 * 256 * 3).fill(255));
 * await w.finish();
 * ```
 */
export class TiffWriter {
  private readonly pages: TiffPage[] = [];
  private position = HEADER_RESERVE;
  private chain: Promise<void> = Promise.resolve();
  private failure: unknown;
  private done = false;

  private constructor(
    readonly path: string,
    private readonly tmp: string,
    private readonly fh: FileHandle,
    private readonly options: TiffWriterOptions,
  ) {}

  /** Opens a temp file beside `path`; nothing appears at `path` until {@link finish}. */
  static async create(path: string, options: TiffWriterOptions = {}): Promise<TiffWriter> {
    const tmp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    let fh: FileHandle;
    try {
      fh = await open(tmp, 'w');
      await fh.write(new Uint8Array(HEADER_RESERVE), 0, HEADER_RESERVE, 0);
    } catch (cause) {
      throw new WsiError('Io', `cannot create ${tmp}`, { cause });
    }
    return new TiffWriter(path, tmp, fh, options);
  }

  /** Adds a page to the main IFD chain, or as a SubIFD of `parent`. */
  addPage(options: PageOptions, parent?: TiffPage): TiffPage {
    if (this.done) throw new WsiError('InvalidArgument', 'writer already finished');
    const page = new TiffPage(
      options,
      (p, i, px, w, h) => this.encodeAndAppend(p, i, px, w, h),
      (p, i, bytes) => this.append(p, i, bytes),
    );
    if (parent) {
      if (!this.pages.includes(parent)) throw new WsiError('InvalidArgument', 'SubIFD parent must be a main page');
      parent.children.push(page);
    } else {
      this.pages.push(page);
    }
    return page;
  }

  private async encodeAndAppend(
    page: TiffPage,
    index: number,
    pixels: Uint8Array,
    w: number,
    h: number,
  ): Promise<void> {
    const bytes = await encodeBlock(pixels, w, h, page.samples, page.options);
    await this.append(page, index, bytes);
  }

  private append(page: TiffPage, index: number, bytes: Uint8Array): Promise<void> {
    if (page.offsets[index] !== -1) {
      return Promise.reject(new WsiError('InvalidArgument', `block ${index} written twice`));
    }
    page.offsets[index] = -2;
    const run = async (): Promise<void> => {
      if (this.failure) throw this.failure;
      const at = this.position + (this.position & 1);
      this.position = at + bytes.length;
      try {
        await this.fh.write(bytes, 0, bytes.length, at);
      } catch (cause) {
        this.failure = new WsiError('Io', `write failed in ${this.tmp}`, { cause });
        throw this.failure;
      }
      page.offsets[index] = at;
      page.counts[index] = bytes.length;
    };
    const p = this.chain.then(run);
    this.chain = p.catch(() => undefined);
    return p;
  }

  /** Writes all IFDs and the header, closes, and renames the temp file to `path`. */
  async finish(): Promise<TiffWriteResult> {
    if (this.done) throw new WsiError('InvalidArgument', 'writer already finished');
    this.done = true;
    try {
      await this.chain;
      if (this.failure) throw this.failure;
      if (this.pages.length === 0) throw new WsiError('InvalidArgument', 'a TIFF needs at least one page');
      const all = this.pages.flatMap((p) => [p, ...p.children]);
      for (const [i, p] of all.entries()) {
        const missing = p.missingBlocks();
        if (missing.length) {
          throw new WsiError(
            'InvalidArgument',
            `page ${i}: ${missing.length} block(s) never written (first ${missing[0]})`,
          );
        }
      }
      const le = (this.options.byteOrder ?? 'le') === 'le';
      const want = this.options.bigtiff ?? 'auto';
      const layout = (big: boolean): { at: Map<TiffPage, number>; end: number } => {
        const at = new Map<TiffPage, number>();
        let pos = this.position + (this.position & 1);
        for (const p of all) {
          at.set(p, pos);
          pos += ifdByteSize(
            p.tags(
              big,
              p.children.map(() => 0),
            ),
            big,
          );
        }
        return { at, end: pos };
      };
      let big = want === true;
      let plan = layout(big);
      if (!big && plan.end > CLASSIC_MAX) {
        if (want === false)
          throw new WsiError('InvalidArgument', `file would be ${plan.end} bytes: too big for classic TIFF`);
        big = true;
        plan = layout(true);
      }
      const at = (p: TiffPage): number => plan.at.get(p) as number;
      for (const [i, p] of this.pages.entries()) {
        const next = this.pages[i + 1];
        const bytes = encodeIfd(p.tags(big, p.children.map(at)), at(p), next ? at(next) : 0, big, le);
        await this.fh.write(bytes, 0, bytes.length, at(p));
        for (const c of p.children) {
          const cb = encodeIfd(c.tags(big, []), at(c), 0, big, le);
          await this.fh.write(cb, 0, cb.length, at(c));
        }
      }
      const header = encodeHeader(at(this.pages[0] as TiffPage), big, le);
      await this.fh.write(header, 0, header.length, 0);
      await this.fh.close();
      await rename(this.tmp, this.path);
      return { path: this.path, bytes: plan.end, bigtiff: big, pages: all.length };
    } catch (err) {
      await this.fh.close().catch(() => undefined);
      await rm(this.tmp, { force: true });
      throw err;
    }
  }

  /** Drops the temp file; `path` is left untouched. */
  async abort(): Promise<void> {
    if (this.done) return;
    this.done = true;
    await this.chain.catch(() => undefined);
    await this.fh.close().catch(() => undefined);
    await rm(this.tmp, { force: true });
  }
}
