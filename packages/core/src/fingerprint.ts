import { createHash } from 'node:crypto';
import type { ByteSource } from './bytes/byte-source.js';

/** Bytes hashed from each end of a source. */
const EDGE = 1 << 20;

/**
 * A cheap, stable identity for a slide file: SHA-256 over the size and the first and last MiB, so a multi-GB
 * slide (local or remote) is fingerprinted with at most 2 MiB of reads. Used as the key that decides whether a
 * finished output (coords, features) belongs to this slide, and stored as `slide_fingerprint` in every h5 file.
 *
 * @example
 * ```ts
 * const src = await openByteSource('slide.svs');
 * const fp = await fingerprintSource(src); // 'fp1:9f86d0…'
 * ```
 */
export async function fingerprintSource(source: ByteSource): Promise<string> {
  const size = await source.size();
  const h = createHash('sha256');
  h.update(`wsi-fingerprint-1:${size}:`);
  const headLen = Math.min(size, EDGE);
  if (headLen > 0) h.update(await source.read(0, headLen));
  const tailStart = Math.max(headLen, size - EDGE);
  if (size > tailStart) h.update(await source.read(tailStart, size - tailStart));
  return `fp1:${h.digest('hex')}`;
}

/**
 * Combines several fingerprints (the files of a DICOM series, a MIRAX folder) into one, order-independent.
 *
 * @example
 * ```ts
 * combineFingerprints(['fp1:aa…', 'fp1:bb…']);
 * ```
 */
export function combineFingerprints(parts: readonly string[]): string {
  const h = createHash('sha256');
  for (const p of [...parts].sort()) h.update(`${p}\n`);
  return `fp1:${h.digest('hex')}`;
}
