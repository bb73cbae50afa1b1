import { describe, expect, it } from 'vitest';
import { MemorySource } from '../src/bytes/memory-source.js';
import { isWsiError } from '../src/errors.js';
import { type FormatModule, type FormatProbe, FormatRegistry, Registry } from '../src/registry.js';

describe('Registry', () => {
  it('registers, replaces and requires', () => {
    const r = new Registry<number, string>('TIFF compression');
    r.register(1, 'none').register(7, 'jpeg').register(7, 'JPEG');
    expect(r.get(7)).toBe('JPEG');
    expect(r.has(5)).toBe(false);
    expect(r.keys()).toEqual([1, 7]);
    expect(r.require(1)).toBe('none');
    try {
      r.require(33003);
      expect.unreachable();
    } catch (err) {
      expect(isWsiError(err, 'UnsupportedFormat')).toBe(true);
      expect((err as Error).message).toBe('unsupported TIFF compression: 33003');
    }
  });
});

describe('FormatRegistry', () => {
  const probe = (bytes: number[]): FormatProbe => {
    const head = new Uint8Array(bytes);
    return { head, source: new MemorySource(head, 'x.bin') };
  };
  const tiffMagic = (p: FormatProbe) => p.head[0] === 0x49 && p.head[1] === 0x49;
  const mod = (
    id: string,
    priority: number | undefined,
    detect: (p: FormatProbe) => boolean,
  ): FormatModule<string> => ({
    id,
    ...(priority === undefined ? {} : { priority }),
    detect,
    open: async () => id,
  });

  it('tries modules by priority, highest first, whatever the registration order', async () => {
    const f = new FormatRegistry<string>('slide format');
    f.register(mod('generic-tiff', undefined, tiffMagic))
      .register(mod('aperio', 10, tiffMagic))
      .register(mod('other', -1, () => true));
    expect(f.list().map((m) => m.id)).toEqual(['aperio', 'generic-tiff', 'other']);
    expect(await f.open(probe([0x49, 0x49, 42, 0]))).toBe('aperio');
    expect(await f.open(probe([0, 0]))).toBe('other');
  });

  it('re-registering an id replaces it', async () => {
    const f = new FormatRegistry<string>('slide format');
    f.register(mod('a', 1, () => true)).register({ ...mod('a', 1, () => true), open: async () => 'a2' });
    expect(f.list()).toHaveLength(1);
    expect(await f.open(probe([1]))).toBe('a2');
  });

  it('rejects unknown content with UnsupportedFormat naming the source and magic', async () => {
    const f = new FormatRegistry<string>('slide format');
    f.register(mod('generic-tiff', 0, tiffMagic));
    expect(await f.detect(probe([0x89, 0x50]))).toBeUndefined();
    await expect(f.open(probe([0x89, 0x50, 0x4e, 0x47]))).rejects.toSatisfy(
      (e) => isWsiError(e, 'UnsupportedFormat') && /x\.bin/.test(e.message) && e.details?.magic === '89504e47',
    );
  });
});
