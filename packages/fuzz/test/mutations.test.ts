// The mutation model and the field-aware corruptors: edits as data, applied lazily, deterministic from a seed.
import { MemorySource } from '@wsi/core';
import { describe, expect, it } from 'vitest';
import { corruptDicom, mapDicom } from '../src/dicom-fields.js';
import { MutatedSource, type Mutation, mutateBytes } from '../src/mutations.js';
import { corruptIndexDat, corruptIni, genericMutations } from '../src/mutator.js';
import { classify } from '../src/outcome.js';
import { hashSeed, Rng } from '../src/rng.js';
import { corruptTiff, encodeUint, mapTiff } from '../src/tiff-fields.js';

/** The same edits on a plain array, as the specification of MutatedSource. */
function reference(bytes: number[], muts: Mutation[]): number[] {
  let a = bytes.slice();
  const clamp = (v: number, hi: number) => Math.max(0, Math.min(Math.floor(v), hi));
  for (const m of muts) {
    if (m.op === 'flip' || m.op === 'set') {
      if (a.length === 0) continue;
      const at = clamp(m.at, a.length - 1);
      const vals = m.op === 'set' ? m.bytes.slice(0, a.length - at) : [((a[at] as number) ^ (1 << (m.bit & 7))) & 0xff];
      a.splice(at, vals.length, ...vals);
    } else if (m.op === 'truncate') a = a.slice(0, clamp(m.size, a.length));
    else if (m.op === 'extend') a.push(...new Array(m.count).fill(m.fill & 0xff));
    else if (m.op === 'cut') {
      const at = clamp(m.at, a.length);
      a.splice(at, clamp(at + m.length, a.length) - at);
    } else if (m.op === 'insert') a.splice(clamp(m.at, a.length), 0, ...m.bytes);
    else if (m.op === 'dup') {
      const from = clamp(m.from, a.length);
      const copy = a.slice(from, clamp(from + m.length, a.length));
      a.splice(clamp(m.at, a.length), 0, ...copy);
    }
  }
  return a;
}

describe('MutatedSource', () => {
  it('matches the array reference for random edit lists', async () => {
    const base = Array.from({ length: 300 }, (_, i) => i & 0xff);
    for (let seed = 1; seed <= 200; seed++) {
      const rng = new Rng(seed);
      const muts = genericMutations(base.length, rng).map((m) =>
        m.op === 'extend'
          ? { ...m, count: m.count % 50 }
          : m.op === 'dup' || m.op === 'cut'
            ? { ...m, length: m.length % 40 }
            : m,
      );
      if (rng.chance(0.3)) muts.push({ op: 'insert', at: rng.int(320), bytes: [1, 2, 3] });
      const got = await mutateBytes(Uint8Array.from(base), muts);
      expect([...got], JSON.stringify(muts)).toEqual(reference(base, muts));
    }
  });

  it('reads ranges across segments and rejects reads past the end with CorruptFile', async () => {
    const src = await MutatedSource.create(new MemorySource(Uint8Array.from([0, 1, 2, 3, 4, 5, 6, 7])), [
      { op: 'set', at: 2, bytes: [20, 30] },
      { op: 'dup', from: 0, length: 2, at: 8 },
      { op: 'flip', at: 7, bit: 1 },
    ]);
    expect(await src.size()).toBe(10);
    expect([...(await src.read(1, 8))]).toEqual([1, 20, 30, 4, 5, 6, 5, 0]);
    await expect(src.read(8, 3)).rejects.toMatchObject({ code: 'CorruptFile' });
    await expect(src.read(-1, 1)).rejects.toMatchObject({ code: 'InvalidArgument' });
  });
});

describe('seeded generation', () => {
  it('is deterministic', () => {
    expect(hashSeed('svs', 1, 2)).toBe(hashSeed('svs', 1, 2));
    expect(hashSeed('svs', 1, 2)).not.toBe(hashSeed('svs', 1, 3));
    expect(genericMutations(1000, new Rng(5))).toEqual(genericMutations(1000, new Rng(5)));
  });
});

/** A little-endian TIFF with one 2×2 strip image: 3 tags and a next-IFD pointer. */
function tinyTiff(): Uint8Array {
  const b = new Uint8Array(8 + 2 + 3 * 12 + 4 + 4);
  const dv = new DataView(b.buffer);
  b.set([0x49, 0x49, 42, 0]);
  dv.setUint32(4, 8, true);
  dv.setUint16(8, 3, true);
  const entry = (i: number, tag: number, type: number, value: number) => {
    const at = 10 + i * 12;
    dv.setUint16(at, tag, true);
    dv.setUint16(at + 2, type, true);
    dv.setUint32(at + 4, 1, true);
    dv.setUint32(at + 8, value, true);
  };
  entry(0, 256, 3, 2);
  entry(1, 257, 3, 2);
  entry(2, 273, 4, 50);
  return b;
}

describe('field-aware corruptors', () => {
  it('maps a TIFF directory and aims edits inside the file', async () => {
    const bytes = tinyTiff();
    const map = await mapTiff(new MemorySource(bytes));
    expect(map?.ifds).toEqual([8]);
    expect(map?.fields.map((f) => f.tag)).toEqual([256, 257, 273]);
    expect(map?.nextPointers).toEqual([4, 46]);
    expect(map?.dataStarts).toEqual([50]);
    for (let s = 0; s < 50; s++) {
      for (const m of corruptTiff(map as NonNullable<typeof map>, bytes.length, new Rng(s))) {
        if (m.op === 'set') expect(m.at).toBeLessThan(bytes.length);
      }
    }
    expect(encodeUint(0x01020304, 4, false)).toEqual([1, 2, 3, 4]);
  });

  it('walks a DICOM data set', async () => {
    const b = new Uint8Array(132 + 10 + 12);
    b.set([0x44, 0x49, 0x43, 0x4d], 128);
    // (0028,0010) US 2 = 512 ; (7FE0,0010) OB undefined-length is left out: a short element then an OB of 0 bytes
    b.set([0x28, 0x00, 0x10, 0x00, 0x55, 0x53, 0x02, 0x00, 0x00, 0x02], 132);
    b.set([0xe0, 0x7f, 0x10, 0x00, 0x4f, 0x42, 0, 0, 0, 0, 0, 0], 142);
    const fields = await mapDicom(new MemorySource(b));
    expect(fields?.map((f) => [f.tag >>> 0, f.vr, f.length])).toEqual([
      [0x00280010, 'US', 2],
      [0x7fe00010, 'OB', 0],
    ]);
    const edits = corruptDicom(fields ?? [], b.length, new Rng(1));
    expect(edits.length).toBeGreaterThan(0);
  });

  it('corrupts Index.dat int32 slots and Slidedat.ini keys', () => {
    const idx = corruptIndexDat(200, 41, new Rng(3));
    for (const m of idx) expect(m.op === 'set' && m.at >= 41 && (m.at - 41) % 4 === 0).toBe(true);
    const ini = new TextEncoder().encode('[GENERAL]\r\nSLIDE_ID = abc\r\nIMAGENUMBER_X = 4\r\n');
    const muts = corruptIni(ini, new Rng(2));
    expect(muts.length).toBeGreaterThan(0);
  });
});

describe('classify', () => {
  it('passes typed errors and fails untyped or masked ones', async () => {
    const { WsiError } = await import('@wsi/core');
    expect(classify(new WsiError('CorruptFile', 'x'), 'open')).toBeUndefined();
    expect(classify(new TypeError('y'), 'open')?.kind).toBe('exception');
    const masked = new WsiError('CorruptFile', 'wrapped', { cause: new RangeError('offset out of bounds') });
    expect(classify(masked, 'open')?.kind).toBe('masked');
  });
});
