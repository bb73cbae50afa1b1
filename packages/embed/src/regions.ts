/**
 * Hierarchical (HIPT-like) region embeddings: 4096² regions built from the 256² patch features of a features file,
 * by mean pooling or by a second ONNX model over the 16×16 feature grid.
 */
import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { WsiError } from '@wsi/core';
import { FeaturesWriter, readFeaturesFile } from '@wsi/h5';
import * as ort from 'onnxruntime-node';

/**
 * Options of {@link embedRegions}.
 *
 * @example
 * ```ts
 * const o: RegionOptions = { patchSizeLevel0: 256, gridSize: 16 };
 * ```
 */
export interface RegionOptions {
  /** Level-0 side of a patch (the coords' `patch_size_level0`). */
  patchSizeLevel0: number;
  /** Patches per region side (default 16: 16 × 256 = 4096). */
  gridSize?: number;
  /**
   * A region model: input [R, D, G, G] float32 (missing patches are zeros), output [R, D2]. Without it, the
   * region vector is the mean of its patches' features.
   */
  model?: string;
}

/** Region grid of patch features: region corners and, per region, its patches' rows in the G×G grid. */
interface RegionGrid {
  corners: number[];
  cells: Map<string, { index: number; rows: [number, number][] }>;
}

function groupRegions(coords: Int32Array, side: number, patch: number, g: number): RegionGrid {
  const cells = new Map<string, { index: number; rows: [number, number][] }>();
  const corners: number[] = [];
  for (let i = 0; i < coords.length / 2; i++) {
    const x = coords[i * 2] as number;
    const y = coords[i * 2 + 1] as number;
    const rx = Math.floor(x / side);
    const ry = Math.floor(y / side);
    const key = `${rx},${ry}`;
    let cell = cells.get(key);
    if (cell === undefined) {
      cell = { index: corners.length / 2, rows: [] };
      cells.set(key, cell);
      corners.push(rx * side, ry * side);
    }
    const gx = Math.min(g - 1, Math.floor((x - rx * side) / patch));
    const gy = Math.min(g - 1, Math.floor((y - ry * side) / patch));
    cell.rows.push([i, gy * g + gx]);
  }
  return { corners, cells };
}

/**
 * Builds region features from a patch features file and writes them (features + coords of the region corners,
 * `encoder` = `<patch encoder>_region<G>`) to `outPath`.
 *
 * @throws WsiError `InvalidArgument` for a bad grid or a region model whose input is not [R, D, G, G].
 * @example
 * ```ts
 * await embedRegions('out/features_uni_v1/s1.h5', 'out/region_features_uni_v1/s1.h5', { patchSizeLevel0: 256 });
 * ```
 */
export async function embedRegions(
  featuresPath: string,
  outPath: string,
  options: RegionOptions,
): Promise<{ count: number; dim: number }> {
  const g = options.gridSize ?? 16;
  if (!(Number.isInteger(g) && g >= 1 && g <= 64)) throw new WsiError('InvalidArgument', `grid size ${g} must be 1…64`);
  if (!(Number.isInteger(options.patchSizeLevel0) && options.patchSizeLevel0 >= 1)) {
    throw new WsiError('InvalidArgument', `patch size ${options.patchSizeLevel0} must be a positive integer`);
  }
  const f = await readFeaturesFile(featuresPath);
  const d = f.dim;
  if (f.coords === undefined)
    throw new WsiError('CorruptFile', `${featuresPath} has no coords; regions need patch positions`);
  const grid = groupRegions(f.coords, g * options.patchSizeLevel0, options.patchSizeLevel0, g);
  const r = grid.corners.length / 2;
  let out: Float32Array;
  let outDim = d;
  if (options.model === undefined) {
    out = new Float32Array(r * d);
    for (const cell of grid.cells.values()) {
      const o = cell.index * d;
      for (const [row] of cell.rows)
        for (let j = 0; j < d; j++) out[o + j] = (out[o + j] as number) + (f.features[row * d + j] as number);
      for (let j = 0; j < d; j++) out[o + j] = (out[o + j] as number) / cell.rows.length;
    }
  } else {
    const session = await ort.InferenceSession.create(options.model).catch((err: unknown) => {
      throw new WsiError('CorruptFile', `${options.model} is not a loadable ONNX model`, { cause: err });
    });
    try {
      const meta = session.inputMetadata[0];
      const shape = meta?.isTensor ? meta.shape : [];
      const fixed = (i: number, v: number) => typeof shape[i] !== 'number' || shape[i] === v;
      if (shape.length !== 4 || !fixed(1, d) || !fixed(2, g) || !fixed(3, g)) {
        throw new WsiError(
          'InvalidArgument',
          `region model input is [${shape.join(', ')}]; expected [R, ${d}, ${g}, ${g}]`,
        );
      }
      const parts: Float32Array[] = [];
      const cells = [...grid.cells.values()].sort((a, b) => a.index - b.index);
      const step = 8;
      for (let s = 0; s < cells.length; s += step) {
        const chunk = cells.slice(s, s + step);
        const x = new Float32Array(chunk.length * d * g * g);
        chunk.forEach((cell, k) => {
          for (const [row, pos] of cell.rows)
            for (let j = 0; j < d; j++) x[(k * d + j) * g * g + pos] = f.features[row * d + j] as number;
        });
        const res = await session.run({
          [session.inputNames[0] as string]: new ort.Tensor('float32', x, [chunk.length, d, g, g]),
        });
        const t = res[session.outputNames[0] as string] as ort.Tensor;
        outDim = (t.data as Float32Array).length / chunk.length;
        parts.push(t.data as Float32Array);
      }
      out = new Float32Array(r * outDim);
      let o = 0;
      for (const p of parts) {
        out.set(p, o);
        o += p.length;
      }
    } finally {
      await session.release();
    }
  }
  await mkdir(dirname(outPath), { recursive: true });
  const w = await FeaturesWriter.create(outPath, {
    dim: outDim,
    name: f.name ?? 'regions',
    encoder: `${f.encoder ?? 'unknown'}_region${g}`,
    saveDir: dirname(outPath),
    provenance: {
      params: {
        source: featuresPath,
        gridSize: g,
        patchSizeLevel0: options.patchSizeLevel0,
        model: options.model ?? 'mean',
      },
      slideFingerprint: f.provenance.slideFingerprint ?? '',
    },
  });
  try {
    w.append(out, Int32Array.from(grid.corners));
    await w.finish();
  } catch (err) {
    await w.abort();
    throw err;
  }
  return { count: r, dim: outDim };
}

/**
 * The default region file path: `DIR/region_features_<encoder>/<name>.h5`.
 *
 * @example
 * ```ts
 * regionFeaturesPath('out', 'uni_v1', 's1'); // 'out/region_features_uni_v1/s1.h5'
 * ```
 */
export function regionFeaturesPath(outDir: string, encoderId: string, name: string): string {
  return join(outDir, `region_features_${encoderId}`, `${name}.h5`);
}
