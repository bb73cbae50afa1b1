/**
 * Bags from a manifest and a folder of features files (`<name>.h5`), validated before any training starts.
 */
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { isWsiError, parseManifest, slideName, WsiError } from '@wsi/core';
import { readFeaturesFile } from '@wsi/h5';
import type { BagInfo, BagSource, LoadedBag } from './bags.js';

/**
 * Options of {@link manifestBags}.
 *
 * @example
 * ```ts
 * const o: ManifestBagsOptions = { manifest: 'cohort.csv', features: 'feats', requireLabels: true };
 * ```
 */
export interface ManifestBagsOptions {
  /** Manifest CSV path. */
  manifest: string;
  /** Folder holding `<name>.h5` features files. */
  features: string;
  /** Require labels (training) — default true. */
  requireLabels?: boolean;
  /** Keep loaded bags in memory up to this many bytes (default 4 GiB); beyond, bags stream from disk. */
  cacheBytes?: number;
}

/**
 * Reads a manifest, groups slides into bags (`bag_id`, else one slide per bag), and checks every features file
 * (exists, has at least one patch, one feature dimension across slides) and every label (an integer, the same
 * for all slides of a bag) before returning. Files are read lazily by `load`, cached up to `cacheBytes`.
 *
 * @throws WsiError `NotFound` (manifest or features files missing), `InvalidArgument` (0-patch slides, differing
 *   feature dimensions, bad or inconsistent labels), `CorruptFile` (unreadable features files).
 * @example
 * ```ts
 * const src = await manifestBags({ manifest: 'cohort.csv', features: 'feats/' });
 * console.log(src.bags.length, src.dim);
 * ```
 */
export async function manifestBags(
  options: ManifestBagsOptions,
): Promise<BagSource & { paths: Map<string, string>; extraColumns: string[] }> {
  let text: string;
  try {
    text = await readFile(options.manifest, 'utf8');
  } catch (cause) {
    throw new WsiError('NotFound', `manifest ${options.manifest} cannot be read`, { cause });
  }
  const manifest = parseManifest(text, options.manifest);
  const requireLabels = options.requireLabels ?? true;
  const groups = new Map<string, { info: BagInfo; lines: number[] }>();
  const problems: string[] = [];
  for (const row of manifest.rows) {
    const name = slideName(row.slide);
    const id = row.bagId ?? name;
    let label: number | undefined;
    if (row.label !== undefined) {
      const v = Number(row.label);
      if (!Number.isInteger(v) || v < 0) problems.push(`line ${row.line}: label '${row.label}' is not an integer ≥ 0`);
      else label = v;
    } else if (requireLabels) problems.push(`line ${row.line}: no label`);
    const g = groups.get(id);
    if (!g) {
      const info: BagInfo = { id, count: 0, slides: [{ name, count: 0 }] };
      if (label !== undefined) info.label = label;
      if (row.caseId !== undefined) info.caseId = row.caseId;
      if (row.fold !== undefined) info.fold = row.fold;
      if (Object.keys(row.extra).length) info.extra = row.extra;
      groups.set(id, { info, lines: [row.line] });
    } else {
      if (g.info.label !== label)
        problems.push(`line ${row.line}: bag '${id}' has label ${label} here and ${g.info.label} before`);
      g.info.slides.push({ name, count: 0 });
      g.lines.push(row.line);
    }
  }
  const paths = new Map<string, string>();
  let dim: number | undefined;
  let dimFrom = '';
  const missing: string[] = [];
  for (const { info } of groups.values()) {
    for (const s of info.slides) {
      const path = join(options.features, `${s.name}.h5`);
      paths.set(s.name, path);
      try {
        await stat(path);
      } catch {
        missing.push(path);
        continue;
      }
      const head = await readFeaturesFile(path, { rows: [0, 0] });
      s.count = head.totalRows;
      s.hasCoords = head.coords !== undefined;
      info.count += head.totalRows;
      if (head.totalRows === 0) problems.push(`${path}: 0 patches (bag '${info.id}')`);
      if (dim === undefined) {
        dim = head.dim;
        dimFrom = path;
      } else if (head.dim !== dim) problems.push(`${path}: feature dimension ${head.dim}, but ${dimFrom} has ${dim}`);
    }
  }
  if (missing.length) {
    throw new WsiError('NotFound', `${missing.length} features file(s) missing: ${missing.slice(0, 5).join(', ')}`, {
      details: { missing },
    });
  }
  if (problems.length) {
    throw new WsiError(
      'InvalidArgument',
      `${options.manifest}: ${problems.length} problem(s): ${problems.slice(0, 5).join('; ')}`,
      {
        details: { problems },
      },
    );
  }
  if (dim === undefined) throw new WsiError('InvalidArgument', `${options.manifest}: no slides`);
  const bags = [...groups.values()].map((g) => g.info);
  const budget = options.cacheBytes ?? 4 * 2 ** 30;
  const cache = new Map<number, LoadedBag>();
  let cached = 0;
  const featureDim = dim;
  return {
    dim: featureDim,
    bags,
    paths,
    extraColumns: manifest.columns.filter((c) => !['slide', 'mpp', 'case_id', 'bag_id', 'label', 'fold'].includes(c)),
    load: async (i) => {
      const hit = cache.get(i);
      if (hit) return hit;
      const info = bags[i];
      if (!info) throw new WsiError('OutOfBounds', `bag index ${i} out of range`);
      const features = new Float32Array(info.count * featureDim);
      const coords = new Int32Array(info.count * 2);
      let hasCoords = true;
      let row = 0;
      for (const s of info.slides) {
        const f = await readFeaturesFile(paths.get(s.name) as string).catch((e: unknown) => {
          throw isWsiError(e) ? e : new WsiError('Io', `cannot read ${paths.get(s.name)}`, { cause: e });
        });
        if (f.count !== s.count || f.dim !== featureDim)
          throw new WsiError('CorruptFile', `${paths.get(s.name)} changed while training`);
        features.set(f.features, row * featureDim);
        if (f.coords) coords.set(f.coords, row * 2);
        else hasCoords = false;
        row += f.count;
      }
      const bag: LoadedBag = { features, n: info.count, ...(hasCoords ? { coords } : {}) };
      if (cached + features.byteLength <= budget) {
        cache.set(i, bag);
        cached += features.byteLength;
      }
      return bag;
    },
  };
}
