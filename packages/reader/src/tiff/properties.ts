/**
 * OpenSlide's `tiff.*` properties and its number formatting, so property values compare as strings.
 */
import type { TiffIfd } from './ifd.js';
import { TAG, TIFF_STRING_PROPERTIES } from './tags.js';

/**
 * Formats a double as OpenSlide (GLib `g_ascii_dtostr`, i.e. C's `%.17g`, trailing zeros dropped) does.
 *
 * @example
 * ```ts
 * formatDouble(0.499); // '0.499'
 * formatDouble(0.2527); // '0.25269999999999998'
 * formatDouble(4443 / 2221 / 2 + 3567 / 1783 / 2); // '2.0005055500659967'
 * ```
 */
export function formatDouble(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  return formatG(v, 17);
}

/** C's `%.<p>g`. */
function formatG(v: number, p: number): string {
  if (v === 0) return Object.is(v, -0) ? '-0' : '0';
  const exp = Math.floor(Math.log10(Math.abs(v)));
  const e = Number(v.toExponential(p - 1).split('e')[1]);
  const x = Number.isFinite(e) ? e : exp;
  if (x < -4 || x >= p) {
    const [m, ex] = v.toExponential(p - 1).split('e') as [string, string];
    const n = Number(ex);
    return `${stripZeros(m)}e${n < 0 ? '-' : '+'}${String(Math.abs(n)).padStart(2, '0')}`;
  }
  return stripZeros(v.toFixed(Math.max(0, p - 1 - x)));
}

function stripZeros(s: string): string {
  return s.includes('.') ? s.replace(/\.?0+$/, '') : s;
}

/**
 * The `tiff.*` properties and `openslide.comment` of a directory, as OpenSlide 3.4.1 reports them.
 *
 * @example
 * ```ts
 * const props = tiffProperties(tiff.ifds[0]!); // { 'tiff.ResolutionUnit': 'inch', … }
 * ```
 */
export function tiffProperties(ifd: TiffIfd): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [tag, name] of TIFF_STRING_PROPERTIES) {
    const s = ifd.string(tag);
    if (s !== undefined) out[name] = s;
  }
  const desc = ifd.string(TAG.ImageDescription);
  if (desc !== undefined) out['openslide.comment'] = desc;
  const xr = ifd.number(TAG.XResolution);
  const yr = ifd.number(TAG.YResolution);
  if (xr !== undefined) out['tiff.XResolution'] = formatDouble(xr);
  if (yr !== undefined) out['tiff.YResolution'] = formatDouble(yr);
  const unit = ifd.number(TAG.ResolutionUnit, 2);
  out['tiff.ResolutionUnit'] = unit === 1 ? 'none' : unit === 2 ? 'inch' : unit === 3 ? 'centimeter' : 'unknown';
  return out;
}

/**
 * OpenSlide's `openslide.level[i].*` and `openslide.level-count` properties.
 *
 * @example
 * ```ts
 * levelProperties(slide.levels)['openslide.level[1].downsample']; // e.g. '4.0004...'
 * ```
 */
export function levelProperties(
  levels: readonly { width: number; height: number; downsample: number; tileWidth: number; tileHeight: number }[],
): Record<string, string> {
  const out: Record<string, string> = { 'openslide.level-count': String(levels.length) };
  levels.forEach((l, i) => {
    out[`openslide.level[${i}].width`] = String(l.width);
    out[`openslide.level[${i}].height`] = String(l.height);
    out[`openslide.level[${i}].downsample`] = formatDouble(l.downsample);
    out[`openslide.level[${i}].tile-width`] = String(l.tileWidth);
    out[`openslide.level[${i}].tile-height`] = String(l.tileHeight);
  });
  return out;
}
