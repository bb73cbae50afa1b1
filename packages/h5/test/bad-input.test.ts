import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isWsiError } from '@wsi/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readCoordsFile, writeCoordsFile } from '../src/coords-file.js';
import { readFeaturesFile } from '../src/features-file.js';
import { H5Writer } from '../src/file.js';
import { inspectH5 } from '../src/inspect.js';
import { readPatchImages } from '../src/patches-file.js';
import { grid, META, tempDir } from './helpers.js';

let dir: string;
let cleanup: () => void;
beforeEach(() => ({ dir, cleanup } = tempDir()));
afterEach(() => cleanup());

async function code(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    if (isWsiError(e)) return `${e.code}: ${e.message}`;
    throw e;
  }
  return 'ok';
}

describe('bad input', () => {
  it('a missing file is NotFound', async () => {
    expect(await code(readCoordsFile(join(dir, 'none.h5')))).toMatch(/^NotFound/);
  });

  it('a garbage or empty file is CorruptFile (signature check)', async () => {
    const g = join(dir, 'g.h5');
    writeFileSync(g, 'definitely not hdf5, just text'.repeat(100));
    expect(await code(readCoordsFile(g))).toMatch(/^CorruptFile: .*not an HDF5 file/);
    writeFileSync(g, '');
    expect(await code(inspectH5(g))).toMatch(/^CorruptFile/);
  });

  it('a truncated file is CorruptFile with HDF5 reason', async () => {
    const p = join(dir, 'ok.h5');
    await writeCoordsFile(p, { coords: grid(2000), meta: META });
    const bytes = readFileSync(p);
    for (const keep of [100, Math.floor(bytes.length / 2), bytes.length - 10]) {
      const t = join(dir, `t${keep}.h5`);
      writeFileSync(t, bytes.subarray(0, keep));
      expect(await code(readCoordsFile(t))).toMatch(/^CorruptFile: .*t\d+\.h5/);
    }
  });

  it('a missing dataset is NotFound naming file and dataset', async () => {
    const p = join(dir, 'c.h5');
    await writeCoordsFile(p, { coords: grid(2), meta: META });
    expect(await code(readFeaturesFile(p))).toBe(`NotFound: ${p} has no dataset "features"`);
    expect(await code(readPatchImages(p))).toMatch(/NotFound: .*"imgs"/);
  });

  it('wrong rank, dtype, shape or missing attributes are CorruptFile', async () => {
    const make = async (name: string, fill: (w: H5Writer) => void): Promise<string> => {
      const p = join(dir, name);
      const w = await H5Writer.create(p);
      fill(w);
      await w.finish();
      return p;
    };
    const rank = await make('rank.h5', (w) =>
      w.file.create_dataset({ name: 'coords', data: new BigInt64Array([1n, 2n]), dtype: '<q' }),
    );
    expect(await code(readCoordsFile(rank))).toMatch(/CorruptFile: .*"coords" has shape \[2\]; expected rank 2/);
    const cols = await make('cols.h5', (w) =>
      w.file.create_dataset({ name: 'coords', data: new BigInt64Array(6), shape: [2, 3], dtype: '<q' }),
    );
    expect(await code(readCoordsFile(cols))).toMatch(/dimension 1 must be 2/);
    const dt = await make('dt.h5', (w) =>
      w.file.create_dataset({ name: 'coords', data: new Float32Array(4), shape: [2, 2], dtype: '<f' }),
    );
    expect(await code(readCoordsFile(dt))).toMatch(/is float32; expected int64 or int32/);
    const noAttrs = await make('na.h5', (w) =>
      w.file.create_dataset({ name: 'coords', data: new BigInt64Array(4), shape: [2, 2], dtype: '<q' }),
    );
    expect(await code(readCoordsFile(noAttrs))).toMatch(/CorruptFile: .*no usable "patch_size"/);
    const feat = await make('f.h5', (w) => {
      w.file.create_dataset({ name: 'features', data: new Float32Array(6), shape: [3, 2], dtype: '<f' });
      w.file.create_dataset({ name: 'coords', data: new BigInt64Array(4), shape: [2, 2], dtype: '<q' });
    });
    expect(await code(readFeaturesFile(feat))).toMatch(/"coords" has 2 rows but "features" has 3/);
    const f3 = await make('f3.h5', (w) =>
      w.file.create_dataset({ name: 'features', data: new Float32Array(8), shape: [2, 2, 2], dtype: '<f' }),
    );
    expect(await code(readFeaturesFile(f3))).toMatch(/must be 1×N×D/);
    const grp = await make('grp.h5', (w) => w.file.create_group('coords'));
    expect(await code(readCoordsFile(grp))).toMatch(/is a Group, not a dataset/);
  });
});
