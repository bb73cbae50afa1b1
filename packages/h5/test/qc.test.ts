import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { isWsiError } from '@wsi/core';
import { hasPythonModules, runPythonJson } from '@wsi/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CoordsWriter, readCoordsFile, writeCoordsFile } from '../src/coords-file.js';
import { H5Writer, withH5Read } from '../src/file.js';
import { readQcDataset, writeQcDataset } from '../src/qc-dataset.js';
import { grid, META, tempDir } from './helpers.js';

let dir: string;
let cleanup: () => void;
beforeEach(() => ({ dir, cleanup } = tempDir()));
afterEach(() => cleanup());

const COLUMNS = ['tissue', 'pen', 'flags'];
function table(n: number): Float32Array {
  return Float32Array.from({ length: n * 3 }, (_, i) => (i % 3 === 2 ? i % 7 : i / 1000));
}

describe('qc dataset of coords files', () => {
  it('round-trips N×K float32 with its columns and extra attributes', async () => {
    const p = join(dir, 's.h5');
    const data = table(50);
    await writeCoordsFile(
      p,
      { coords: grid(50), meta: META },
      { qc: { columns: COLUMNS, data, attrs: { rules: '{"minTissue":0.1}', qc_level: 1 } } },
    );
    const back = await readCoordsFile(p);
    expect(back.qc?.columns).toEqual(COLUMNS);
    expect(back.qc?.data).toEqual(data);
    expect(back.qc?.attrs).toMatchObject({ rules: '{"minTissue":0.1}', qc_level: 1 });
    // a file without qc reads back without the field
    await writeCoordsFile(join(dir, 'b.h5'), { coords: grid(2), meta: META });
    expect((await readCoordsFile(join(dir, 'b.h5'))).qc).toBeUndefined();
  });

  it('refuses a qc table whose rows differ from coords, and malformed tables', async () => {
    const p = join(dir, 's.h5');
    const w = await CoordsWriter.create(p, META);
    w.append(grid(4));
    w.writeQc({ columns: COLUMNS, data: table(3) });
    expect(() => w.writeQc({ columns: COLUMNS, data: table(4) })).toThrow(/already/);
    await expect(w.finish()).rejects.toSatisfy((e) => isWsiError(e, 'InvalidArgument'));
    expect(existsSync(p)).toBe(false);
    expect(readdirSync(dir)).toEqual([]);
    await expect(
      writeCoordsFile(p, { coords: grid(2), meta: META }, { qc: { columns: ['a', 'a'], data: new Float32Array(4) } }),
    ).rejects.toSatisfy((e) => isWsiError(e, 'InvalidArgument'));
    await expect(
      writeCoordsFile(p, { coords: grid(2), meta: META }, { qc: { columns: ['a', 'b'], data: new Float32Array(3) } }),
    ).rejects.toSatisfy((e) => isWsiError(e, 'InvalidArgument'));
  });

  it('reading a qc whose columns attribute is missing or whose rows disagree is CorruptFile', async () => {
    const p = join(dir, 'bad.h5');
    const w = await H5Writer.create(p);
    writeQcDataset(w.file, { columns: ['a', 'b'], data: new Float32Array(6) });
    (w.file.get('qc') as unknown as { delete_attribute(n: string): void }).delete_attribute('columns');
    await w.finish();
    await expect(withH5Read(p, (f) => readQcDataset(f, p, 3))).rejects.toSatisfy((e) => isWsiError(e, 'CorruptFile'));
    const q = join(dir, 'rows.h5');
    const w2 = await H5Writer.create(q);
    writeQcDataset(w2.file, { columns: ['a', 'b'], data: new Float32Array(6) });
    await w2.finish();
    await expect(withH5Read(q, (f) => readQcDataset(f, q, 4))).rejects.toSatisfy((e) => isWsiError(e, 'CorruptFile'));
    expect(await withH5Read(q, (f) => readQcDataset(f, q, 3)?.columns)).toEqual(['a', 'b']);
  });

  it.skipIf(!hasPythonModules(['h5py', 'numpy']))('h5py reads qc as N×K float32 with a columns attribute', async () => {
    const p = join(dir, 's.h5');
    await writeCoordsFile(p, { coords: grid(5), meta: META }, { qc: { columns: COLUMNS, data: table(5) } });
    const r = runPythonJson<{ shape: number[]; dtype: string; columns: string[]; row: number[] }>(
      `import h5py, json, sys
f = h5py.File(sys.argv[1], 'r')
q = f['qc']
cols = [c.decode() if isinstance(c, bytes) else str(c) for c in q.attrs['columns']]
print(json.dumps({'shape': list(q.shape), 'dtype': str(q.dtype), 'columns': cols, 'row': [float(x) for x in q[1]]}))`,
      [p],
    );
    expect(r).toMatchObject({ shape: [5, 3], dtype: 'float32', columns: COLUMNS });
    expect(r.row[0]).toBeCloseTo(0.003, 6);
  });
});
