/**
 * Test helpers for the tile decoders: a tiny classic-TIFF walk that returns one IFD's tile (or strip) bytes and the
 * tags the decoders need — independent of the package's own TIFF parser, so decoder tests stand alone.
 */
import { readFileSync } from 'node:fs';
import type { TileDecodeInfo } from '../src/decode/index.js';

export interface TiffTiles {
  info: TileDecodeInfo;
  imageWidth: number;
  imageHeight: number;
  tiles: Uint8Array[];
}

const TYPE_SIZE: Record<number, number> = { 1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 7: 1, 11: 4, 12: 8, 16: 8 };

export function readTiffTiles(path: string, ifdIndex = 0): TiffTiles {
  const buf = new Uint8Array(readFileSync(path));
  const le = buf[0] === 0x49;
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const u16 = (o: number) => dv.getUint16(o, le);
  const u32 = (o: number) => dv.getUint32(o, le);
  if (u16(2) !== 42) throw new Error(`${path}: not a classic TIFF`);
  let ifd = u32(4);
  for (let i = 0; i < ifdIndex; i++) ifd = u32(ifd + 2 + u16(ifd) * 12);
  const tags = new Map<number, number[] | Uint8Array>();
  const n = u16(ifd);
  for (let i = 0; i < n; i++) {
    const e = ifd + 2 + i * 12;
    const tag = u16(e);
    const type = u16(e + 2);
    const count = u32(e + 4);
    const size = (TYPE_SIZE[type] ?? 1) * count;
    const at = size <= 4 ? e + 8 : u32(e + 8);
    if (type === 7 || type === 1 || type === 2) tags.set(tag, buf.subarray(at, at + count));
    else if (type === 3 || type === 4)
      tags.set(
        tag,
        Array.from({ length: count }, (_, k) => (type === 3 ? u16(at + 2 * k) : u32(at + 4 * k))),
      );
  }
  const first = (t: number, d?: number): number => {
    const v = tags.get(t);
    const x = v?.[0] ?? d;
    if (x === undefined) throw new Error(`tag ${t} missing`);
    return x;
  };
  const offsets = (tags.get(324) ?? tags.get(273)) as number[];
  const counts = (tags.get(325) ?? tags.get(279)) as number[];
  const tiled = tags.has(322);
  const jpegTables = tags.get(347) as Uint8Array | undefined;
  return {
    imageWidth: first(256),
    imageHeight: first(257),
    tiles: offsets.map((o, k) => buf.subarray(o, o + (counts[k] as number))),
    info: {
      compression: first(259, 1),
      photometric: first(262),
      width: tiled ? first(322) : first(256),
      height: tiled ? first(323) : first(278, first(257)),
      samplesPerPixel: first(277, 1),
      bitsPerSample: first(258, 1),
      planarConfig: first(284, 1),
      predictor: first(317, 1),
      sampleFormat: first(339, 1),
      littleEndian: le,
      ...(jpegTables ? { jpegTables } : {}),
    },
  };
}

/** Mean absolute difference over the first `channels` of RGBA `a` vs interleaved `b` with `bChannels` channels. */
export function meanAbsDiff(a: Uint8Array, b: Uint8Array, pixels: number, bChannels: number, channels = 3): number {
  let s = 0;
  for (let i = 0; i < pixels; i++)
    for (let c = 0; c < channels; c++) s += Math.abs((a[i * 4 + c] as number) - (b[i * bChannels + c] as number));
  return s / (pixels * channels);
}
