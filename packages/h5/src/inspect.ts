/**
 * A JSON description of an HDF5 file (groups, datasets with shape and dtype, attributes) for `wsi h5`.
 */
import type { Dataset, Group } from 'h5wasm/node';
import { type AttrValue, readAttrs } from './attrs.js';
import { dtypeName } from './dtypes.js';
import { withH5Read } from './file.js';

/**
 * One node of {@link inspectH5}'s tree.
 *
 * @example
 * ```ts
 * const node: H5Node = await inspectH5(p);
 * if (node.kind === 'group') console.log(node.children.map((c) => c.path));
 * ```
 */
export type H5Node =
  | { kind: 'group'; path: string; attrs: Record<string, AttrValue | string>; children: H5Node[] }
  | {
      kind: 'dataset';
      path: string;
      shape: number[];
      dtype: string;
      /** Chunk shape, or null when contiguous. */
      chunks: number[] | null;
      /** Maximum shape; `null` entries are unlimited. */
      maxshape: (number | null)[] | null;
      attrs: Record<string, AttrValue | string>;
    }
  | { kind: 'other'; path: string; type: string };

function jsonAttrs(entity: Dataset | Group): Record<string, AttrValue | string> {
  const out: Record<string, AttrValue | string> = {};
  for (const [k, v] of Object.entries(readAttrs(entity))) {
    out[k] =
      typeof v === 'bigint'
        ? v.toString()
        : Array.isArray(v) && v.some((x) => typeof x === 'bigint')
          ? JSON.stringify(v.map(String))
          : v;
  }
  return out;
}

function walk(entity: Group, path: string, depth: number): H5Node {
  const children: H5Node[] = [];
  if (depth < 32) {
    for (const name of entity.keys()) {
      const child = entity.get(name);
      const childPath = path === '/' ? `/${name}` : `${path}/${name}`;
      const type = child?.constructor.name ?? 'missing';
      if (type === 'Group') children.push(walk(child as Group, childPath, depth + 1));
      else if (type === 'Dataset') {
        const ds = child as Dataset;
        const meta = ds.metadata;
        children.push({
          kind: 'dataset',
          path: childPath,
          shape: meta.shape ?? [],
          dtype: dtypeName(meta),
          chunks: meta.chunks,
          maxshape: meta.maxshape?.map((d) => (d >= Number.MAX_SAFE_INTEGER ? null : d)) ?? null,
          attrs: jsonAttrs(ds),
        });
      } else children.push({ kind: 'other', path: childPath, type });
    }
  }
  return { kind: 'group', path, attrs: jsonAttrs(entity), children };
}

/**
 * Describes every group and dataset of an HDF5 file as JSON-serialisable data (int64 beyond 2^53 as strings).
 *
 * @throws WsiError `NotFound`, `CorruptFile` (not HDF5 or unreadable).
 * @example
 * ```ts
 * const tree = await inspectH5('feats/slide.h5');
 * console.log(JSON.stringify(tree, null, 2));
 * ```
 */
export async function inspectH5(path: string): Promise<H5Node> {
  return withH5Read(path, (file) => walk(file, '/', 0));
}
