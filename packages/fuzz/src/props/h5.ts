/**
 * Property target of the h5 readers (@wsi/h5): files whose `coords` / `features` datasets have wrong ranks, shapes
 * and dtypes and whose attributes have wrong types or values must give a result or a WsiError.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { f64, H5Writer, i64, readCoordsFile, readFeaturesFile, writeAttrs } from '@wsi/h5';
import fc from 'fast-check';
import { type AnyProperty, typedOrOkAsync } from './common.js';

const DTYPES = ['<q', '<i', '<f', '<d', '<B', '<h'] as const;

function typedArray(dtype: string, n: number, fill: number): ArrayLike<number | bigint> {
  switch (dtype) {
    case '<q':
      return new BigInt64Array(n).fill(BigInt(Math.trunc(fill)));
    case '<i':
      return new Int32Array(n).fill(fill);
    case '<f':
      return new Float32Array(n).fill(fill);
    case '<d':
      return new Float64Array(n).fill(fill);
    case '<h':
      return new Int16Array(n).fill(fill);
    default:
      return new Uint8Array(n).fill(fill);
  }
}

const dataset = fc.record({
  present: fc.constantFrom('dataset', 'dataset', 'group', 'none'),
  shape: fc.array(fc.nat({ max: 4 }), { minLength: 0, maxLength: 4 }),
  dtype: fc.constantFrom(...DTYPES),
  fill: fc.oneof(fc.integer({ min: -5, max: 5000 }), fc.constantFrom(0, -1, 2 ** 31 - 1)),
});
const attrValue = fc.oneof(
  fc.integer({ min: -3, max: 1 << 20 }).map((v) => i64(v)),
  fc.array(fc.integer({ min: -3, max: 1 << 20 }), { maxLength: 3 }).map((v) => i64(v)),
  fc.array(fc.double({ noNaN: false }), { minLength: 1, maxLength: 3 }).map((v) => f64(v)),
  fc.string({ maxLength: 6 }),
  fc.boolean(),
);
const ATTRS = [
  'patch_size',
  'patch_level',
  'downsample',
  'level_dim',
  'downsampled_level_dim',
  'name',
  'patch_size_level0',
  'level0_magnification',
  'target_magnification',
  'overlap',
];
const attrs = fc.dictionary(fc.constantFrom(...ATTRS), attrValue, { maxKeys: 8 });

/**
 * The h5 property: `readCoordsFile` and `readFeaturesFile` over malformed layouts.
 *
 * @example
 * ```ts
 * await checkProperty('h5', h5Property(), 50, 1);
 * ```
 */
export function h5Property(): AnyProperty {
  return fc.asyncProperty(dataset, dataset, attrs, async (coords, features, a) => {
    const dir = await mkdtemp(join(tmpdir(), 'wsi-fuzz-h5-'));
    try {
      const path = join(dir, 'f.h5');
      const w = await H5Writer.create(path);
      try {
        for (const [name, d] of [
          ['coords', coords],
          ['features', features],
        ] as const) {
          if (d.present === 'group') w.file.create_group(name);
          if (d.present !== 'dataset') continue;
          const n = d.shape.reduce((p, x) => p * x, 1);
          const data = typedArray(d.dtype, n, d.fill);
          const ds = w.file.create_dataset({
            name,
            data: data as Float32Array,
            shape: d.shape,
            dtype: d.dtype,
          });
          if (name === 'coords') writeAttrs(ds, a);
        }
        await w.finish();
      } catch {
        // h5wasm refusing to write a layout is not what this target tests
        await w.abort().catch(() => {});
        return;
      }
      await typedOrOkAsync('readCoordsFile', () => readCoordsFile(path));
      await typedOrOkAsync('readFeaturesFile', () => readFeaturesFile(path));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
}
