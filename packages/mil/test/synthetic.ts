import type { MemoryBag } from '../src/data/bags.js';
import { Rng } from '../src/engine/rng.js';

/**
 * Synthetic MIL bags: instances ~ N(0, 1); in positive bags `witnesses` instances are shifted by `shift` along the
 * first quarter of the dimensions (the only signal).
 */
export function syntheticBags(o: {
  bags: number;
  dim: number;
  minN: number;
  maxN: number;
  seed: number;
  witnesses?: number;
  shift?: number;
}): MemoryBag[] {
  const rng = new Rng(o.seed);
  const out: MemoryBag[] = [];
  for (let b = 0; b < o.bags; b++) {
    const classes = o.classes ?? 2;
    const label = b % classes;
    const block = Math.floor(o.dim / 4);
    const n = o.minN + rng.int(o.maxN - o.minN + 1);
    const features = new Float32Array(n * o.dim);
    for (let i = 0; i < features.length; i++) features[i] = rng.normal();
    if (label > 0) {
      for (let w = 0; w < (o.witnesses ?? 3); w++) {
        const row = rng.int(n);
        for (let d = (label - 1) * block; d < label * block; d++) {
          features[row * o.dim + d] = (features[row * o.dim + d] as number) + (o.shift ?? 2);
        }
      }
    }
    const coords = new Int32Array(n * 2);
    for (let i = 0; i < n; i++) {
      coords[2 * i] = (i % 10) * 256;
      coords[2 * i + 1] = Math.floor(i / 10) * 256;
    }
    out.push({ id: `bag-${b}`, label, features, n, coords });
  }
  return out;
}
