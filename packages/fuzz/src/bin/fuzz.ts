#!/usr/bin/env node
/**
 * `npm run fuzz [-- --long] [--target svs,ndpi] [--seed N] [--seconds S] [--workers N] [--out DIR]`: runs every
 * fuzz target and prints one JSON line per target (`cases`, `failures`, `hangs`, `maxRssMb`). The default run is
 * bounded (≤ 4 minutes in all); `--long` runs ≥ 10 000 cases per slide format. Distinct failures, each with the job
 * that reproduces it, go to `<out>/<target>.failures.json`. Exit code 1 when any target failed.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WorkerPool } from '../pool.js';
import { PROPERTY_TARGETS } from '../props/index.js';
import { runTarget } from '../runner.js';
import { SLIDE_TARGETS, seedPath } from '../seeds.js';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const long = process.argv.includes('--long');
const all = [...Object.keys(SLIDE_TARGETS), 'http-source', 'server', ...PROPERTY_TARGETS];
const targets = arg('target')?.split(',') ?? all;
const unknown = targets.filter((t) => !all.includes(t));
if (unknown.length > 0) {
  console.error(`unknown target(s) ${unknown.join(', ')}; known: ${all.join(', ')}`);
  process.exit(2);
}
const seed = Number(arg('seed') ?? 1);
const out = arg('out') ?? join(tmpdir(), 'wsi-fuzz');
// default: ~150 s of targets in all (slide formats get the most), so the run stays under 4 minutes
const totalS = Number(arg('seconds') ?? (long ? 36_000 : 150));
const weight = (t: string) => (SLIDE_TARGETS[t] ? 4 : t === 'server' || t === 'http-source' ? 2 : 1);
const weights = targets.reduce((s, t) => s + weight(t), 0);

await mkdir(out, { recursive: true });
const seedDir = join(out, 'seeds');
const work = await mkdtemp(join(tmpdir(), 'wsi-fuzz-work-'));
let failed = false;
let pool: WorkerPool | undefined;
// generate the seeds before any target's clock starts
for (const specs of Object.values(SLIDE_TARGETS)) for (const spec of specs) await seedPath(spec.id, seedDir);
try {
  for (const target of targets) {
    // a fresh pool per target, so maxRssMb is the target's own
    pool = new WorkerPool({ size: Number(arg('workers') ?? 2), timeoutMs: Number(arg('timeout-ms') ?? 30_000) });
    const ms = (totalS * 1000 * weight(target)) / weights;
    const cases = long ? (SLIDE_TARGETS[target] ? 10_000 : 2_000) : Number.POSITIVE_INFINITY;
    const s = await runTarget(
      pool,
      target,
      { cases, ms: long ? Number.POSITIVE_INFINITY : ms, seed },
      { seedDir, work },
    );
    const line = {
      target: s.target,
      cases: s.cases,
      failures: s.failures,
      hangs: s.hangs,
      maxRssMb: s.maxRssMb,
      seconds: Math.round(s.ms / 100) / 10,
      distinct: s.distinct.length,
      ...(s.outcomes['open:ok'] === undefined ? {} : { opened: s.outcomes['open:ok'] }),
    };
    await pool.close();
    console.log(JSON.stringify(line));
    if (Object.keys(s.outcomes).length > 0)
      await writeFile(join(out, `${target}.outcomes.json`), `${JSON.stringify(s.outcomes, null, 2)}\n`);
    if (s.distinct.length > 0) {
      failed = true;
      const file = join(out, `${target}.failures.json`);
      await writeFile(file, `${JSON.stringify(s.distinct, null, 2)}\n`);
      for (const d of s.distinct.slice(0, 10))
        console.error(`  ${d.count}× ${d.signature}: ${d.failure.message.slice(0, 200)}`);
      console.error(`  recipes: ${file}`);
    }
  }
} finally {
  await pool?.close();
  await rm(work, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
