/**
 * DICOM WSI (VL Whole Slide Microscopy Image Storage): files, folders and DICOMweb.
 */

export { checkFrameInfo, decodeFrame, decodeJpegLs, decodeRle, type FrameInfo, TRANSFER_SYNTAXES } from './codecs.js';
export { DicomSlide, type DicomSlideInit } from './dicom-slide.js';
export {
  DicomWebInstance,
  type DicomWebOptions,
  type DicomWebSeries,
  firstPart,
  isDicomWebUrl,
  openDicomWebSeries,
  parseDicomWebUrl,
} from './dicomweb.js';
export { DICOM_DICTIONARY, type DicomKeyword, TAG as DICOM_TAG, WSI_SOP_CLASS } from './dictionary.js';
export { FileInstance, isDicomHeader, MAX_DICOM_HEADER_BYTES, openDicomFile } from './file-instance.js';
export type { DicomInstance } from './instance.js';
export {
  type DicomJson,
  type DicomJsonAttribute,
  dataSetToJson,
  dicomBinary,
  dicomNumber,
  dicomSequence,
  dicomString,
  dicomStrings,
} from './json.js';
export { dicomFormat, isDicomInput, type OpenDicomOptions, openDicomSlide } from './open-dicom.js';
export { addDicomProperties, dicomMpp, dicomSlideProperties } from './properties.js';
export {
  type DicomImagePlan,
  type DicomSeriesPlan,
  type FrameRef,
  frameInfo,
  opticalPaths,
  planSeries,
} from './series.js';
