/**
 * One DICOM instance as the slide sees it — metadata in the DICOM JSON model and frames read on demand — whether
 * it comes from a Part 10 file or a DICOMweb server.
 */
import type { DicomJson } from './json.js';

/**
 * A DICOM WSI instance: attributes plus lazy access to its encoded frames.
 *
 * @example
 * ```ts
 * const inst: DicomInstance = await openDicomFile(source);
 * const bytes = await inst.readFrame(0); // the first frame's encoded bytes
 * ```
 */
export interface DicomInstance {
  /** The data set (without Pixel Data). */
  readonly meta: DicomJson;
  /** File Meta Information (group 0002), for files; empty for DICOMweb. */
  readonly fileMeta: DicomJson;
  readonly transferSyntax: string;
  /** File path or URL, for error messages. */
  readonly description: string;
  /** The encoded bytes of frame `index` (0-based) — a JPEG stream, a JPEG 2000 codestream, raw samples… */
  readFrame(index: number, signal?: AbortSignal): Promise<Uint8Array>;
  close(): Promise<void>;
}
