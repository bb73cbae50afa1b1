/**
 * The geometry of one NDPI page's JPEG stream (frame size, MCU size, restart interval, where the scan data start)
 * and the surgery that turns a block of restart intervals into a small JPEG of its own.
 */
import { WsiError } from '@wsi/core';

/**
 * What the markers before the scan say about a page's JPEG stream.
 *
 * @example
 * ```ts
 * const { restartInterval, mcuWidth } = parseJpegLayout(head, 'page 0');
 * ```
 */
export interface JpegLayout {
  width: number;
  height: number;
  components: number;
  /** MCU size in pixels (8 × the largest sampling factor). */
  mcuWidth: number;
  mcuHeight: number;
  mcusPerRow: number;
  mcuRows: number;
  /** Restart interval in MCUs (DRI); 0 when the stream has none. */
  restartInterval: number;
  /** Byte offset (inside the stream) of the first entropy-coded byte, just after the SOS header. */
  scanStart: number;
  /** Offset of the SOF segment's height field (2 bytes height, then 2 bytes width). */
  sofSizeAt: number;
}

const bad = (what: string, msg: string): WsiError => new WsiError('CorruptFile', `${what}: ${msg}`);

/**
 * Parses the JPEG markers from SOI up to the end of the SOS header. Throws `CorruptFile` when the header is cut
 * short, has no baseline/extended frame, or sizes disagree with the caller's expectation.
 *
 * @example
 * ```ts
 * const layout = parseJpegLayout(headBytes, 'slide.ndpi page 0');
 * console.log(layout.restartInterval, layout.mcuWidth, layout.scanStart);
 * ```
 */
export function parseJpegLayout(b: Uint8Array, what: string): JpegLayout {
  if (b.length < 4 || b[0] !== 0xff || b[1] !== 0xd8) throw bad(what, 'JPEG stream does not start with SOI');
  let p = 2;
  let sof: { width: number; height: number; components: number; h: number; v: number; at: number } | undefined;
  let dri = 0;
  while (p + 4 <= b.length) {
    if (b[p] !== 0xff) throw bad(what, `expected a JPEG marker at byte ${p}`);
    const m = b[p + 1] as number;
    if (m === 0xff) {
      p++;
      continue;
    }
    const len = ((b[p + 2] as number) << 8) | (b[p + 3] as number);
    if (len < 2 || p + 2 + len > b.length) throw bad(what, `JPEG marker 0xff${m.toString(16)} runs past the header`);
    const s = p + 4;
    if (m === 0xc0 || m === 0xc1) {
      const n = b[s + 5] as number;
      if (len < 8 + 3 * n || n < 1) throw bad(what, 'short JPEG frame header');
      let h = 1;
      let v = 1;
      for (let i = 0; i < n; i++) {
        const f = b[s + 7 + 3 * i] as number;
        h = Math.max(h, f >> 4);
        v = Math.max(v, f & 15);
      }
      sof = {
        height: ((b[s + 1] as number) << 8) | (b[s + 2] as number),
        width: ((b[s + 3] as number) << 8) | (b[s + 4] as number),
        components: n,
        h,
        v,
        at: s + 1,
      };
      if (b[s] !== 8) throw new WsiError('UnsupportedFormat', `${what}: ${b[s]}-bit JPEG is not supported`);
    } else if (m >= 0xc2 && m <= 0xcf && m !== 0xc4 && m !== 0xc8 && m !== 0xcc) {
      throw new WsiError('UnsupportedFormat', `${what}: JPEG process SOF${m - 0xc0} is not supported`);
    } else if (m === 0xdd) {
      if (len !== 4) throw bad(what, 'bad DRI segment');
      dri = ((b[s] as number) << 8) | (b[s + 1] as number);
    } else if (m === 0xda) {
      if (!sof) throw bad(what, 'JPEG scan before the frame header');
      if (sof.width === 0 || sof.height === 0) throw bad(what, 'empty JPEG frame');
      const mcuWidth = 8 * sof.h;
      const mcuHeight = 8 * sof.v;
      return {
        width: sof.width,
        height: sof.height,
        components: sof.components,
        mcuWidth,
        mcuHeight,
        mcusPerRow: Math.ceil(sof.width / mcuWidth),
        mcuRows: Math.ceil(sof.height / mcuHeight),
        restartInterval: dri,
        scanStart: p + 2 + len,
        sofSizeAt: sof.at,
      };
    }
    p += 2 + len;
  }
  throw bad(what, 'JPEG header ends before the scan (no SOS)');
}

/**
 * Builds a standalone JPEG from the page header and the entropy-coded data of restart intervals, one row of
 * intervals after another: the frame size is rewritten to `width`×`height`, the DRI kept (each pasted interval
 * then ends exactly where the decoder expects a restart), and the RST markers renumbered 0…7 in order.
 * `pieces` are the intervals' data without their trailing marker.
 *
 * @example
 * ```ts
 * const jpeg = assembleTileJpeg(header, layout, [row0Interval, row1Interval], 3968, 16);
 * ```
 */
export function assembleTileJpeg(
  header: Uint8Array,
  layout: JpegLayout,
  pieces: readonly Uint8Array[],
  width: number,
  height: number,
): Uint8Array {
  let total = layout.scanStart + 2;
  for (const piece of pieces) total += piece.length + 2;
  const out = new Uint8Array(total);
  out.set(header.subarray(0, layout.scanStart), 0);
  const at = layout.sofSizeAt;
  out[at] = height >> 8;
  out[at + 1] = height & 255;
  out[at + 2] = width >> 8;
  out[at + 3] = width & 255;
  let o = layout.scanStart;
  pieces.forEach((piece, i) => {
    out.set(piece, o);
    o += piece.length;
    out[o++] = 0xff;
    out[o++] = i === pieces.length - 1 ? 0xd9 : 0xd0 + (i % 8);
  });
  return out;
}

/**
 * The entropy-coded bytes of one interval whose stored extent is `bytes` (from its first byte up to the next
 * interval's first byte, or the stream end): the trailing RSTn / EOI marker and fill bytes are cut off.
 * Returns undefined when the extent does not end with the expected marker (`rst` 0–7, or −1 for EOI / end).
 *
 * @example
 * ```ts
 * const data = intervalData(extent, 3); // extent ends with FF D3
 * ```
 */
export function intervalData(bytes: Uint8Array, rst: number): Uint8Array | undefined {
  let end = bytes.length;
  if (rst >= 0) {
    if (end < 2 || bytes[end - 2] !== 0xff || bytes[end - 1] !== 0xd0 + rst) return undefined;
    end -= 2;
  } else if (end >= 2 && bytes[end - 2] === 0xff && bytes[end - 1] === 0xd9) {
    end -= 2;
  }
  while (end > 0 && bytes[end - 1] === 0xff) end--;
  return bytes.subarray(0, end);
}
