/**
 * What de-identification removes from a TIFF-family slide's metadata: identifying `key = value` pairs of Aperio
 * descriptions, identifying attributes and embedded label/macro images of Philips XML, and identifying TIFF tags.
 */

/**
 * Aperio description keys removed (compared case-insensitively).
 *
 * @example
 * ```ts
 * APERIO_IDENTIFYING_KEYS.includes('ScanScope ID'); // true
 * ```
 */
export const APERIO_IDENTIFYING_KEYS: readonly string[] = [
  'Filename',
  'Date',
  'Time',
  'Time Zone',
  'ScanScope ID',
  'User',
  'Title',
  'Barcode',
  'DSR ID',
  'ImageID',
  'Rack',
  'Slide',
  'SessonMode',
  'SessionMode',
  'Patient',
  'Case',
  'Accession',
  'OriginalFilename',
];

/**
 * Philips XML attributes removed.
 *
 * @example
 * ```ts
 * PHILIPS_IDENTIFYING_ATTRIBUTES.includes('PIM_DP_UFS_BARCODE'); // true
 * ```
 */
export const PHILIPS_IDENTIFYING_ATTRIBUTES: readonly string[] = [
  'PIM_DP_UFS_BARCODE',
  'PIM_DP_SOURCE_FILE',
  'DICOM_DERIVATION_DESCRIPTION',
  'DICOM_ACQUISITION_DATETIME',
  'DICOM_DATE_OF_LAST_CALIBRATION',
  'DICOM_TIME_OF_LAST_CALIBRATION',
  'DICOM_DEVICE_SERIAL_NUMBER',
  'PIIM_DP_SCANNER_RACK_NUMBER',
  'PIIM_DP_SCANNER_SLOT_NUMBER',
  'PIIM_DP_SCANNER_OPERATOR_ID',
  'PIM_DP_SCANNER_OPERATOR_ID',
];

/**
 * TIFF tags dropped from every kept directory: identifying text (DocumentName, PageName, DateTime, Artist,
 * HostComputer, ImageUniqueID), metadata blocks that may carry anything (XMP, IPTC, Photoshop), and pointer tags whose
 * targets are not copied (EXIF/GPS/Interoperability IFDs, SubIFDs, free lists).
 *
 * @example
 * ```ts
 * DROPPED_TAGS.has(306); // DateTime: true
 * ```
 */
export const DROPPED_TAGS: ReadonlySet<number> = new Set([
  269, 285, 306, 315, 316, 42016, 700, 33723, 34377, 34665, 34853, 40965, 330, 288, 289,
]);

const escapeRe = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Removes identifying fields from an ImageDescription: Aperio `|key = value` pairs, Philips XML attributes and
 * embedded `LABELIMAGE`/`MACROIMAGE` objects. Other descriptions come back unchanged. Returns the new text and the
 * names of what was removed.
 *
 * @example
 * ```ts
 * scrubDescription('Aperio Image Library v12\r\n1000x800 (256x256) JPEG/RGB Q=70|AppMag = 20|Filename = 123|Date = 01/02/25');
 * // { text: 'Aperio Image Library v12\r\n1000x800 (256x256) JPEG/RGB Q=70|AppMag = 20', removed: ['Filename', 'Date'] }
 * ```
 */
export function scrubDescription(desc: string): { text: string; removed: string[] } {
  const removed: string[] = [];
  if (desc.startsWith('Aperio')) {
    const parts = desc.split('|');
    const drop = new Set(APERIO_IDENTIFYING_KEYS.map((k) => k.toLowerCase()));
    const kept = [parts[0] as string];
    for (const p of parts.slice(1)) {
      const key = p.split('=')[0]?.trim() ?? '';
      if (drop.has(key.toLowerCase())) removed.push(key);
      else kept.push(p);
    }
    return { text: kept.join('|'), removed };
  }
  if (/<DataObject[^>]*ObjectType="DPUfsImport"/.test(desc)) {
    let text = desc;
    for (const name of PHILIPS_IDENTIFYING_ATTRIBUTES) {
      const re = new RegExp(
        `[ \\t]*<Attribute\\s[^>]*Name="${escapeRe(name)}"[^>]*?(?:/>|>[\\s\\S]*?</Attribute>)\\r?\\n?`,
        'g',
      );
      const next = text.replace(re, '');
      if (next !== text) removed.push(name);
      text = next;
    }
    // scanned images other than the WSI (label and macro photos, base64)
    const obj =
      /[ \t]*<DataObject ObjectType="DPScannedImage">(?:(?!<DataObject ObjectType="DPScannedImage">)[\s\S])*?<\/DataObject>\r?\n?/g;
    text = text.replace(obj, (m) => {
      const type = /Name="PIM_DP_IMAGE_TYPE"[^>]*>([^<]*)</.exec(m)?.[1];
      if (type === 'LABELIMAGE' || type === 'MACROIMAGE') {
        removed.push(type);
        return '';
      }
      return m;
    });
    return { text, removed };
  }
  return { text: desc, removed };
}
