/**
 * Provenance attributes written on the root group of every file `@wsi` produces.
 */
import { WSI_VERSION } from '@wsi/core';
import type { Group } from 'h5wasm/node';
import { readAttr, writeAttrs } from './attrs.js';

/**
 * Who made a file and how: stored as `wsi_version`, `wsi_params`, `slide_fingerprint`, `wsi_created`.
 *
 * @example
 * ```ts
 * const prov: Provenance = { params: { patchSize: 256 }, slideFingerprint: fp };
 * ```
 */
export interface Provenance {
  /** The parameters of the run (stored as a JSON string in `wsi_params`). */
  params?: Record<string, unknown>;
  /** `fingerprintSource` of the slide, or empty when unknown. */
  slideFingerprint?: string;
  /** Creation time; defaults to now. */
  created?: Date;
}

/**
 * Provenance as read back from a file (fields absent when the file was not written by `@wsi`).
 *
 * @example
 * ```ts
 * const { wsiVersion }: StoredProvenance = (await readCoordsFile(p)).provenance;
 * ```
 */
export interface StoredProvenance {
  wsiVersion?: string;
  params?: Record<string, unknown>;
  slideFingerprint?: string;
  created?: string;
}

/**
 * Writes the provenance attributes on a group (normally the root `/`).
 *
 * @example
 * ```ts
 * writeProvenance(file, { params: { patchSize: 256 }, slideFingerprint: 'sha256:…' });
 * ```
 */
export function writeProvenance(root: Group, prov: Provenance = {}): void {
  writeAttrs(root, {
    wsi_version: WSI_VERSION,
    wsi_params: JSON.stringify(prov.params ?? {}),
    slide_fingerprint: prov.slideFingerprint ?? '',
    wsi_created: (prov.created ?? new Date()).toISOString(),
  });
}

/**
 * Reads the provenance attributes of a group; fields are absent when missing (files from CLAM or Trident).
 *
 * @example
 * ```ts
 * const { wsiVersion, params } = readProvenance(file);
 * ```
 */
export function readProvenance(root: Group): StoredProvenance {
  const out: StoredProvenance = {};
  const version = readAttr(root, 'wsi_version');
  if (typeof version === 'string') out.wsiVersion = version;
  const params = readAttr(root, 'wsi_params');
  if (typeof params === 'string') {
    try {
      const parsed: unknown = JSON.parse(params);
      if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) {
        out.params = parsed as Record<string, unknown>;
      }
    } catch {
      // not JSON: leave params out
    }
  }
  const fp = readAttr(root, 'slide_fingerprint');
  if (typeof fp === 'string') out.slideFingerprint = fp;
  const created = readAttr(root, 'wsi_created');
  if (typeof created === 'string') out.created = created;
  return out;
}
