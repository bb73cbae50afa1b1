// A small fuzz run inside the test suite: a few cases of every target (slide formats, the HTTP source, the property
// targets), each in a worker with a time limit and a memory bound. Every case must pass; `npm run fuzz` runs more.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { WorkerPool } from '../src/pool.js';
import { PROPERTY_TARGETS } from '../src/props/index.js';
import { runTarget } from '../src/runner.js';
import { SLIDE_TARGETS } from '../src/seeds.js';

const SEED = 20_261_127;

describe('fuzz smoke run', () => {
  const pool = new WorkerPool({ size: 2, timeoutMs: 30_000, memoryMb: 512 });
  const seedDir = mkdtempSync(join(tmpdir(), 'wsi-fuzz-seeds-'));
  const work = mkdtempSync(join(tmpdir(), 'wsi-fuzz-work-'));
  afterAll(async () => {
    await pool.close();
    rmSync(seedDir, { recursive: true, force: true });
    rmSync(work, { recursive: true, force: true });
  });

  const targets: [string, number][] = [
    ...Object.keys(SLIDE_TARGETS).map((t): [string, number] => [t, 4]),
    ['http-source', 4],
    ['server', 4],
    ...PROPERTY_TARGETS.map((t): [string, number] => [t, t === 'onnx' || t === 'h5' ? 50 : 100]),
  ];
  it.each(targets)('%s: %i cases, no failure', async (target, cases) => {
    const s = await runTarget(pool, target, { cases, ms: 60_000, seed: SEED }, { seedDir, work });
    expect(s.distinct.map((d) => `${d.signature}: ${d.failure.message}`)).toEqual([]);
    expect(s.hangs).toBe(0);
  });
});
