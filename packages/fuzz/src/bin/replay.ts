#!/usr/bin/env node
/**
 * `node packages/fuzz/dist/bin/replay.js FILE [INDEX]`: replays a failure from a `<target>.failures.json` (or a
 * bare job / recipe JSON) in this process and prints the failures with their stacks and the time and memory used.
 */
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Job, runJob } from '../tasks.js';

const [file, index = '0'] = process.argv.slice(2);
if (!file) {
  console.error('usage: replay FILE [INDEX]');
  process.exit(2);
}
const data = JSON.parse(await readFile(file, 'utf8'));
const entry = Array.isArray(data) ? data[Number(index)] : data;
const job: Job =
  entry.job ??
  (entry.type ? entry : { type: 'slide', recipe: entry, seedDir: join(tmpdir(), 'wsi-fuzz', 'seeds'), work: tmpdir() });
const t0 = performance.now();
const r = await runJob(job);
const m = process.memoryUsage();
console.log(
  JSON.stringify({ ms: Math.round(performance.now() - t0), rssMb: m.rss >> 20, arrayBuffersMb: m.arrayBuffers >> 20 }),
);
for (const f of r.failures) console.log(f.kind, f.step, f.name, f.message, '\n', f.stack ?? '');
