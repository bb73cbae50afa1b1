#!/usr/bin/env node
// Patch QC cost: prints ONE JSON line. On the bench slide (bench/out/bench.tif, see patch-bench.mjs; built by
// ../shared/bench/make_bench_slide.sh), segments and grids 256-px level-0 patches (clam-default, as patch-bench),
// then times computePatchQc at the default side (64 px → a coarser pyramid level) and at the patch level
// (side Infinity), wall and CPU, against segmentation + grid.
// usage: node bench/patcher/qc-bench.mjs [--concurrency 8]
import { existsSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { computePatchQc, PatchGenerator, QC_COLUMNS } from '@wsi/patcher';
import { openSlide } from '@wsi/reader';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const args = process.argv.slice(2);
const i = args.indexOf('--concurrency');
const concurrency = i >= 0 ? Number(args[i + 1]) : 8;
const slidePath = join(root, 'bench/out/bench.tif');
if (!existsSync(slidePath)) {
  process.stderr.write(
    '[qc-bench] bench/out/bench.tif is missing: run bench/patcher/patch-bench.mjs once to build it\n',
  );
  process.exit(2);
}
const timed = async (fn) => {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const value = await fn();
  const c = process.cpuUsage(c0);
  return { value, wall: (performance.now() - t0) / 1000, cpu: (c.user + c.system) / 1e6 };
};
const slide = await openSlide(slidePath);
const gen = new PatchGenerator({ preset: 'clam-default', patchSize: 256 });
const grid = await timed(async () => gen.grid(slide, 'bench', await gen.segment(slide)));
const set = grid.value;
const n = set.coords.length / 2;
const k = QC_COLUMNS.length;
const result = {
  bench: 'patcher-qc',
  patches: n,
  levels: slide.levels.map((l) => l.downsample),
  concurrency,
  loadavg: loadavg().map((x) => Number(x.toFixed(2))),
  segmentAndGrid: { wall: Number(grid.wall.toFixed(2)), cpu: Number(grid.cpu.toFixed(2)) },
};
for (const [name, side] of [
  ['default', 64],
  ['patchLevel', Number.POSITIVE_INFINITY],
]) {
  const r = await timed(() => computePatchQc(slide, set, { side, concurrency }));
  let flagged = 0;
  for (let j = 0; j < n; j++) if (r.value.data[j * k + k - 1] !== 0) flagged++;
  result[name] = {
    level: r.value.attrs.qc_level,
    side: r.value.attrs.qc_side,
    wall: Number(r.wall.toFixed(2)),
    cpu: Number(r.cpu.toFixed(2)),
    patchesPerSecond: Number((n / r.wall).toFixed(0)),
    flagged,
  };
  process.stderr.write(`[qc-bench] ${name}: ${JSON.stringify(result[name])}\n`);
}
await slide.close();
console.log(JSON.stringify(result));
