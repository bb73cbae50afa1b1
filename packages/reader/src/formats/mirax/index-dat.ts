/**
 * Index.dat: `01.02` + slide id, then the hierarchical root pointer (per zoom level: `[0][first page]`, pages of
 * `[count][next]` + count × (image index, offset, length, file number)) and the non-hierarchical root pointer (per
 * record: `[0][page]`, page `[1][?][0][0][offset][length][file number]`). All little-endian int32.
 */
import { WsiError } from '@wsi/core';

/** Where one image or blob is stored. */
export interface IndexRecord {
  /** Level-0 image index `y × IMAGENUMBER_X + x` (hierarchical records). */
  image: number;
  offset: number;
  length: number;
  file: number;
}

const VERSION = '01.02';

/** Index.dat bytes with bounds-checked reads; every failure is `CorruptFile` naming the file. */
export class IndexDat {
  readonly #view: DataView;
  readonly hierRoot: number;
  readonly nonhierRoot: number;

  /**
   * Checks the version and slide id.
   *
   * @example
   * ```ts
   * const idx = new IndexDat(bytes, 'Index.dat', slideId, 2);
   * const level0 = idx.hierRecords(0);
   * ```
   */
  constructor(
    readonly bytes: Uint8Array,
    readonly fileName: string,
    slideId: string,
    readonly dataFileCount: number,
  ) {
    this.#view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const enc = new TextEncoder();
    const head = enc.encode(VERSION + slideId);
    if (bytes.length < head.length + 8) this.fail('is too short for its header');
    if (new TextDecoder().decode(bytes.subarray(0, VERSION.length)) !== VERSION)
      this.fail("doesn't have expected version");
    for (let i = VERSION.length; i < head.length; i++) {
      if (bytes[i] !== head[i]) this.fail("doesn't have a matching slide identifier");
    }
    this.hierRoot = head.length;
    this.nonhierRoot = head.length + 4;
  }

  fail(what: string): never {
    throw new WsiError('CorruptFile', `${this.fileName} ${what}`, { details: { file: this.fileName } });
  }

  int(at: number, what: string): number {
    if (!(at >= 0 && at + 4 <= this.bytes.length)) this.fail(`: can't read ${what} at ${at}`);
    return this.#view.getInt32(at, true);
  }

  /** The hierarchical records of zoom level `level`, in page order. */
  hierRecords(level: number, imageCount: number): IndexRecord[] {
    const root = this.int(this.hierRoot, 'hierarchical root');
    const listPtr = this.int(root + 4 * level, `zoom level ${level} pointer`);
    if (this.int(listPtr, 'data page list') !== 0) this.fail(': expected 0 value at beginning of data page');
    let page = this.int(listPtr + 4, 'initial data page pointer');
    const out: IndexRecord[] = [];
    const seen = new Set<number>();
    for (;;) {
      if (seen.has(page)) this.fail(`: data page chain of level ${level} loops`);
      seen.add(page);
      const count = this.int(page, 'page length');
      const next = this.int(page + 4, '"next" pointer');
      if (count < 0 || page + 8 + count * 16 > this.bytes.length)
        this.fail(`: page at ${page} holds ${count} records past the end`);
      if (out.length + count > imageCount) this.fail(`: level ${level} lists more records than images`);
      for (let i = 0; i < count; i++) {
        const at = page + 8 + i * 16;
        const rec = {
          image: this.int(at, 'image index'),
          offset: this.int(at + 4, 'offset'),
          length: this.int(at + 8, 'length'),
          file: this.int(at + 12, 'file number'),
        };
        if (rec.image < 0) this.fail(': image_index < 0');
        if (rec.offset < 0) this.fail(': offset < 0');
        if (rec.length < 0) this.fail(': length < 0');
        if (rec.file < 0 || rec.file >= this.dataFileCount) this.fail(`: invalid file number ${rec.file}`);
        out.push(rec);
      }
      if (next === 0) break;
      page = next;
    }
    return out;
  }

  /** Non-hierarchical record `n` (position buffer, associated images). */
  nonhierRecord(n: number): Omit<IndexRecord, 'image'> {
    const root = this.int(this.nonhierRoot, 'initial nonhier pointer');
    const ptr = this.int(root + 4 * n, `nonhier record ${n}`);
    if (this.int(ptr, 'nonhier record') !== 0) this.fail(': expected 0 value at beginning of data page');
    const page = this.int(ptr + 4, 'initial data page pointer');
    if (this.int(page, 'page size') !== 1) this.fail(': expected 1 value');
    if (this.int(page + 8, 'nonhier page') !== 0) this.fail(': expected second 0 value');
    if (this.int(page + 12, 'nonhier page') !== 0) this.fail(': expected third 0 value');
    const offset = this.int(page + 16, 'position');
    const length = this.int(page + 20, 'size');
    const file = this.int(page + 24, 'fileno');
    if (offset < 0 || length < 0) this.fail(`: nonhier record ${n} has a negative offset or size`);
    if (file < 0 || file >= this.dataFileCount) this.fail(`: invalid fileno ${file}`);
    return { offset, length, file };
  }
}
