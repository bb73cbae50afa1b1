/**
 * Slidedat.ini of a generated MIRAX slide: GENERAL, HIERARCHICAL (the `Slide zoom level` hierarchy and the
 * non-hierarchical `Scan data layer` and position-buffer layers), DATAFILE and one section per zoom level.
 */
import type { MiraxGeometry } from './layout.js';

/**
 * What {@link slidedatText} needs.
 *
 * @example
 * ```ts
 * const info: SlidedatInfo = { slideId: 'x', geometry: g, format: 'PNG', dataFiles: ['Data0000.dat'], mpp: 0.25,
 *   objectiveMagnification: 20, associated: false };
 * ```
 */
export interface SlidedatInfo {
  slideId: string;
  geometry: MiraxGeometry;
  format: 'JPEG' | 'PNG' | 'BMP';
  dataFiles: readonly string[];
  mpp: number;
  objectiveMagnification: number;
  associated: boolean;
}

/**
 * The Slidedat.ini text (CRLF line ends and a UTF-8 BOM, as scanners write it).
 *
 * @example
 * ```ts
 * const ini = slidedatText({ slideId: 'x', geometry, format: 'JPEG', dataFiles: ['Data0000.dat'], mpp: 0.25,
 *   objectiveMagnification: 20, associated: true });
 * ```
 */
export function slidedatText(s: SlidedatInfo): string {
  const g = s.geometry;
  const lines: string[] = [];
  const section = (name: string, entries: Record<string, string | number>) => {
    lines.push(`[${name}]`);
    for (const [k, v] of Object.entries(entries)) lines.push(`${k} = ${v}`);
    lines.push('');
  };
  section('GENERAL', {
    SLIDE_VERSION: '01.03',
    SLIDE_ID: s.slideId,
    SLIDE_NAME: 'generated',
    SLIDE_CREATIONDATETIME: '20260101120000',
    IMAGENUMBER_X: g.imagesX,
    IMAGENUMBER_Y: g.imagesY,
    OBJECTIVE_MAGNIFICATION: s.objectiveMagnification,
    CameraImageDivisionsPerSide: g.divisions,
    CURRENT_SLIDE_VERSION: '1.9',
  });
  const hier: Record<string, string | number> = {
    HIER_COUNT: 1,
    NONHIER_COUNT: 0,
    INDEXFILE: 'Index.dat',
    HIER_0_NAME: 'Slide zoom level',
    HIER_0_COUNT: g.levels,
  };
  for (let k = 0; k < g.levels; k++) {
    hier[`HIER_0_VAL_${k}`] = `ZoomLevel_${k}`;
    hier[`HIER_0_VAL_${k}_SECTION`] = `LAYER_0_LEVEL_${k}_SECTION`;
  }
  const nonhierSections: [string, Record<string, string | number>][] = [];
  let n = 0;
  if (s.associated) {
    hier[`NONHIER_${n}_NAME`] = 'Scan data layer';
    hier[`NONHIER_${n}_COUNT`] = 3;
    const vals: [string, string][] = [
      ['ScanDataLayer_SlidePreview', 'PREVIEW_IMAGE_TYPE'],
      ['ScanDataLayer_SlideThumbnail', 'THUMBNAIL_IMAGE_TYPE'],
      ['ScanDataLayer_SlideBarcode', 'BARCODE_IMAGE_TYPE'],
    ];
    vals.forEach(([v, key], i) => {
      hier[`NONHIER_${n}_VAL_${i}`] = v;
      hier[`NONHIER_${n}_VAL_${i}_SECTION`] = `NONHIERLAYER_${n}_LEVEL_${i}_SECTION`;
      nonhierSections.push([`NONHIERLAYER_${n}_LEVEL_${i}_SECTION`, { [key]: 'JPEG' }]);
    });
    n++;
  }
  if (g.positions !== 'none') {
    const compressed = g.positions === 'compressed';
    hier[`NONHIER_${n}_NAME`] = compressed ? 'StitchingIntensityLayer' : 'VIMSLIDE_POSITION_BUFFER';
    hier[`NONHIER_${n}_COUNT`] = 1;
    hier[`NONHIER_${n}_VAL_0`] = compressed ? 'StitchingIntensityLevel' : 'default';
    hier[`NONHIER_${n}_VAL_0_SECTION`] = `NONHIERLAYER_${n}_LEVEL_0_SECTION`;
    nonhierSections.push([`NONHIERLAYER_${n}_SECTION`, { VIMSLIDE_POSITION_DATA_FORMAT_VERSION: 257 }]);
    nonhierSections.push([`NONHIERLAYER_${n}_LEVEL_0_SECTION`, { COMPRESSED: compressed ? 1 : 0 }]);
    n++;
  }
  hier.NONHIER_COUNT = n;
  section('HIERARCHICAL', hier);
  const files: Record<string, string | number> = { FILE_COUNT: s.dataFiles.length };
  for (const [i, f] of s.dataFiles.entries()) files[`FILE_${i}`] = f;
  section('DATAFILE', files);
  for (let k = 0; k < g.levels; k++) {
    const c = 1 << k;
    section(`LAYER_0_LEVEL_${k}_SECTION`, {
      OVERLAP_X: g.overlapX / c,
      OVERLAP_Y: g.overlapY / c,
      MICROMETER_PER_PIXEL_X: s.mpp * c,
      MICROMETER_PER_PIXEL_Y: s.mpp * c,
      IMAGE_FORMAT: s.format === 'BMP' ? 'BMP24' : s.format,
      IMAGE_QUALITY: 90,
      IMAGE_FILL_COLOR_BGR: 16777215,
      DIGITIZER_WIDTH: g.imageWidth,
      DIGITIZER_HEIGHT: g.imageHeight,
      IMAGE_CONCAT_FACTOR: k === 0 ? 0 : 1,
    });
  }
  for (const [name, entries] of nonhierSections) section(name, entries);
  return `\ufeff${lines.join('\r\n')}`;
}
