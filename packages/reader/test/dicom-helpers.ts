/**
 * Test helpers: a minimal DICOM Part 10 writer (explicit VR little endian) for synthetic WSI instances, so tests can
 * build sparse tilings, concatenations, optical paths, RLE / JPEG-LS / native frames and broken files.
 */
import { createRequire } from 'node:module';

type Value = string | number | readonly (string | number)[] | Uint8Array | readonly Item[];
/** A data set: [tag, VR, value] triples (tags as 'GGGGEEEE'). */
export type Item = readonly (readonly [string, string, Value])[];

const LONG_VRS = new Set(['OB', 'OW', 'OF', 'SQ', 'UT', 'UN', 'OV', 'UC', 'UR', 'OD', 'OL']);

function tagBytes(tag: string): number[] {
  const g = parseInt(tag.slice(0, 4), 16);
  const e = parseInt(tag.slice(4, 8), 16);
  return [g & 0xff, g >> 8, e & 0xff, e >> 8];
}

function u32(n: number): number[] {
  return [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff];
}

function valueBytes(vr: string, value: Value): Uint8Array {
  if (value instanceof Uint8Array) return value.length % 2 ? concat([value, new Uint8Array(1)]) : value;
  const list = (Array.isArray(value) ? value : [value]) as (string | number)[];
  const nums = (size: number, set: (v: DataView, o: number, x: number) => void) => {
    const b = new Uint8Array(list.length * size);
    const v = new DataView(b.buffer);
    for (const [i, x] of list.entries()) set(v, i * size, Number(x));
    return b;
  };
  switch (vr) {
    case 'US':
      return nums(2, (v, o, x) => v.setUint16(o, x, true));
    case 'UL':
      return nums(4, (v, o, x) => v.setUint32(o, x, true));
    case 'SL':
      return nums(4, (v, o, x) => v.setInt32(o, x, true));
    case 'FL':
      return nums(4, (v, o, x) => v.setFloat32(o, x, true));
    case 'FD':
      return nums(8, (v, o, x) => v.setFloat64(o, x, true));
    case 'OV':
      return nums(8, (v, o, x) => v.setBigUint64(o, BigInt(x), true));
    default: {
      let s = list.map(String).join('\\');
      if (s.length % 2) s += vr === 'UI' ? '\0' : ' ';
      return new TextEncoder().encode(s);
    }
  }
}

function element(tag: string, vr: string, value: Value): Uint8Array {
  if (vr === 'SQ') {
    const items = (value as readonly Item[]).map((item) =>
      concat([
        Uint8Array.from([...tagBytes('FFFEE000'), ...u32(0xffffffff)]),
        dataset(item),
        Uint8Array.from([...tagBytes('FFFEE00D'), 0, 0, 0, 0]),
      ]),
    );
    return concat([
      Uint8Array.from([...tagBytes(tag), 0x53, 0x51, 0, 0, ...u32(0xffffffff)]),
      ...items,
      Uint8Array.from([...tagBytes('FFFEE0DD'), 0, 0, 0, 0]),
    ]);
  }
  const body = valueBytes(vr, value);
  const vrb = [vr.charCodeAt(0), vr.charCodeAt(1)];
  const head = LONG_VRS.has(vr)
    ? [...tagBytes(tag), ...vrb, 0, 0, ...u32(body.length)]
    : [...tagBytes(tag), ...vrb, body.length & 0xff, body.length >> 8];
  return concat([Uint8Array.from(head), body]);
}

/** Encodes a data set (elements sorted by tag). */
export function dataset(item: Item): Uint8Array {
  return concat([...item].sort((a, b) => a[0].localeCompare(b[0])).map(([t, vr, v]) => element(t, vr, v)));
}

export function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** Encapsulated Pixel Data: an empty Basic Offset Table (or the given one), one item per fragment. */
export function encapsulated(frames: readonly Uint8Array[], bot?: readonly number[]): Uint8Array {
  const even = (b: Uint8Array) => (b.length % 2 ? concat([b, new Uint8Array(1)]) : b);
  const table = bot ? Uint8Array.from(bot.flatMap((o) => u32(o))) : new Uint8Array(0);
  return concat([
    Uint8Array.from([...tagBytes('7FE00010'), 0x4f, 0x42, 0, 0, ...u32(0xffffffff)]),
    Uint8Array.from([...tagBytes('FFFEE000'), ...u32(table.length)]),
    table,
    ...frames.map((f) => concat([Uint8Array.from([...tagBytes('FFFEE000'), ...u32(even(f).length)]), even(f)])),
    Uint8Array.from([...tagBytes('FFFEE0DD'), 0, 0, 0, 0]),
  ]);
}

export interface InstanceSpec {
  transferSyntax?: string;
  width: number;
  height: number;
  tile: number;
  frames: readonly Uint8Array[];
  imageType?: string;
  sparse?: { col: number; row: number; path?: string }[];
  series?: string;
  sop?: string;
  extra?: Item;
  /** Native Pixel Data (defined length) instead of encapsulated frames. */
  native?: boolean;
  samplesPerPixel?: number;
  photometric?: string;
  /** Leave DimensionOrganizationType out. */
  noOrganization?: boolean;
  pixelSpacing?: boolean;
  /** Pixel Data element bytes to use as they are. */
  pixelData?: Uint8Array;
  /** NumberOfFrames to declare when `frames` does not say it. */
  numberOfFrames?: number;
}

let uid = 0;
/** A VL WSI Part 10 file. */
export function writeInstance(s: InstanceSpec): Uint8Array {
  const ts = s.transferSyntax ?? '1.2.840.10008.1.2.1';
  const sop = s.sop ?? `1.2.3.4.${++uid}`;
  const meta = dataset([
    ['00020001', 'OB', Uint8Array.of(0, 1)],
    ['00020002', 'UI', '1.2.840.10008.5.1.4.1.1.77.1.6'],
    ['00020003', 'UI', sop],
    ['00020010', 'UI', ts],
  ]);
  const group = element('00020000', 'UL', meta.length);
  const ds: [string, string, Value][] = [
    ['00080008', 'CS', ['DERIVED', 'PRIMARY', s.imageType ?? 'VOLUME', 'NONE']],
    ['00080016', 'UI', '1.2.840.10008.5.1.4.1.1.77.1.6'],
    ['00080018', 'UI', sop],
    ['0020000E', 'UI', s.series ?? '9.9.9'],
    ['00280002', 'US', s.samplesPerPixel ?? 3],
    ['00280004', 'CS', s.photometric ?? 'RGB'],
    ['00280006', 'US', 0],
    ['00280008', 'IS', String(s.numberOfFrames ?? s.sparse?.length ?? s.frames.length)],
    ['00280010', 'US', s.tile],
    ['00280011', 'US', s.tile],
    ['00280100', 'US', 8],
    ['00280101', 'US', 8],
    ['00280102', 'US', 7],
    ['00280103', 'US', 0],
    ['00480001', 'FL', s.width * 0.0005],
    ['00480002', 'FL', s.height * 0.0005],
    ['00480006', 'UL', s.width],
    ['00480007', 'UL', s.height],
    ['00480102', 'DS', [0, -1, 0, -1, 0, 0]],
  ];
  if (!s.noOrganization) ds.push(['00209311', 'CS', s.sparse ? 'TILED_SPARSE' : 'TILED_FULL']);
  if (s.pixelSpacing !== false)
    ds.push(['52009229', 'SQ', [[['00289110', 'SQ', [[['00280030', 'DS', [0.00025, 0.00025]]]]]]]]);
  if (s.sparse) {
    ds.push([
      '52009230',
      'SQ',
      s.sparse.map((p) => {
        const item: [string, string, Value][] = [
          [
            '0048021A',
            'SQ',
            [
              [
                ['0048021E', 'SL', p.col * s.tile + 1],
                ['0048021F', 'SL', p.row * s.tile + 1],
              ],
            ],
          ],
        ];
        if (p.path) item.push(['00480207', 'SQ', [[['00480106', 'SH', p.path]]]]);
        return item;
      }),
    ]);
  }
  const merged = new Map<string, [string, string, Value]>(ds.map((e) => [e[0], e]));
  for (const e of s.extra ?? []) merged.set(e[0], [e[0], e[1], e[2]]);
  const body = dataset([...merged.values()]);
  const pixels = s.pixelData
    ? s.pixelData
    : s.native
      ? concat([
          Uint8Array.from([
            ...tagBytes('7FE00010'),
            0x4f,
            0x42,
            0,
            0,
            ...u32(s.frames.reduce((n, f) => n + f.length, 0)),
          ]),
          ...s.frames,
        ])
      : encapsulated(s.frames);
  return concat([new Uint8Array(128), new TextEncoder().encode('DICM'), group, meta, body, pixels]);
}

/** A test pattern frame: RGB bytes where every pixel encodes its tile and position. */
export function patternFrame(tile: number, seed: number, channels = 3): Uint8Array {
  const out = new Uint8Array(tile * tile * channels);
  for (let y = 0; y < tile; y++) {
    for (let x = 0; x < tile; x++) {
      const i = (y * tile + x) * channels;
      out[i] = (seed * 40 + x * 3) & 0xff;
      if (channels === 3) {
        out[i + 1] = (y * 5 + seed) & 0xff;
        out[i + 2] = (x ^ y ^ seed) & 0xff;
      }
    }
  }
  return out;
}

/** RLE Lossless (PS3.5 Annex G) encoding of interleaved 8-bit samples: one PackBits segment per sample. */
export function encodeRle(px: Uint8Array, channels: number): Uint8Array {
  const n = px.length / channels;
  const segments: Uint8Array[] = [];
  for (let c = 0; c < channels; c++) {
    const plane = Uint8Array.from({ length: n }, (_, i) => px[i * channels + c] as number);
    const out: number[] = [];
    let i = 0;
    while (i < n) {
      let run = 1;
      while (i + run < n && run < 128 && plane[i + run] === plane[i]) run++;
      if (run >= 3) {
        out.push((257 - run) & 0xff, plane[i] as number);
        i += run;
      } else {
        const start = i;
        let len = 0;
        while (i < n && len < 128 && !(i + 2 < n && plane[i] === plane[i + 1] && plane[i] === plane[i + 2])) {
          i++;
          len++;
        }
        out.push(len - 1, ...plane.subarray(start, start + len));
      }
    }
    if (out.length % 2) out.push(0x80); // no-op pad
    segments.push(Uint8Array.from(out));
  }
  const header = new Uint8Array(64);
  const v = new DataView(header.buffer);
  v.setUint32(0, channels, true);
  let o = 64;
  segments.forEach((s, k) => {
    v.setUint32(4 + k * 4, o, true);
    o += s.length;
  });
  return concat([header, ...segments]);
}

interface CharlsEncoder {
  getDecodedBuffer(info: { width: number; height: number; bitsPerSample: number; componentCount: number }): Uint8Array;
  setNearLossless(n: number): void;
  setInterleaveMode(m: number): void;
  encode(): void;
  getEncodedBuffer(): Uint8Array;
  delete(): void;
}

/** JPEG-LS (lossless, sample-interleaved) encoding with CharLS's encoder. */
export async function encodeJpegLs(
  px: Uint8Array,
  width: number,
  height: number,
  channels: number,
): Promise<Uint8Array> {
  const factory = createRequire(import.meta.url)('@cornerstonejs/codec-charls/wasmjs') as () => Promise<{
    JpegLSEncoder: new () => CharlsEncoder;
  }>;
  const m = await factory();
  const e = new m.JpegLSEncoder();
  e.getDecodedBuffer({ width, height, bitsPerSample: 8, componentCount: channels }).set(px);
  e.setNearLossless(0);
  e.setInterleaveMode(channels === 3 ? 2 : 0);
  e.encode();
  const out = e.getEncodedBuffer().slice();
  e.delete();
  return out;
}

/** Interleaved RGB → RGBA (alpha 255). */
export function rgba(px: Uint8Array, channels = 3): Uint8Array {
  const n = px.length / channels;
  const out = new Uint8Array(n * 4);
  for (let i = 0; i < n; i++) {
    out[i * 4] = px[i * channels] as number;
    out[i * 4 + 1] = px[i * channels + (channels === 3 ? 1 : 0)] as number;
    out[i * 4 + 2] = px[i * channels + (channels === 3 ? 2 : 0)] as number;
    out[i * 4 + 3] = 255;
  }
  return out;
}

interface J2kEncoder {
  getDecodedBuffer(info: {
    width: number;
    height: number;
    bitsPerSample: number;
    componentCount: number;
    isSigned: boolean;
    isUsingColorTransform: boolean;
  }): Uint8Array;
  setDecompositions(n: number): void;
  encode(): void;
  getEncodedBuffer(): Uint8Array;
  delete(): void;
}

/** Lossless JPEG 2000 (reversible colour transform) with OpenJPEG's encoder. */
export async function encodeJ2k(px: Uint8Array, width: number, height: number): Promise<Uint8Array> {
  const factory = createRequire(import.meta.url)('@cornerstonejs/codec-openjpeg') as () => Promise<{
    J2KEncoder: new () => J2kEncoder;
  }>;
  const m = await factory();
  const e = new m.J2KEncoder();
  e.getDecodedBuffer({
    width,
    height,
    bitsPerSample: 8,
    componentCount: 3,
    isSigned: false,
    isUsingColorTransform: true,
  }).set(px);
  e.setDecompositions(2);
  e.encode();
  const out = e.getEncodedBuffer().slice();
  e.delete();
  return out;
}
