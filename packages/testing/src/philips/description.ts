/**
 * Philips TIFF's ImageDescription: a `DataObject` of type `DPUfsImport` (PMS/UFS XML), holding the scanned images
 * (`DPScannedImage` objects: the `WSI` with its pixel spacing in millimetres and one `PixelDataRepresentation` per
 * pyramid level, and optionally `LABELIMAGE` / `MACROIMAGE` with base64 JPEG data).
 */

/**
 * One pyramid level as the XML describes it (stored, tile-padded size).
 *
 * @example
 * ```ts
 * const l: PhilipsLevelInfo = { width: 2048, height: 2048, spacingMm: [0.00025, 0.00025] };
 * ```
 */
export interface PhilipsLevelInfo {
  width: number;
  height: number;
  /** Pixel spacing of this level in millimetres (row, column). */
  spacingMm: readonly [number, number];
}

/**
 * What {@link philipsDescription} writes.
 *
 * @example
 * ```ts
 * const meta: PhilipsMetadata = { imageWidth: 4096, imageHeight: 3072, spacingMm: [0.00025, 0.00025], levels: [] };
 * ```
 */
export interface PhilipsMetadata {
  /** PIM_DP_IMAGE_COLUMNS / ROWS: the scanned size of level 0 (the stored levels may be padded beyond it). */
  imageWidth: number;
  imageHeight: number;
  /** DICOM_PIXEL_SPACING of the WSI in millimetres (row spacing, column spacing); null leaves it out. */
  spacingMm: readonly [number, number] | null;
  levels: readonly PhilipsLevelInfo[];
  /** Associated images embedded in the XML as base64 JPEG (Philips' own way). */
  embedded?: { label?: Uint8Array; macro?: Uint8Array };
  barcode?: string;
  manufacturer?: string;
  sourceFile?: string;
}

const esc = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const g = (n: number): string => String(Number(n.toPrecision(6)));

function attr(indent: number, name: string, group: string, element: string, vr: string, value: string): string {
  return `${'\t'.repeat(indent)}<Attribute Name="${name}" Group="${group}" Element="${element}" PMSVR="${vr}">${value}</Attribute>`;
}

function doubles(values: readonly number[]): string {
  return values.map((v) => `&quot;${g(v)}&quot;`).join(' ');
}

function scannedImage(indent: number, type: string, body: string[]): string[] {
  const t = '\t'.repeat(indent);
  return [
    `${t}<DataObject ObjectType="DPScannedImage">`,
    attr(indent + 1, 'PIM_DP_IMAGE_TYPE', '0x301D', '0x1004', 'IString', type),
    ...body,
    `${t}</DataObject>`,
  ];
}

/**
 * The XML ImageDescription of page 0 of a Philips TIFF.
 *
 * @example
 * ```ts
 * const xml = philipsDescription({ imageWidth: 1900, imageHeight: 1500, spacingMm: [0.00025, 0.00025],
 *   levels: [{ width: 2048, height: 2048, spacingMm: [0.00025, 0.00025] }] });
 * ```
 */
export function philipsDescription(meta: PhilipsMetadata): string {
  const wsi: string[] = [
    attr(4, 'UFS_IMAGE_PIXEL_TRANSFORMATION_METHOD', '0x301D', '0x2013', 'IString', '0'),
    attr(4, 'DICOM_BITS_ALLOCATED', '0x0028', '0x0100', 'IUInt16', '8'),
    attr(4, 'DICOM_BITS_STORED', '0x0028', '0x0101', 'IUInt16', '8'),
    attr(
      4,
      'DICOM_DERIVATION_DESCRIPTION',
      '0x0008',
      '0x2111',
      'IString',
      esc('tiff-useBigTIFF=0-useRgb=0-processing=0-q80-sourceFilename="synthetic"'),
    ),
    attr(4, 'DICOM_HIGH_BIT', '0x0028', '0x0102', 'IUInt16', '7'),
    attr(4, 'DICOM_LOSSY_IMAGE_COMPRESSION', '0x0028', '0x2110', 'IString', '01'),
    attr(4, 'DICOM_LOSSY_IMAGE_COMPRESSION_METHOD', '0x0028', '0x2114', 'IStringArray', '&quot;PHILIPS_TIFF_1_0&quot;'),
    attr(4, 'DICOM_PHOTOMETRIC_INTERPRETATION', '0x0028', '0x0004', 'IString', 'RGB'),
    attr(4, 'DICOM_PIXEL_REPRESENTATION', '0x0028', '0x0103', 'IUInt16', '0'),
  ];
  if (meta.spacingMm)
    wsi.push(attr(4, 'DICOM_PIXEL_SPACING', '0x0028', '0x0030', 'IDoubleArray', doubles(meta.spacingMm)));
  wsi.push(
    attr(4, 'DICOM_PLANAR_CONFIGURATION', '0x0028', '0x0006', 'IUInt16', '0'),
    attr(4, 'DICOM_SAMPLES_PER_PIXEL', '0x0028', '0x0002', 'IUInt16', '3'),
    attr(4, 'PIIM_PIXEL_DATA_REPRESENTATION_SEQUENCE', '0x1001', '0x8B01', 'IDataObjectArray', '').replace(
      '</Attribute>',
      '',
    ),
    '\t\t\t\t\t<Array>',
  );
  meta.levels.forEach((l, i) => {
    wsi.push(
      '\t\t\t\t\t\t<DataObject ObjectType="PixelDataRepresentation">',
      attr(7, 'DICOM_PIXEL_SPACING', '0x0028', '0x0030', 'IDoubleArray', doubles(l.spacingMm)),
      attr(7, 'PIIM_DP_PIXEL_DATA_REPRESENTATION_POSITION', '0x101D', '0x100B', 'IDoubleArray', doubles([0, 0, 0])),
      attr(7, 'PIIM_PIXEL_DATA_REPRESENTATION_COLUMNS', '0x2001', '0x115E', 'IUInt32', String(l.width)),
      attr(7, 'PIIM_PIXEL_DATA_REPRESENTATION_NUMBER', '0x1001', '0x8B02', 'IUInt16', String(i)),
      attr(7, 'PIIM_PIXEL_DATA_REPRESENTATION_ROWS', '0x2001', '0x115D', 'IUInt32', String(l.height)),
      '\t\t\t\t\t\t</DataObject>',
    );
  });
  wsi.push(
    '\t\t\t\t\t</Array>',
    '\t\t\t\t</Attribute>',
    attr(4, 'PIM_DP_IMAGE_COLUMNS', '0x301D', '0x1007', 'IUInt32', String(meta.imageWidth)),
    attr(4, 'PIM_DP_IMAGE_ROWS', '0x301D', '0x1006', 'IUInt32', String(meta.imageHeight)),
    attr(4, 'PIM_DP_SOURCE_FILE', '0x301D', '0x1000', 'IString', esc(meta.sourceFile ?? '%FILENAME%')),
  );
  const images = [...scannedImage(3, 'WSI', wsi)];
  for (const [type, data] of [
    ['LABELIMAGE', meta.embedded?.label],
    ['MACROIMAGE', meta.embedded?.macro],
  ] as const) {
    if (data)
      images.push(
        ...scannedImage(3, type, [
          attr(4, 'PIM_DP_IMAGE_DATA', '0x301D', '0x1005', 'IString', Buffer.from(data).toString('base64')),
        ]),
      );
  }
  return [
    '<?xml version="1.0" encoding="UTF-8" ?>',
    '<DataObject ObjectType="DPUfsImport">',
    attr(1, 'DICOM_MANUFACTURER', '0x0008', '0x0070', 'IString', esc(meta.manufacturer ?? 'WSI-TESTING')),
    attr(1, 'PIM_DP_SCANNED_IMAGES', '0x301D', '0x1003', 'IDataObjectArray', '').replace('</Attribute>', ''),
    '\t\t<Array>',
    ...images,
    '\t\t</Array>',
    '\t</Attribute>',
    attr(
      1,
      'PIM_DP_UFS_BARCODE',
      '0x301D',
      '0x1002',
      'IString',
      Buffer.from(meta.barcode ?? 'TEST-0001').toString('base64'),
    ),
    attr(1, 'PIM_DP_UFS_INTERFACE_VERSION', '0x301D', '0x1001', 'IString', '3.0'),
    attr(1, 'DICOM_SOFTWARE_VERSIONS', '0x0018', '0x1020', 'IStringArray', '&quot;4.0.3&quot;'),
    '</DataObject>',
    '',
  ].join('\n');
}
