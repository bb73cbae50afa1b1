/**
 * Reading back what libvips wrote: the frame size, MCU size and restart interval of a baseline JPEG, and the
 * offset of every restart interval (what NDPI's MCU-start tag 65426 stores).
 */
import { WsiError } from '@wsi/core';

/**
 * Geometry of a baseline JPEG with restart markers.
 *
 * @example
 * ```ts
 * const { restartInterval, intervalStarts } = scanJpegRestarts(jpegBytes);
 * ```
 */
export interface JpegRestartInfo {
  width: number;
  height: number;
  mcuWidth: number;
  mcuHeight: number;
  /** Restart interval in MCUs (0 = none). */
  restartInterval: number;
  /** Offset of each restart interval's first entropy-coded byte (the first is the end of the SOS header). */
  intervalStarts: number[];
}

/**
 * Parses the header and scans the entropy-coded data for RST markers.
 *
 * @example
 * ```ts
 * const info = scanJpegRestarts(readFileSync('page.jpg'));
 * console.log(info.intervalStarts.length);
 * ```
 */
export function scanJpegRestarts(b: Uint8Array): JpegRestartInfo {
  const fail = (m: string) => new WsiError('CorruptFile', `JPEG: ${m}`);
  if (b[0] !== 0xff || b[1] !== 0xd8) throw fail('no SOI');
  let p = 2;
  let width = 0;
  let height = 0;
  let h = 1;
  let v = 1;
  let dri = 0;
  for (;;) {
    if (p + 4 > b.length || b[p] !== 0xff) throw fail(`no marker at ${p}`);
    const m = b[p + 1] as number;
    const len = ((b[p + 2] as number) << 8) | (b[p + 3] as number);
    const s = p + 4;
    if (m === 0xc0 || m === 0xc1) {
      height = ((b[s + 1] as number) << 8) | (b[s + 2] as number);
      width = ((b[s + 3] as number) << 8) | (b[s + 4] as number);
      const n = b[s + 5] as number;
      for (let i = 0; i < n; i++) {
        const f = b[s + 7 + 3 * i] as number;
        h = Math.max(h, f >> 4);
        v = Math.max(v, f & 15);
      }
    } else if (m === 0xdd) {
      dri = ((b[s] as number) << 8) | (b[s + 1] as number);
    }
    p += 2 + len;
    if (m === 0xda) break;
  }
  if (width === 0) throw fail('no baseline frame header');
  const starts = [p];
  if (dri > 0) {
    for (let i = p; i + 1 < b.length; i++) {
      if (b[i] === 0xff) {
        const n = b[i + 1] as number;
        if (n >= 0xd0 && n <= 0xd7) starts.push(i + 2);
      }
    }
  }
  return { width, height, mcuWidth: 8 * h, mcuHeight: 8 * v, restartInterval: dri, intervalStarts: starts };
}
