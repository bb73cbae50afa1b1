/**
 * The DICOM attributes a whole-slide reader looks at or reports, keyed by tag (`GGGGEEEE`, upper-case hex), with
 * their keyword (PS3.6) and VR. Attributes not listed here are skipped when properties are listed, as OpenSlide skips
 * tags its dictionary does not know.
 */

const ENTRIES = [
  ['00020000', 'FileMetaInformationGroupLength', 'UL'],
  ['00020001', 'FileMetaInformationVersion', 'OB'],
  ['00020002', 'MediaStorageSOPClassUID', 'UI'],
  ['00020003', 'MediaStorageSOPInstanceUID', 'UI'],
  ['00020010', 'TransferSyntaxUID', 'UI'],
  ['00020012', 'ImplementationClassUID', 'UI'],
  ['00020013', 'ImplementationVersionName', 'SH'],
  ['00020016', 'SourceApplicationEntityTitle', 'AE'],
  ['00080005', 'SpecificCharacterSet', 'CS'],
  ['00080008', 'ImageType', 'CS'],
  ['00080012', 'InstanceCreationDate', 'DA'],
  ['00080013', 'InstanceCreationTime', 'TM'],
  ['00080016', 'SOPClassUID', 'UI'],
  ['00080018', 'SOPInstanceUID', 'UI'],
  ['00080019', 'PyramidUID', 'UI'],
  ['00080020', 'StudyDate', 'DA'],
  ['00080021', 'SeriesDate', 'DA'],
  ['00080022', 'AcquisitionDate', 'DA'],
  ['00080023', 'ContentDate', 'DA'],
  ['0008002A', 'AcquisitionDateTime', 'DT'],
  ['00080030', 'StudyTime', 'TM'],
  ['00080031', 'SeriesTime', 'TM'],
  ['00080032', 'AcquisitionTime', 'TM'],
  ['00080033', 'ContentTime', 'TM'],
  ['00080050', 'AccessionNumber', 'SH'],
  ['00080060', 'Modality', 'CS'],
  ['00080070', 'Manufacturer', 'LO'],
  ['00080080', 'InstitutionName', 'LO'],
  ['00080090', 'ReferringPhysicianName', 'PN'],
  ['00080100', 'CodeValue', 'SH'],
  ['00080102', 'CodingSchemeDesignator', 'SH'],
  ['00080103', 'CodingSchemeVersion', 'SH'],
  ['00080104', 'CodeMeaning', 'LO'],
  ['00081030', 'StudyDescription', 'LO'],
  ['0008103E', 'SeriesDescription', 'LO'],
  ['00081090', 'ManufacturerModelName', 'LO'],
  ['00082111', 'DerivationDescription', 'ST'],
  ['00089206', 'VolumetricProperties', 'CS'],
  ['00089207', 'VolumeBasedCalculationTechnique', 'CS'],
  ['00100010', 'PatientName', 'PN'],
  ['00100020', 'PatientID', 'LO'],
  ['00100030', 'PatientBirthDate', 'DA'],
  ['00100040', 'PatientSex', 'CS'],
  ['00181000', 'DeviceSerialNumber', 'LO'],
  ['00181020', 'SoftwareVersions', 'LO'],
  ['0020000D', 'StudyInstanceUID', 'UI'],
  ['0020000E', 'SeriesInstanceUID', 'UI'],
  ['00200010', 'StudyID', 'SH'],
  ['00200011', 'SeriesNumber', 'IS'],
  ['00200013', 'InstanceNumber', 'IS'],
  ['00200052', 'FrameOfReferenceUID', 'UI'],
  ['00201040', 'PositionReferenceIndicator', 'LO'],
  ['00200242', 'SOPInstanceUIDOfConcatenationSource', 'UI'],
  ['00209111', 'FrameContentSequence', 'SQ'],
  ['00209157', 'DimensionIndexValues', 'UL'],
  ['00209161', 'ConcatenationUID', 'UI'],
  ['00209162', 'InConcatenationNumber', 'US'],
  ['00209163', 'InConcatenationTotalNumber', 'US'],
  ['00209164', 'DimensionOrganizationUID', 'UI'],
  ['00209165', 'DimensionIndexPointer', 'AT'],
  ['00209167', 'FunctionalGroupPointer', 'AT'],
  ['00209221', 'DimensionOrganizationSequence', 'SQ'],
  ['00209222', 'DimensionIndexSequence', 'SQ'],
  ['00209228', 'ConcatenationFrameOffsetNumber', 'UL'],
  ['00209311', 'DimensionOrganizationType', 'CS'],
  ['00220016', 'IlluminationTypeCodeSequence', 'SQ'],
  ['00220019', 'LensesCodeSequence', 'SQ'],
  ['00280002', 'SamplesPerPixel', 'US'],
  ['00280004', 'PhotometricInterpretation', 'CS'],
  ['00280006', 'PlanarConfiguration', 'US'],
  ['00280008', 'NumberOfFrames', 'IS'],
  ['00280009', 'FrameIncrementPointer', 'AT'],
  ['00280010', 'Rows', 'US'],
  ['00280011', 'Columns', 'US'],
  ['00280030', 'PixelSpacing', 'DS'],
  ['00280100', 'BitsAllocated', 'US'],
  ['00280101', 'BitsStored', 'US'],
  ['00280102', 'HighBit', 'US'],
  ['00280103', 'PixelRepresentation', 'US'],
  ['00280301', 'BurnedInAnnotation', 'CS'],
  ['00282110', 'LossyImageCompression', 'CS'],
  ['00282112', 'LossyImageCompressionRatio', 'DS'],
  ['00282114', 'LossyImageCompressionMethod', 'CS'],
  ['00282000', 'ICCProfile', 'OB'],
  ['00286010', 'RepresentativeFrameNumber', 'US'],
  ['00289110', 'PixelMeasuresSequence', 'SQ'],
  ['00180050', 'SliceThickness', 'DS'],
  ['00400512', 'ContainerIdentifier', 'LO'],
  ['00400551', 'SpecimenIdentifier', 'LO'],
  ['00400554', 'SpecimenUID', 'UI'],
  ['00400560', 'SpecimenDescriptionSequence', 'SQ'],
  ['0040072A', 'XOffsetInSlideCoordinateSystem', 'DS'],
  ['0040073A', 'YOffsetInSlideCoordinateSystem', 'DS'],
  ['0040074A', 'ZOffsetInSlideCoordinateSystem', 'DS'],
  ['00480001', 'ImagedVolumeWidth', 'FL'],
  ['00480002', 'ImagedVolumeHeight', 'FL'],
  ['00480003', 'ImagedVolumeDepth', 'FL'],
  ['00480006', 'TotalPixelMatrixColumns', 'UL'],
  ['00480007', 'TotalPixelMatrixRows', 'UL'],
  ['00480008', 'TotalPixelMatrixOriginSequence', 'SQ'],
  ['00480010', 'SpecimenLabelInImage', 'CS'],
  ['00480011', 'FocusMethod', 'CS'],
  ['00480012', 'ExtendedDepthOfField', 'CS'],
  ['00480013', 'NumberOfFocalPlanes', 'US'],
  ['00480014', 'DistanceBetweenFocalPlanes', 'FL'],
  ['00480015', 'RecommendedAbsentPixelCIELabValue', 'US'],
  ['00480100', 'IlluminatorTypeCodeSequence', 'SQ'],
  ['00480102', 'ImageOrientationSlide', 'DS'],
  ['00480105', 'OpticalPathSequence', 'SQ'],
  ['00480106', 'OpticalPathIdentifier', 'SH'],
  ['00480107', 'OpticalPathDescription', 'ST'],
  ['00480108', 'IlluminationColorCodeSequence', 'SQ'],
  ['00480110', 'SpecimenReferenceSequence', 'SQ'],
  ['00480111', 'CondenserLensPower', 'DS'],
  ['00480112', 'ObjectiveLensPower', 'DS'],
  ['00480113', 'ObjectiveLensNumericalAperture', 'DS'],
  ['00480207', 'OpticalPathIdentificationSequence', 'SQ'],
  ['0048021A', 'PlanePositionSlideSequence', 'SQ'],
  ['0048021E', 'ColumnPositionInTotalImagePixelMatrix', 'SL'],
  ['0048021F', 'RowPositionInTotalImagePixelMatrix', 'SL'],
  ['00480301', 'PixelOriginInterpretation', 'CS'],
  ['00480302', 'NumberOfOpticalPaths', 'UL'],
  ['00480303', 'TotalPixelMatrixFocalPlanes', 'UL'],
  ['52009229', 'SharedFunctionalGroupsSequence', 'SQ'],
  ['52009230', 'PerFrameFunctionalGroupsSequence', 'SQ'],
  ['7FE00001', 'ExtendedOffsetTable', 'OV'],
  ['7FE00002', 'ExtendedOffsetTableLengths', 'OV'],
  ['7FE00010', 'PixelData', 'OB'],
] as const;

/**
 * A keyword of {@link DICOM_DICTIONARY}.
 *
 * @example
 * ```ts
 * const k: DicomKeyword = 'TotalPixelMatrixColumns';
 * ```
 */
export type DicomKeyword = (typeof ENTRIES)[number][1];

/**
 * Tag (`GGGGEEEE`) → keyword and VR.
 *
 * @example
 * ```ts
 * DICOM_DICTIONARY.get('00280010'); // { keyword: 'Rows', vr: 'US' }
 * ```
 */
export const DICOM_DICTIONARY: ReadonlyMap<string, { keyword: string; vr: string }> = new Map(
  ENTRIES.map(([tag, keyword, vr]) => [tag, { keyword, vr }]),
);

/**
 * Keyword → tag, for readable code.
 *
 * @example
 * ```ts
 * TAG.Rows; // '00280010'
 * ```
 */
export const TAG = Object.freeze(Object.fromEntries(ENTRIES.map(([tag, keyword]) => [keyword, tag]))) as Readonly<
  Record<DicomKeyword, string>
>;

/**
 * The SOP class of VL Whole Slide Microscopy Image Storage.
 *
 * @example
 * ```ts
 * if (sopClass === WSI_SOP_CLASS) console.log('a WSI instance');
 * ```
 */
export const WSI_SOP_CLASS = '1.2.840.10008.5.1.4.1.1.77.1.6';
