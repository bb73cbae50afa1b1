// Every failure the fuzzer found, replayed from its recipe (seed id + mutations + case seed; never a copy of a
// fixture's bytes) in a worker with a time limit and a memory bound: each must now pass.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fixture } from '@wsi/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { WorkerPool } from '../src/pool.js';
import type { SlideRecipe } from '../src/recipe.js';

const dir = join(__dirname, 'regressions');
const cases = readdirSync(dir)
  .filter((f) => f.endsWith('.json'))
  .map((f) => ({ name: f.replace(/\.json$/, ''), ...JSON.parse(readFileSync(join(dir, f), 'utf8')) })) as {
  name: string;
  description: string;
  fixed: string;
  recipe: SlideRecipe;
}[];

const available = (r: SlideRecipe) => !r.seed.startsWith('fixture:') || fixture(r.seed.slice(8)) !== undefined;

describe('fuzz regressions (recipes in test/regressions; fixture-seeded ones skip without ../shared/fixtures)', () => {
  const pool = new WorkerPool({ size: 2, timeoutMs: 30_000, memoryMb: 512 });
  const seedDir = mkdtempSync(join(tmpdir(), 'wsi-fuzz-seeds-'));
  const work = mkdtempSync(join(tmpdir(), 'wsi-fuzz-work-'));
  afterAll(async () => {
    await pool.close();
    rmSync(seedDir, { recursive: true, force: true });
    rmSync(work, { recursive: true, force: true });
  });

  it('has recipes', () => expect(cases.length).toBeGreaterThan(0));

  for (const c of cases) {
    it.skipIf(!available(c.recipe))(`${c.name}: ${c.description}`, async () => {
      const r = await pool.run({ type: 'slide', recipe: c.recipe, seedDir, work });
      expect(r.failures).toEqual([]);
      expect(r.growthMb).toBeLessThan(512);
    });
  }
});
