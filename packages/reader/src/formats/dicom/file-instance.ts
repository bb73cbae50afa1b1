/**
 * DICOM Part 10 files through a ByteSource: the header is parsed with `dicom-parser` up to Pixel Data (read in
 * growing chunks, never the whole file), and frames are located lazily from the Extended Offset Table, the Basic
 * Offset Table, or a scan of the encapsulated fragments' item headers.
 */

import { type ByteSource, throwIfAborted, WsiError } from '@wsi/core';
import type * as DicomParser from 'dicom-parser';
import { dicomParser } from '../../lazy-modules.js';
import { DICOM_DICTIONARY, TAG } from './dictionary.js';
import type { DicomInstance } from './instance.js';
import { type DicomJson, dataSetToJson, dicomNumber } from './json.js';

/** `dicom-parser` is a UMD bundle: load it through `require` so its exports are seen. */

/**
 * Largest header (everything before Pixel Data) we parse: sparse tilings list every frame there.
 *
 * @example
 * ```ts
 * MAX_DICOM_HEADER_BYTES; // 268435456
 * ```
 */
export const MAX_DICOM_HEADER_BYTES = 256 << 20;
const FIRST_READ = 256 << 10;
const ITEM = 0xfffee000;
const SEQ_DELIM = 0xfffee0dd;

/** Where one frame's fragments are. */
interface FrameSpan {
  fragments: { offset: number; length: number }[];
}

/**
 * Whether bytes start like a DICOM Part 10 file (`DICM` after the 128-byte preamble).
 *
 * @example
 * ```ts
 * isDicomHeader(head); // true for a .dcm file
 * ```
 */
export function isDicomHeader(head: Uint8Array): boolean {
  return head.length >= 132 && head[128] === 0x44 && head[129] === 0x49 && head[130] === 0x43 && head[131] === 0x4d;
}

/**
 * Opens one DICOM file: parses its header (File Meta and data set up to Pixel Data) and returns an instance that
 * reads frames by offset. Not DICOM → `UnsupportedFormat`; damaged or truncated → `CorruptFile`.
 *
 * @example
 * ```ts
 * const inst = await openDicomFile(await openByteSource('level-0.dcm'));
 * console.log(inst.transferSyntax, inst.meta['00480006']);
 * ```
 */
export async function openDicomFile(source: ByteSource): Promise<FileInstance> {
  const size = await source.size();
  const first = await source.read(0, Math.min(size, 132));
  if (!isDicomHeader(first)) throw new WsiError('UnsupportedFormat', `${source.description}: not a DICOM Part 10 file`);
  dicomParser(); // loaded before parsing: a missing module is UnsupportedFormat, not a header that does not parse
  let want = Math.min(size, FIRST_READ);
  for (;;) {
    const bytes = await source.read(0, want);
    let failure: unknown;
    let header: ParsedHeader | undefined;
    try {
      header = parseHeader(bytes);
    } catch (err) {
      failure = err;
    }
    if (header) return new FileInstance(source, header, size);
    const why = failure === undefined ? 'no Pixel Data element' : failureMessage(failure);
    // only a header longer than what we read is worth a bigger read; anything else is damage
    const shortRead = failure === undefined || /past end of buffer|overread|overrun/i.test(why);
    if (!shortRead || want >= size || want >= MAX_DICOM_HEADER_BYTES) {
      throw new WsiError('CorruptFile', `${source.description}: DICOM header does not parse (${why})`, {
        cause: failure,
      });
    }
    want = Math.min(size, want * 4, MAX_DICOM_HEADER_BYTES);
  }
}

/** What the header parse yields: the data set, where Pixel Data is, and the Extended Offset Table if any. */
interface ParsedHeader {
  ds: DicomParser.DataSet;
  pixel: { dataOffset: number; length: number; hadUndefinedLength?: boolean };
  eot?: { offsets: number[]; lengths: number[] };
}

/** (7FE0,0001) with VR OV, as bytes in an explicit little-endian file. */
const EOT_SIGNATURE = [0xe0, 0x7f, 0x01, 0x00, 0x4f, 0x56];

function parseWith(bytes: Uint8Array, untilTag: string): DicomParser.DataSet {
  return dicomParser().parseDicom(bytes, {
    untilTag,
    vrCallback: (tag: string) => DICOM_DICTIONARY.get(tag.slice(1).toUpperCase())?.vr,
  } as DicomParser.ParseDicomOptions);
}

/**
 * Parses the header up to Pixel Data. dicom-parser 1.8 reads VR OV (the Extended Offset Table) with a 2-byte
 * length, so when the table is there we stop the parser at it and read the last three element headers here.
 */
function parseHeader(bytes: Uint8Array): ParsedHeader {
  const at = findBytes(bytes, EOT_SIGNATURE);
  if (at >= 0) {
    try {
      const ds = parseWith(bytes, 'x7fe00001');
      if (ds.elements.x7fe00001) return readTail(ds, bytes, at);
    } catch (err) {
      if (/past end of buffer|overread|overrun/i.test(failureMessage(err))) throw err;
      // the signature was inside some other value: parse as usual
    }
  }
  const ds = parseWith(bytes, 'x7fe00010');
  const pixel = ds.elements.x7fe00010;
  if (!pixel) throw 'no Pixel Data element';
  return { ds, pixel };
}

/** Extended Offset Table, its lengths, and the Pixel Data header, from `at` on (explicit VR little endian). */
function readTail(ds: DicomParser.DataSet, bytes: Uint8Array, at: number): ParsedHeader {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let p = at;
  const next = (): { tag: number; start: number; length: number } => {
    if (p + 12 > bytes.length) throw 'attempt to read past end of buffer';
    const tag = ((view.getUint16(p, true) << 16) | view.getUint16(p + 2, true)) >>> 0;
    const length = view.getUint32(p + 8, true);
    const start = p + 12;
    if (length !== 0xffffffff) {
      if (start + length > bytes.length && tag !== 0x7fe00010) throw 'attempt to read past end of buffer';
      p = start + length;
    }
    return { tag, start, length };
  };
  const u64s = (e: { start: number; length: number }) => {
    const out: number[] = [];
    for (let o = 0; o + 8 <= e.length; o += 8) out.push(Number(view.getBigUint64(e.start + o, true)));
    return out;
  };
  const eot = next();
  let el = next();
  let lengths: number[] = [];
  if (el.tag === 0x7fe00002) {
    lengths = u64s(el);
    el = next();
  }
  if (el.tag !== 0x7fe00010) throw 'no Pixel Data element after the Extended Offset Table';
  return {
    ds,
    pixel: { dataOffset: el.start, length: el.length, hadUndefinedLength: el.length === 0xffffffff },
    eot: { offsets: u64s(eot), lengths },
  };
}

function findBytes(hay: Uint8Array, needle: readonly number[]): number {
  for (let i = hay.indexOf(needle[0] as number); i >= 0; i = hay.indexOf(needle[0] as number, i + 1)) {
    let ok = i + needle.length <= hay.length;
    for (let j = 1; ok && j < needle.length; j++) ok = hay[i + j] === needle[j];
    if (ok) return i;
  }
  return -1;
}

/** dicom-parser throws strings, Errors, or `{ exception, dataSet }`. */
function failureMessage(err: unknown): string {
  if (typeof err === 'string') return err;
  if (err instanceof Error) return err.message;
  if (typeof err === 'object' && err !== null && 'exception' in err)
    return failureMessage((err as { exception: unknown }).exception);
  return String(err);
}

/**
 * A DICOM instance read from a file. Made by {@link openDicomFile}.
 *
 * @example
 * ```ts
 * const inst = await openDicomFile(source);
 * const jpeg = await inst.readFrame(3);
 * ```
 */
export class FileInstance implements DicomInstance {
  readonly meta: DicomJson;
  readonly fileMeta: DicomJson;
  readonly transferSyntax: string;
  readonly description: string;
  readonly numberOfFrames: number;
  readonly #source: ByteSource;
  readonly #pixelOffset: number;
  readonly #pixelLength: number;
  readonly #encapsulated: boolean;
  readonly #size: number;
  #frameBytes = 0;
  #frames: Promise<FrameSpan[]> | undefined;

  constructor(source: ByteSource, header: ParsedHeader, size: number) {
    const { ds, pixel } = header;
    this.#source = source;
    this.description = source.description;
    const all = dataSetToJson(ds);
    this.fileMeta = {};
    this.meta = {};
    for (const [tag, attr] of Object.entries(all)) (tag.startsWith('0002') ? this.fileMeta : this.meta)[tag] = attr;
    if (header.eot) {
      this.meta[TAG.ExtendedOffsetTable] = { vr: 'OV', Value: header.eot.offsets };
      this.meta[TAG.ExtendedOffsetTableLengths] = { vr: 'OV', Value: header.eot.lengths };
    }
    this.transferSyntax = (ds.string('x00020010') ?? '').replace(/\0/g, '').trim();
    const frames = dicomNumber(this.meta, TAG.NumberOfFrames) ?? 1;
    if (!Number.isSafeInteger(frames) || frames < 1) {
      throw new WsiError('CorruptFile', `${this.description}: NumberOfFrames ${frames} is not valid`);
    }
    this.numberOfFrames = frames;
    this.#size = size;
    this.#pixelOffset = pixel.dataOffset;
    this.#encapsulated = pixel.length === 0xffffffff || pixel.length === -1 || !!pixel.hadUndefinedLength;
    this.#pixelLength = this.#encapsulated ? size - pixel.dataOffset : pixel.length;
    if (!this.#encapsulated && pixel.dataOffset + pixel.length > size) {
      throw new WsiError('CorruptFile', `${this.description}: Pixel Data runs past the end of the file (truncated)`);
    }
    if (!this.#encapsulated) {
      const bytesPerSample = Math.ceil((dicomNumber(this.meta, TAG.BitsAllocated) ?? 8) / 8);
      const per =
        (dicomNumber(this.meta, TAG.Rows) ?? 0) *
        (dicomNumber(this.meta, TAG.Columns) ?? 0) *
        (dicomNumber(this.meta, TAG.SamplesPerPixel) ?? 1) *
        bytesPerSample;
      if (!(per > 0) || this.#pixelLength < per * frames) {
        throw new WsiError(
          'CorruptFile',
          `${this.description}: native Pixel Data holds ${this.#pixelLength} bytes, ${frames} frames of ${per} bytes expected (missing frames)`,
        );
      }
      this.#frameBytes = per;
    }
  }

  /** Whether Pixel Data is encapsulated (compressed frames in items) rather than native samples. */
  get encapsulated(): boolean {
    return this.#encapsulated;
  }

  async readFrame(index: number, signal?: AbortSignal): Promise<Uint8Array> {
    throwIfAborted(signal);
    if (!Number.isInteger(index) || index < 0 || index >= this.numberOfFrames) {
      throw new WsiError('OutOfBounds', `${this.description}: frame ${index} outside 0..${this.numberOfFrames - 1}`);
    }
    if (!this.#encapsulated) {
      return this.#source.read(this.#pixelOffset + index * this.#frameBytes, this.#frameBytes, { signal });
    }
    this.#frames ??= this.#indexFrames().catch((err: unknown) => {
      this.#frames = undefined;
      throw err;
    });
    const span = (await this.#frames)[index] as FrameSpan;
    if (span.fragments.length === 1) {
      const f = span.fragments[0] as { offset: number; length: number };
      return this.#source.read(f.offset, f.length, { signal });
    }
    const parts = await Promise.all(span.fragments.map((f) => this.#source.read(f.offset, f.length, { signal })));
    const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let o = 0;
    for (const p of parts) {
      out.set(p, o);
      o += p.length;
    }
    return out;
  }

  async close(): Promise<void> {
    await this.#source.close();
  }

  async #item(offset: number): Promise<{ tag: number; length: number }> {
    if (offset + 8 > this.#size)
      throw new WsiError(
        'CorruptFile',
        `${this.description}: Pixel Data ends without a sequence delimiter (truncated)`,
      );
    const b = await this.#source.read(offset, 8);
    const v = new DataView(b.buffer, b.byteOffset, 8);
    const tag = ((v.getUint16(0, true) << 16) | v.getUint16(2, true)) >>> 0;
    return { tag, length: v.getUint32(4, true) };
  }

  /** Locates every frame: EOT, else BOT, else a scan of the fragments. */
  async #indexFrames(): Promise<FrameSpan[]> {
    const n = this.numberOfFrames;
    const bot = await this.#item(this.#pixelOffset);
    if (bot.tag !== ITEM)
      throw new WsiError('CorruptFile', `${this.description}: encapsulated Pixel Data does not start with an item`);
    const first = this.#pixelOffset + 8 + bot.length;
    if (first > this.#size)
      throw new WsiError('CorruptFile', `${this.description}: Basic Offset Table runs past the end of the file`);
    const eot = this.meta[TAG.ExtendedOffsetTable]?.Value as number[] | undefined;
    const eotLengths = this.meta[TAG.ExtendedOffsetTableLengths]?.Value as number[] | undefined;
    if (eot && eotLengths && eot.length === n && eotLengths.length === n) {
      return eot
        .map((o, i) => ({ fragments: [{ offset: first + o + 8, length: eotLengths[i] as number }] }))
        .map((s) => this.#checked(s));
    }
    // scan the fragments' item headers (8 bytes each); the BOT, when present, groups them into frames
    const frags: { offset: number; length: number; rel: number }[] = [];
    for (let at = first; ; ) {
      const it = await this.#item(at);
      if (it.tag === SEQ_DELIM) break;
      if (it.tag !== ITEM)
        throw new WsiError(
          'CorruptFile',
          `${this.description}: unexpected tag ${it.tag.toString(16)} among Pixel Data fragments`,
        );
      if (at + 8 + it.length > this.#size)
        throw new WsiError(
          'CorruptFile',
          `${this.description}: Pixel Data fragment runs past the end of the file (truncated)`,
        );
      frags.push({ offset: at + 8, length: it.length, rel: at - first });
      at += 8 + it.length;
    }
    if (bot.length >= 4 * n && bot.length % 4 === 0) {
      const table = await this.#source.read(this.#pixelOffset + 8, bot.length);
      const v = new DataView(table.buffer, table.byteOffset, table.byteLength);
      const starts = Array.from({ length: n }, (_, i) => v.getUint32(i * 4, true));
      return starts.map((s, i) => {
        const end = i + 1 < n ? (starts[i + 1] as number) : Number.POSITIVE_INFINITY;
        return this.#checked({ fragments: frags.filter((f) => f.rel >= s && f.rel < end) });
      });
    }
    if (frags.length === n) return frags.map((f) => ({ fragments: [f] }));
    if (n === 1 && frags.length > 1) return [{ fragments: frags }];
    if (frags.length < n) {
      throw new WsiError(
        'CorruptFile',
        `${this.description}: ${n} frames declared, ${frags.length} found in Pixel Data (missing frames)`,
      );
    }
    return this.#groupByStartMarker(frags, n);
  }

  /** Several fragments per frame and no offset table: a frame starts at a fragment that starts a codestream. */
  async #groupByStartMarker(frags: { offset: number; length: number }[], n: number): Promise<FrameSpan[]> {
    const spans: FrameSpan[] = [];
    for (const f of frags) {
      const head = f.length >= 2 ? await this.#source.read(f.offset, 2) : new Uint8Array(0);
      const starts = head[0] === 0xff && (head[1] === 0xd8 || head[1] === 0x4f);
      if (starts || spans.length === 0) spans.push({ fragments: [f] });
      else (spans[spans.length - 1] as FrameSpan).fragments.push(f);
    }
    if (spans.length !== n) {
      throw new WsiError(
        'CorruptFile',
        `${this.description}: ${n} frames declared, ${spans.length} found in Pixel Data`,
      );
    }
    return spans;
  }

  #checked(span: FrameSpan): FrameSpan {
    if (span.fragments.length === 0)
      throw new WsiError('CorruptFile', `${this.description}: a frame has no fragment (missing frames)`);
    for (const f of span.fragments) {
      if (!(f.offset >= 0 && f.length >= 0 && f.offset + f.length <= this.#size)) {
        throw new WsiError('CorruptFile', `${this.description}: frame offset table points past the end of the file`);
      }
    }
    return span;
  }
}
