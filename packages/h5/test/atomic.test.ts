import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isWsiError, WSI_VERSION } from '@wsi/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { H5Writer, withH5Read } from '../src/file.js';
import { readProvenance } from '../src/provenance.js';
import { tempDir } from './helpers.js';

let dir: string;
let cleanup: () => void;
beforeEach(() => ({ dir, cleanup } = tempDir()));
afterEach(() => cleanup());

describe('H5Writer', () => {
  it('writes to a temp file in the same folder and renames it at finish', async () => {
    const target = join(dir, 'out.h5');
    const w = await H5Writer.create(target, { provenance: { params: { patchSize: 256 }, slideFingerprint: 'abc' } });
    expect(w.tempPath.startsWith(`${target}.tmp-${process.pid}-`)).toBe(true);
    expect(existsSync(w.tempPath)).toBe(true);
    expect(existsSync(target)).toBe(false);
    w.file.create_dataset({ name: 'x', data: new Float32Array([1, 2, 3]) });
    await w.finish();
    expect(existsSync(target)).toBe(true);
    expect(readdirSync(dir)).toEqual(['out.h5']);
    const prov = await withH5Read(target, (f) => readProvenance(f));
    expect(prov.wsiVersion).toBe(WSI_VERSION);
    expect(prov.params).toEqual({ patchSize: 256 });
    expect(prov.slideFingerprint).toBe('abc');
    expect(Number.isNaN(Date.parse(prov.created ?? ''))).toBe(false);
  });

  it('abort leaves no target and no temp file', async () => {
    const target = join(dir, 'out.h5');
    const w = await H5Writer.create(target);
    await w.abort();
    await w.abort();
    expect(readdirSync(dir)).toEqual([]);
    await expect(w.finish()).rejects.toSatisfy((e: unknown) => isWsiError(e, 'InvalidArgument'));
  });

  it('replaces an existing target only at finish', async () => {
    const target = join(dir, 'out.h5');
    writeFileSync(target, 'old contents');
    const w = await H5Writer.create(target);
    w.file.create_dataset({ name: 'x', data: new Float32Array([1]) });
    w.file.flush();
    expect(readFileSync(target, 'utf8')).toBe('old contents');
    await w.finish();
    expect(readFileSync(target).subarray(0, 4).toString('latin1')).toBe('\x89HDF');
  });

  it('an aborted rewrite keeps the old target', async () => {
    const target = join(dir, 'out.h5');
    writeFileSync(target, 'old contents');
    const w = await H5Writer.create(target);
    await w.abort();
    expect(readFileSync(target, 'utf8')).toBe('old contents');
    expect(readdirSync(dir)).toEqual(['out.h5']);
  });

  it('fails with NotFound when the folder does not exist', async () => {
    await expect(H5Writer.create(join(dir, 'no/such/out.h5'))).rejects.toSatisfy((e: unknown) =>
      isWsiError(e, 'NotFound'),
    );
  });
});
