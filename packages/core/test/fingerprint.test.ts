import { describe, expect, it } from 'vitest';
import type { ByteSource } from '../src/bytes/byte-source.js';
import { MemorySource } from '../src/bytes/memory-source.js';
import { combineFingerprints, fingerprintSource } from '../src/fingerprint.js';
import { pattern } from './bytes-helpers.js';

const MiB = 1 << 20;
const fp = (b: Uint8Array) => fingerprintSource(new MemorySource(b));

describe('fingerprintSource', () => {
  const big = pattern(3 * MiB + 17, 5);

  it('is stable and formatted', async () => {
    const a = await fp(big);
    expect(a).toMatch(/^fp1:[0-9a-f]{64}$/);
    expect(await fp(big.slice())).toBe(a);
  });

  it('changes when a byte at either end changes, not in the unhashed middle', async () => {
    const base = await fp(big);
    for (const at of [0, MiB - 1, big.length - MiB, big.length - 1]) {
      const c = big.slice();
      c[at] = (c[at] as number) ^ 1;
      expect(await fp(c), `byte ${at}`).not.toBe(base);
    }
    const mid = big.slice();
    mid[Math.floor(big.length / 2)] ^= 1;
    expect(await fp(mid)).toBe(base); // documented: only the first and last MiB are hashed
  });

  it('includes the size, and reads at most 2 MiB', async () => {
    expect(await fp(big.subarray(0, big.length - 1))).not.toBe(await fp(big));
    let read = 0;
    const mem = new MemorySource(big);
    const counting: ByteSource = {
      description: 'counting',
      size: () => mem.size(),
      read: async (o, l) => {
        read += l;
        return mem.read(o, l);
      },
      close: () => mem.close(),
    };
    await fingerprintSource(counting);
    expect(read).toBe(2 * MiB);
  });

  it('handles empty, tiny and between-1-and-2-MiB files (every byte counts)', async () => {
    expect(await fp(new Uint8Array(0))).not.toBe(await fp(new Uint8Array(1)));
    expect(await fp(new Uint8Array([1, 2, 3]))).not.toBe(await fp(new Uint8Array([1, 2, 4])));
    const mid = pattern(MiB + MiB / 2, 9);
    const c = mid.slice();
    c[MiB + 10] ^= 1;
    expect(await fp(c)).not.toBe(await fp(mid));
  });

  it('combineFingerprints is order-independent', () => {
    expect(combineFingerprints(['fp1:a', 'fp1:b'])).toBe(combineFingerprints(['fp1:b', 'fp1:a']));
    expect(combineFingerprints(['fp1:a'])).not.toBe(combineFingerprints(['fp1:b']));
  });
});
