import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { FileSource, openFileSource } from '../src/bytes/file-source.js';
import { MemorySource } from '../src/bytes/memory-source.js';
import { isWsiError } from '../src/errors.js';
import { diff, pattern } from './bytes-helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'wsi-core-file-'));
const path = join(dir, 'data.bin');
const DATA = pattern(300_000, 3);
writeFileSync(path, DATA);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function code(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'resolved';
  } catch (err) {
    return isWsiError(err) ? err.code : `untyped: ${String(err)}`;
  }
}

describe('FileSource', () => {
  it('reads exact ranges, concurrently', async () => {
    const src = await openFileSource(path);
    expect(src.description).toBe(path);
    expect(await src.size()).toBe(DATA.length);
    const offsets = Array.from({ length: 64 }, (_, i) => (i * 4099) % (DATA.length - 5000));
    const reads = await Promise.all(offsets.map((o) => src.read(o, 5000)));
    reads.forEach((r, i) => {
      expect(diff(r, DATA.subarray(offsets[i], (offsets[i] as number) + 5000))).toBe('equal');
    });
    expect(diff(await src.read(DATA.length - 1, 1), DATA.subarray(DATA.length - 1))).toBe('equal');
    expect(await src.read(DATA.length, 0)).toHaveLength(0);
    await src.close();
  });

  it('opens file: URLs', async () => {
    const src = await FileSource.open(pathToFileURL(path));
    expect(diff(await src.read(0, 4), DATA.subarray(0, 4))).toBe('equal');
    await src.close();
  });

  it('rejects past-EOF reads with CorruptFile and bad ranges with InvalidArgument', async () => {
    const src = await openFileSource(path);
    expect(await code(src.read(DATA.length - 1, 2))).toBe('CorruptFile');
    // A huge length from a corrupt header must fail before any allocation.
    expect(await code(src.read(0, 2 ** 52))).toBe('CorruptFile');
    expect(await code(src.read(-1, 1))).toBe('InvalidArgument');
    expect(await code(src.read(0, Number.NaN))).toBe('InvalidArgument');
    await src.close();
  });

  it('maps a missing file to NotFound and a directory to InvalidArgument', async () => {
    expect(await code(openFileSource(join(dir, 'nope.svs')))).toBe('NotFound');
    expect(await code(openFileSource(dir))).toBe('InvalidArgument');
  });

  it('rejects reads after close and aborted reads', async () => {
    const src = await openFileSource(path);
    expect(await code(src.read(0, 1, { signal: AbortSignal.abort() }))).toBe('Aborted');
    const pending = src.read(0, 100_000);
    await src.close();
    await pending.catch(() => {}); // in-flight reads may finish or reject; they must not hang
    expect(await code(src.read(0, 1))).toBe('InvalidArgument');
    await src.close(); // idempotent
  });
});

describe('MemorySource', () => {
  it('reads views, checks ranges, closes', async () => {
    const src = new MemorySource(DATA.subarray(0, 100), 'mem');
    expect(await src.size()).toBe(100);
    expect(diff(await src.read(10, 5), DATA.subarray(10, 15))).toBe('equal');
    expect(await code(src.read(99, 2))).toBe('CorruptFile');
    expect(await code(src.read(1.5, 1))).toBe('InvalidArgument');
    expect(await code(src.read(0, 1, { signal: AbortSignal.abort() }))).toBe('Aborted');
    await src.close();
    expect(await code(src.read(0, 1))).toBe('InvalidArgument');
  });
});
