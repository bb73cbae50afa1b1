/**
 * ImageDescription strings as Aperio ScanScope software writes them.
 */

/** Version string the writer claims (any `Aperio Image Library v…` makes OpenSlide pick its Aperio backend). */
export const APERIO_LIBRARY = 'Aperio Image Library v12.0.15';

/**
 * What goes into the `key = value` part of an Aperio description. `undefined` values are left out.
 *
 * @example
 * ```ts
 * const m: AperioMetadata = { AppMag: 20, MPP: 0.499, Filename: 'synthetic' };
 * ```
 */
export type AperioMetadata = Record<string, string | number | undefined>;

function pairs(meta: AperioMetadata): string {
  return Object.entries(meta)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `|${k} = ${v}`)
    .join('');
}

/**
 * Description of a pyramid level: level 0 `WxH [0,0 WxH] (twxth) JPEG/RGB Q=q|key = value…`; lower levels add
 * `-> wxh` after the tile size as Aperio does.
 *
 * @example
 * ```ts
 * aperioLevelDescription({ width: 2048, height: 1536, tileSize: 256, quality: 90 }, { AppMag: 20, MPP: 0.499 });
 * // 'Aperio Image Library v12.0.15 \r\n2048x1536 [0,0 2048x1536] (256x256) JPEG/RGB Q=90|AppMag = 20|MPP = 0.499'
 * ```
 */
export function aperioLevelDescription(
  l: { width: number; height: number; tileSize: number; quality: number; levelWidth?: number; levelHeight?: number },
  meta: AperioMetadata,
): string {
  const reduced = l.levelWidth !== undefined ? ` -> ${l.levelWidth}x${l.levelHeight}` : '';
  return `${APERIO_LIBRARY} \r\n${l.width}x${l.height} [0,0 ${l.width}x${l.height}] (${l.tileSize}x${l.tileSize})${reduced} JPEG/RGB Q=${l.quality}${pairs(meta)}`;
}

/**
 * Description of the thumbnail page: `WxH -> twxth - |key = value…`.
 *
 * @example
 * ```ts
 * aperioThumbnailDescription(2048, 1536, 768, 576, { AppMag: 20 });
 * ```
 */
export function aperioThumbnailDescription(
  width: number,
  height: number,
  tw: number,
  th: number,
  meta: AperioMetadata,
): string {
  return `${APERIO_LIBRARY} \n${width}x${height} -> ${tw}x${th} - ${pairs(meta)}`;
}

/**
 * Description of an associated image (`label` or `macro`): OpenSlide names the image after the first word of the
 * second line; the line break must be a lone `\n` (OpenSlide splits on `\r` and `\n` separately).
 *
 * @example
 * ```ts
 * aperioAssociatedDescription('label', 400, 400); // 'Aperio Image Library v12.0.15 \nlabel 400x400'
 * ```
 */
export function aperioAssociatedDescription(name: 'label' | 'macro', width: number, height: number): string {
  return `${APERIO_LIBRARY} \n${name} ${width}x${height}`;
}
