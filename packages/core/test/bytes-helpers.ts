/** Test helpers for byte comparisons (vitest's deep equality is slow on large typed arrays). */

/** Deterministic pseudo-random bytes. */
export function pattern(n: number, seed = 1): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

/** Hex of the first difference, or 'equal' — readable in assertion failures, fast on MiB arrays. */
export function diff(actual: Uint8Array, expected: Uint8Array): string {
  if (actual.length !== expected.length) return `length ${actual.length} ≠ ${expected.length}`;
  if (Buffer.from(actual.buffer, actual.byteOffset, actual.length).equals(expected)) return 'equal';
  const i = actual.findIndex((v, k) => v !== expected[k]);
  return `byte ${i}: ${actual[i]} ≠ ${expected[i]}`;
}
