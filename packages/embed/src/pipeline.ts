/**
 * `embedSlide`: coords file + slide → features file(s), checked up front, resumable, atomic.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { PatchGridMeta, Slide } from '@wsi/core';
import { fingerprintSource, openByteSource, WsiError } from '@wsi/core';
import { type CoordsFile, FeaturesWriter, type H5Layout, readCoordsFile, readFeaturesFile } from '@wsi/h5';
import { openSlide } from '@wsi/reader';
import { type BatchRunOptions, runBatches } from './batches.js';
import type { Encoder } from './encoder.js';
import { TorchTensorWriter } from './torch-pt.js';

/**
 * Options of {@link embedSlide}.
 *
 * @example
 * ```ts
 * const o: EmbedOptions = { coords: 'out/patches/s1.h5', outDir: 'out', encoder: enc, batchSize: 32 };
 * ```
 */
export interface EmbedOptions extends BatchRunOptions {
  /** Coords file (`patches/<name>.h5`). */
  coords: string;
  /** Output folder DIR. */
  outDir: string;
  encoder: Encoder;
  /** `wsi` (default), `trident` or `clam`. */
  layout?: H5Layout;
  /** Redo even when a finished file with the same key exists. */
  force?: boolean;
}

/**
 * What {@link embedSlide} did.
 *
 * @example
 * ```ts
 * const { path, count, skipped } = await embedSlide('s1.svs', opts);
 * ```
 */
export interface EmbedResult {
  /** The features h5. */
  path: string;
  /** The `.pt` file (`clam` layout). */
  ptPath?: string;
  count: number;
  dim: number;
  /** True when a finished file with the same key was found and kept. */
  skipped: boolean;
  seconds: number;
}

/**
 * Where the features go: `DIR/features_<enc>/<name>.h5` (`wsi`), Trident's
 * `DIR/<mag>x_<ps>px_<ov>px_overlap/features_<enc>/<name>.h5`, or CLAM's `DIR/h5_files/<name>.h5` (+ `pt_files`).
 *
 * @throws WsiError `InvalidArgument` for `trident` when the target magnification is unknown.
 * @example
 * ```ts
 * featuresPath('out', 'resnet50', meta, 'wsi'); // 'out/features_resnet50/<name>.h5'
 * ```
 */
export function featuresPath(
  outDir: string,
  encoderId: string,
  meta: PatchGridMeta,
  layout: H5Layout,
): { h5: string; pt?: string } {
  if (layout === 'clam')
    return { h5: join(outDir, 'h5_files', `${meta.name}.h5`), pt: join(outDir, 'pt_files', `${meta.name}.pt`) };
  if (layout === 'trident') {
    if (meta.targetMagnification === undefined) {
      throw new WsiError(
        'InvalidArgument',
        `--layout trident needs the target magnification, which the coords file of ${meta.name} does not record`,
      );
    }
    const job = `${meta.targetMagnification}x_${meta.targetPatchSize ?? meta.patchSize}px_${meta.overlap}px_overlap`;
    return { h5: join(outDir, job, `features_${encoderId}`, `${meta.name}.h5`) };
  }
  return { h5: join(outDir, `features_${encoderId}`, `${meta.name}.h5`) };
}

/**
 * Checks that a coords file belongs to a slide: same fingerprint when the coords file records one, same level-0
 * size when it records one, a valid patch level, corners inside the slide.
 *
 * @throws WsiError `InvalidArgument` naming the mismatch.
 * @example
 * ```ts
 * checkCoordsMatchSlide(await readCoordsFile(p), slide, fp);
 * ```
 */
export function checkCoordsMatchSlide(coords: CoordsFile, slide: Slide, fingerprint: string): void {
  const { meta } = coords;
  const fp = coords.provenance.slideFingerprint;
  if (fp !== undefined && fp !== '' && fp !== fingerprint) {
    throw new WsiError(
      'InvalidArgument',
      `coords file of '${meta.name}' was made from another slide (fingerprint ${fp} ≠ ${fingerprint})`,
    );
  }
  const l0 = slide.levels[0];
  if (l0 === undefined) throw new WsiError('CorruptFile', 'slide has no levels');
  const [w, h] = meta.levelDim;
  if ((w !== 0 || h !== 0) && (w !== l0.width || h !== l0.height)) {
    throw new WsiError(
      'InvalidArgument',
      `coords file of '${meta.name}' is for a ${w}×${h} slide; this slide is ${l0.width}×${l0.height}`,
    );
  }
  if (!(meta.patchLevel >= 0 && meta.patchLevel < slide.levels.length)) {
    throw new WsiError(
      'InvalidArgument',
      `coords file asks for level ${meta.patchLevel}; the slide has ${slide.levels.length}`,
    );
  }
  if (!(Number.isInteger(meta.patchSize) && meta.patchSize >= 1 && meta.patchSize <= 16384)) {
    throw new WsiError('InvalidArgument', `coords file patch size ${meta.patchSize} is out of range`);
  }
  for (let i = 0; i < coords.coords.length; i += 2) {
    const x = coords.coords[i] as number;
    const y = coords.coords[i + 1] as number;
    if (x < 0 || y < 0 || x >= l0.width || y >= l0.height) {
      throw new WsiError(
        'InvalidArgument',
        `coords file of '${meta.name}': patch (${x}, ${y}) lies outside the ${l0.width}×${l0.height} slide`,
      );
    }
  }
}

/** The resume key: everything that decides the features' values. */
function runKey(fingerprint: string, enc: Encoder, coords: CoordsFile, layout: H5Layout): Record<string, unknown> {
  const coordsHash = createHash('sha256')
    .update(new Uint8Array(coords.coords.buffer, coords.coords.byteOffset, coords.coords.byteLength))
    .digest('hex')
    .slice(0, 16);
  const params = {
    encoder: enc.id,
    model: enc.modelKey,
    preset: { ...enc.preset, description: undefined },
    patchLevel: coords.meta.patchLevel,
    patchSize: coords.meta.patchSize,
    coords: coordsHash,
    count: coords.coords.length / 2,
    layout,
  };
  const key = createHash('sha256').update(fingerprint).update(JSON.stringify(params)).digest('hex');
  return { ...params, key };
}

async function finishedWithKey(path: string, key: string, count: number): Promise<boolean> {
  if (!existsSync(path)) return false;
  try {
    const f = await readFeaturesFile(path, { rows: [0, 0] });
    return f.provenance.params?.key === key && f.totalRows === count;
  } catch {
    return false;
  }
}

/**
 * Embeds every patch of a coords file: reads, preprocesses and batches patches, runs the encoder (decode overlaps
 * inference) and writes `features` + `coords` with Trident's attributes (or CLAM's h5 + `.pt`). A finished file
 * whose provenance key (slide fingerprint + parameters) matches is kept (resume); a killed run leaves only a
 * temporary file and is redone. All checks run before the first patch is read.
 *
 * @throws WsiError `InvalidArgument` (coords of another slide, bad batch size, Trident layout without magnification),
 *   `NotFound`/`CorruptFile` for unreadable inputs.
 * @example
 * ```ts
 * const enc = await loadEncoder({ model: 'default' });
 * const r = await embedSlide('slides/s1.svs', { coords: 'out/patches/s1.h5', outDir: 'out', encoder: enc });
 * ```
 */
export async function embedSlide(slidePath: string, options: EmbedOptions): Promise<EmbedResult> {
  const t0 = performance.now();
  const layout = options.layout ?? 'wsi';
  if (layout !== 'wsi' && layout !== 'trident' && layout !== 'clam')
    throw new WsiError('InvalidArgument', `unknown layout '${String(layout)}'`);
  const enc = options.encoder;
  // Coords, fingerprint and slide header are read at the same time.
  const fingerprintOf = async () => {
    const source = await openByteSource(slidePath);
    try {
      return await fingerprintSource(source);
    } finally {
      await source.close();
    }
  };
  const [coords, fingerprint] = await Promise.all([readCoordsFile(options.coords), fingerprintOf()]);
  const slide = await openSlide(slidePath);
  try {
    checkCoordsMatchSlide(coords, slide, fingerprint);
    const paths = featuresPath(options.outDir, enc.id, coords.meta, layout);
    const params = runKey(fingerprint, enc, coords, layout);
    const count = coords.coords.length / 2;
    const result: EmbedResult = { path: paths.h5, count, dim: enc.dim, skipped: false, seconds: 0 };
    if (paths.pt !== undefined) result.ptPath = paths.pt;
    if (
      !options.force &&
      (await finishedWithKey(paths.h5, params.key as string, count)) &&
      (paths.pt === undefined || existsSync(paths.pt))
    ) {
      return { ...result, skipped: true, seconds: (performance.now() - t0) / 1000 };
    }
    await mkdir(join(paths.h5, '..'), { recursive: true });
    if (paths.pt !== undefined) await mkdir(join(paths.pt, '..'), { recursive: true });
    const writer = await FeaturesWriter.create(paths.h5, {
      dim: enc.dim,
      layout,
      name: coords.meta.name,
      encoder: enc.id,
      coordsAttrs: coords.attrs,
      provenance: { params, slideFingerprint: fingerprint },
    });
    // CLAM's .pt is streamed alongside (its size is known up front), so memory stays at one batch.
    const pt =
      paths.pt === undefined
        ? undefined
        : await TorchTensorWriter.create(paths.pt, count, enc.dim).catch(async (err: unknown) => {
            await writer.abort();
            throw err;
          });
    try {
      await runBatches(
        slide,
        coords.coords,
        coords.meta,
        enc,
        async (feats, xy, n) => {
          const rows = feats.length === n * enc.dim ? feats : feats.subarray(0, n * enc.dim);
          writer.append(rows, xy);
          await pt?.append(rows);
        },
        options,
      );
      await pt?.finish();
      await writer.finish();
    } catch (err) {
      await pt?.abort();
      await writer.abort();
      throw err;
    }
    return { ...result, seconds: (performance.now() - t0) / 1000 };
  } finally {
    await slide.close();
  }
}
