// A tiny TIFF walk for the decode bench: the raw tile bytes and JPEGTables of one IFD (classic TIFF, either byte order).
// Only what the bench needs; the real parser lives in @wsi/reader.
import { readFileSync } from 'node:fs';

const TYPE_SIZE = { 1: 1, 2: 1, 3: 2, 4: 4, 7: 1, 16: 8 };

/** @returns {{width:number,height:number,tileWidth:number,tileHeight:number,compression:number,photometric:number,jpegTables?:Uint8Array,tiles:Uint8Array[]}} */
export function readTiffTiles(path, ifdIndex = 0) {
  const buf = readFileSync(path);
  const le = buf[0] === 0x49;
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const u16 = (o) => dv.getUint16(o, le);
  const u32 = (o) => dv.getUint32(o, le);
  if (u16(2) !== 42) throw new Error(`${path}: not a classic TIFF`);
  let ifd = u32(4);
  for (let i = 0; i < ifdIndex; i++) ifd = u32(ifd + 2 + u16(ifd) * 12);
  const tags = new Map();
  const n = u16(ifd);
  for (let i = 0; i < n; i++) {
    const e = ifd + 2 + i * 12;
    const tag = u16(e);
    const type = u16(e + 2);
    const count = u32(e + 4);
    const size = (TYPE_SIZE[type] ?? 1) * count;
    const at = size <= 4 ? e + 8 : u32(e + 8);
    if (type === 7 || type === 1 || type === 2) tags.set(tag, buf.subarray(at, at + count));
    else
      tags.set(
        tag,
        Array.from({ length: count }, (_, k) => (type === 3 ? u16(at + 2 * k) : u32(at + 4 * k))),
      );
  }
  const first = (t) => tags.get(t)?.[0];
  const offsets = tags.get(324) ?? tags.get(273);
  const counts = tags.get(325) ?? tags.get(279);
  const tiles = offsets.map((o, k) => buf.subarray(o, o + counts[k]));
  return {
    width: first(256),
    height: first(257),
    tileWidth: first(322) ?? first(256),
    tileHeight: first(323) ?? first(278),
    compression: first(259),
    photometric: first(262),
    jpegTables: tags.get(347),
    tiles,
  };
}
