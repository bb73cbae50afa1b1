/**
 * The slide identity used in stage keys.
 */
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { combineFingerprints, fingerprintSource, openByteSource } from '@wsi/core';

/**
 * `fingerprintSource` of one file or URL (what coords and features files record as `slide_fingerprint`).
 *
 * @example
 * ```ts
 * await fileFingerprint('slides/a.svs'); // 'fp1:…'
 * ```
 */
export async function fileFingerprint(location: string): Promise<string> {
  const src = await openByteSource(location);
  try {
    return await fingerprintSource(src);
  } finally {
    await src.close();
  }
}

/**
 * The identity of a slide for stage keys: the file's fingerprint; for a MIRAX `.mrxs` also its companion folder's
 * `Slidedat.ini` and `Index.dat`; for a folder (a DICOM series) the fingerprints of its files combined.
 *
 * @throws WsiError `NotFound`/`Io` when the slide cannot be read.
 * @example
 * ```ts
 * const fp = await slideFingerprint('slides/a.mrxs');
 * ```
 */
export async function slideFingerprint(location: string): Promise<string> {
  if (/^[a-z+]+:\/\//i.test(location)) return fileFingerprint(location);
  const st = await stat(location).catch(() => undefined);
  if (st?.isDirectory()) {
    const files = (await readdir(location, { withFileTypes: true })).filter((e) => e.isFile()).map((e) => e.name);
    const parts = await Promise.all(files.sort().map((f) => fileFingerprint(join(location, f))));
    return combineFingerprints(parts);
  }
  const own = await fileFingerprint(location);
  if (!/\.mrxs$/i.test(location)) return own;
  const folder = location.slice(0, -'.mrxs'.length);
  const extra: string[] = [own];
  for (const f of ['Slidedat.ini', 'Index.dat']) {
    const p = join(folder, f);
    if (await stat(p).catch(() => undefined)) extra.push(`${f}:${await fileFingerprint(p)}`);
  }
  return combineFingerprints(extra);
}
