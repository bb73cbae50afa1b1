/**
 * Slidedat.ini → the facts OpenSlide reads from it: GENERAL (slide id, image grid, camera divisions, objective),
 * HIERARCHICAL (`Slide zoom level` sections, non-hierarchical record numbers of the position buffer and of the
 * label / macro / thumbnail JPEGs), DATAFILE (the Data files).
 */
import { WsiError } from '@wsi/core';
import { IniReader, parseIni } from './ini.js';

/** Slidedat.ini's file name (case as scanners write it). */
export const SLIDEDAT = 'Slidedat.ini';

/** One `Slide zoom level` section. */
export interface ZoomLevelSection {
  concatExponent: number;
  overlapX: number;
  overlapY: number;
  mppX: number;
  mppY: number;
  /** IMAGE_FILL_COLOR_BGR converted to 0xRRGGBB. */
  fillRgb: number;
  format: 'JPEG' | 'PNG' | 'BMP';
  imageWidth: number;
  imageHeight: number;
}

/**
 * Everything the reader needs from Slidedat.ini.
 *
 * @example
 * ```ts
 * const s: Slidedat = parseSlidedat(text);
 * console.log(s.slideId, s.imagesX, s.imagesY, s.divisions, s.levels[0]?.format);
 * ```
 */
export interface Slidedat {
  reader: IniReader;
  slideId: string;
  imagesX: number;
  imagesY: number;
  divisions: number;
  objectiveMagnification: number;
  indexFile: string;
  dataFiles: string[];
  levels: ZoomLevelSection[];
  /** Non-hierarchical record numbers (-1 when absent). */
  positionRecord: number;
  positionCompressed: boolean;
  associated: { name: 'macro' | 'label' | 'thumbnail'; record: number }[];
}

const G = 'GENERAL';
const H = 'HIERARCHICAL';
/** Generous caps so that headers cannot drive huge allocations. */
const MAX_IMAGES = 1 << 20;
const MAX_IMAGE_SIDE = 1 << 14;

function positive(file: string, name: string, v: number, allowZero = false): number {
  if (allowZero ? v < 0 : v <= 0)
    throw new WsiError('CorruptFile', `${file}: ${name} ${allowZero ? '< 0' : '<= 0'}: ${v}`);
  return v;
}

function imageFormat(file: string, v: string): 'JPEG' | 'PNG' | 'BMP' {
  if (v === 'JPEG' || v === 'PNG') return v;
  if (v === 'BMP24') return 'BMP';
  throw new WsiError('UnsupportedFormat', `${file}: unrecognized image format ${v}`);
}

/**
 * Parses Slidedat.ini text. A missing group or key, or a value OpenSlide rejects → `CorruptFile` naming
 * Slidedat.ini and the key.
 *
 * @example
 * ```ts
 * const s = parseSlidedat(await readFile('slide/Slidedat.ini', 'utf8'));
 * console.log(s.imagesX, s.levels.length);
 * ```
 */
export function parseSlidedat(text: string): Slidedat {
  const r = new IniReader(parseIni(text, SLIDEDAT), SLIDEDAT);
  const f = SLIDEDAT;
  r.value(G, 'SLIDE_VERSION');
  const slideId = r.value(G, 'SLIDE_ID');
  const imagesX = positive(f, 'IMAGENUMBER_X', r.int(G, 'IMAGENUMBER_X'));
  const imagesY = positive(f, 'IMAGENUMBER_Y', r.int(G, 'IMAGENUMBER_Y'));
  if (imagesX * imagesY > MAX_IMAGES)
    throw new WsiError('CorruptFile', `${f}: ${imagesX}×${imagesY} images is more than supported`);
  const objectiveMagnification = r.int(G, 'OBJECTIVE_MAGNIFICATION');
  let divisions = 1;
  try {
    divisions = r.int(G, 'CameraImageDivisionsPerSide');
  } catch {
    divisions = 1;
  }
  positive(f, 'CameraImageDivisionsPerSide', divisions);
  const hierCount = positive(f, 'HIER_COUNT', r.int(H, 'HIER_COUNT'));
  const nonhierCount = positive(f, 'NONHIER_COUNT', r.int(H, 'NONHIER_COUNT'), true);
  let zoom = -1;
  for (let i = 0; i < hierCount; i++) {
    if (r.value(H, `HIER_${i}_NAME`) === 'Slide zoom level') {
      zoom = i;
      break;
    }
  }
  if (zoom < 0) throw new WsiError('CorruptFile', `${f}: can't find slide zoom level`);
  if (zoom !== 0) throw new WsiError('UnsupportedFormat', `${f}: slide zoom level not HIER_0`);
  const indexFile = r.value(H, 'INDEXFILE');
  const zoomLevels = positive(f, 'HIER_0_COUNT', r.int(H, 'HIER_0_COUNT'));
  if (zoomLevels > 32) throw new WsiError('CorruptFile', `${f}: ${zoomLevels} zoom levels`);
  const sections = Array.from({ length: zoomLevels }, (_, i) => r.value(H, `HIER_0_VAL_${i}_SECTION`));
  const fileCount = positive(f, 'FILE_COUNT', r.int('DATAFILE', 'FILE_COUNT'));
  if (fileCount > 1 << 16) throw new WsiError('CorruptFile', `${f}: FILE_COUNT ${fileCount}`);
  const dataFiles = Array.from({ length: fileCount }, (_, i) => r.value('DATAFILE', `FILE_${i}`));
  const levels = sections.map((group, i): ZoomLevelSection => {
    r.group(group);
    const concatExponent = r.int(group, 'IMAGE_CONCAT_FACTOR');
    const s: ZoomLevelSection = {
      concatExponent,
      overlapX: r.double(group, 'OVERLAP_X'),
      overlapY: r.double(group, 'OVERLAP_Y'),
      mppX: r.double(group, 'MICROMETER_PER_PIXEL_X'),
      mppY: r.double(group, 'MICROMETER_PER_PIXEL_Y'),
      fillRgb: 0,
      format: 'JPEG',
      imageWidth: r.int(group, 'DIGITIZER_WIDTH'),
      imageHeight: r.int(group, 'DIGITIZER_HEIGHT'),
    };
    const bgr = r.int(group, 'IMAGE_FILL_COLOR_BGR');
    positive(f, `${group} IMAGE_CONCAT_FACTOR`, concatExponent, i === 0);
    if (concatExponent > 16) throw new WsiError('CorruptFile', `${f}: ${group} IMAGE_CONCAT_FACTOR ${concatExponent}`);
    for (const side of [s.imageWidth, s.imageHeight]) {
      positive(f, `${group} DIGITIZER size`, side);
      if (side > MAX_IMAGE_SIDE) throw new WsiError('CorruptFile', `${f}: ${group} DIGITIZER size ${side}`);
    }
    s.fillRgb = ((bgr << 16) & 0xff0000) | (bgr & 0xff00) | ((bgr >> 16) & 0xff);
    s.format = imageFormat(f, r.value(group, 'IMAGE_FORMAT'));
    return s;
  });
  // non-hierarchical records: offset = counts of the names before + value index
  const names: { name: string; count: number; offset: number; index: number }[] = [];
  let offset = 0;
  for (let i = 0; i < nonhierCount; i++) {
    const name = r.value(H, `NONHIER_${i}_NAME`);
    const count = r.int(H, `NONHIER_${i}_COUNT`);
    if (count === 0) throw new WsiError('CorruptFile', `${f}: nonhier val count is zero`);
    names.push({ name, count, offset, index: i });
    offset += count;
  }
  const nameOffset = (n: string) => names.find((x) => x.name === n);
  const vim = nameOffset('VIMSLIDE_POSITION_BUFFER');
  const stitch = vim ? undefined : nameOffset('StitchingIntensityLayer');
  const scan = nameOffset('Scan data layer');
  const associated: Slidedat['associated'] = [];
  const assocDefs: ['macro' | 'label' | 'thumbnail', string, string][] = [
    ['macro', 'ScanDataLayer_SlideThumbnail', 'THUMBNAIL_IMAGE_TYPE'],
    ['label', 'ScanDataLayer_SlideBarcode', 'BARCODE_IMAGE_TYPE'],
    ['thumbnail', 'ScanDataLayer_SlidePreview', 'PREVIEW_IMAGE_TYPE'],
  ];
  if (scan) {
    for (const [name, value, formatKey] of assocDefs) {
      for (let v = 0; v < scan.count; v++) {
        if (r.value(H, `NONHIER_${scan.index}_VAL_${v}`) !== value) continue;
        const section = r.value(H, `NONHIER_${scan.index}_VAL_${v}_SECTION`);
        const fmt = r.value(section, formatKey);
        if (imageFormat(f, fmt) !== 'JPEG')
          throw new WsiError('UnsupportedFormat', `${f}: unsupported associated image format ${fmt}`);
        associated.push({ name, record: scan.offset + v });
        break;
      }
    }
  }
  const pos = vim ?? stitch;
  return {
    reader: r,
    slideId,
    imagesX,
    imagesY,
    divisions,
    objectiveMagnification,
    indexFile,
    dataFiles,
    levels,
    positionRecord: pos ? pos.offset : -1,
    positionCompressed: !vim && !!stitch,
    associated,
  };
}
