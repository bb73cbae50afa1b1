#!/usr/bin/env node
// Patcher benchmark: prints ONE JSON line.
//  1. segmentation + coords (CLAM default preset, 256 px at level 0) of the 1.26 Gpx bench slide
//     (../shared/bench/make_bench_slide.sh → bench/out/bench.tif, built once when absent): median of --reps runs,
//     wall and CPU time; target ≤ 1 s.
//  2. extraction of the tissue patches (level 0, 256²) to an h5 patch file (imgs N×256×256×3 + coords) with
//     @wsi/patcher vs an OpenSlide-python + h5py loop over the SAME coordinates (/usr/bin/python3); ratio (target
//     ≥ 3×) and peak RSS of each (target < 1 GiB). `--limit N` extracts the first N patches only (a subset, reported).
// usage: node bench/patcher/patch-bench.mjs [--limit N] [--reps 5] [--concurrency 8]
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PatchGenerator, writePatchesH5 } from '@wsi/patcher';
import { openSlide } from '@wsi/reader';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const args = process.argv.slice(2);
const arg = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : dflt;
};
const limit = arg('--limit', Number.POSITIVE_INFINITY);
const reps = arg('--reps', 5);
const concurrency = arg('--concurrency', 8);
const log = (m) => process.stderr.write(`[patch-bench] ${m}\n`);

const slidePath = join(root, 'bench/out/bench.tif');
if (!existsSync(slidePath)) {
  log('building bench/out/bench.tif with ../shared/bench/make_bench_slide.sh (a minute or two)…');
  mkdirSync(dirname(slidePath), { recursive: true });
  execFileSync('bash', [resolve(root, '../shared/bench/make_bench_slide.sh'), slidePath], { stdio: ['ignore', 2, 2] });
}
const out = join(root, 'bench/out/patcher');
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

// 1. segmentation + coords, the slide opened once (as a pipeline does), median of reps
const gen = new PatchGenerator({ preset: 'clam-default', patchSize: 256 });
const slide = await openSlide(slidePath);
const walls = [];
const cpus = [];
let set;
let seg;
for (let r = 0; r < reps; r++) {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  seg = await gen.segment(slide);
  set = await gen.grid(slide, 'bench', seg);
  walls.push((performance.now() - t0) / 1000);
  const c = process.cpuUsage(c0);
  cpus.push((c.user + c.system) / 1e6);
}
const coordsPath = join(out, 'patches/bench.h5');
const tw = performance.now();
await gen.writeCoords(set, coordsPath);
const writeCoordsS = (performance.now() - tw) / 1000;
const total = set.coords.length / 2;
log(
  `segmentation+coords: ${median(walls).toFixed(3)} s wall (median of ${reps}), ${total} patches, ${seg.regions.length} regions`,
);

// 2. extraction: ours
const n = Math.min(total, limit);
const subset = { coords: set.coords.subarray(0, n * 2), meta: set.meta };
const subsetCoords = join(out, 'subset_coords.h5');
await gen.writeCoords(subset, subsetCoords);
const oursPath = join(out, 'extract_wsi.h5');
const t1 = performance.now();
const c1 = process.cpuUsage();
await writePatchesH5(slide, subset, oursPath, { concurrency, batch: 64 });
const oursS = (performance.now() - t1) / 1000;
const oursCpu = process.cpuUsage(c1);
await slide.close();
const oursRss = process.resourceUsage().maxRSS * 1024;
log(`ours: ${n} patches in ${oursS.toFixed(2)} s`);

// 2b. the OpenSlide-python + h5py loop over the same coordinates
const py = `
import sys, time, json, resource, h5py, numpy as np, openslide
slide_path, coords_path, out_path = sys.argv[1:4]
coords = h5py.File(coords_path, 'r')['coords'][:]
s = openslide.OpenSlide(slide_path)
ru0 = resource.getrusage(resource.RUSAGE_SELF); cpu0 = ru0.ru_utime + ru0.ru_stime
t0 = time.perf_counter()
with h5py.File(out_path, 'w') as f:
    imgs = f.create_dataset('imgs', shape=(0, 256, 256, 3), maxshape=(None, 256, 256, 3), chunks=(1, 256, 256, 3), dtype=np.uint8)
    cds = f.create_dataset('coords', shape=(0, 2), maxshape=(None, 2), chunks=(32, 2), dtype=np.int64)
    for i, (x, y) in enumerate(coords):
        img = np.array(s.read_region((int(x), int(y)), 0, (256, 256)).convert('RGB'))
        imgs.resize(i + 1, axis=0); imgs[i] = img
        cds.resize(i + 1, axis=0); cds[i] = (x, y)
dt = time.perf_counter() - t0
ru = resource.getrusage(resource.RUSAGE_SELF)
print(json.dumps({'seconds': dt, 'cpu': ru.ru_utime + ru.ru_stime - cpu0, 'n': int(len(coords)), 'maxrss': ru.ru_maxrss * 1024}))
`;
const pyOut = join(out, 'extract_openslide.h5');
log('openslide-python + h5py loop…');
const r = spawnSync('/usr/bin/python3', ['-c', py, slidePath, subsetCoords, pyOut], {
  encoding: 'utf8',
  maxBuffer: 1 << 24,
});
if (r.status !== 0) throw new Error(r.stderr);
const pyRes = JSON.parse(r.stdout.trim().split('\n').at(-1));

// same coordinates, same pixels count
const check = spawnSync(
  '/usr/bin/python3',
  [
    '-c',
    `
import sys, json, h5py, numpy as np
a, b = h5py.File(sys.argv[1], 'r'), h5py.File(sys.argv[2], 'r')
same = bool(np.array_equal(a['coords'][:], b['coords'][:]))
ia, ib = a['imgs'], b['imgs']
idx = np.linspace(0, ia.shape[0] - 1, min(50, ia.shape[0])).astype(int) if ia.shape[0] else []
d = [float(np.abs(ia[i].astype(np.int16) - ib[i].astype(np.int16)).mean()) for i in idx]
print(json.dumps({'sameCoords': same, 'shape': list(ia.shape), 'meanAbsDiff': float(np.mean(d)) if d else 0.0}))
`,
    oursPath,
    pyOut,
  ],
  { encoding: 'utf8' },
);
const cmp = check.status === 0 ? JSON.parse(check.stdout.trim().split('\n').at(-1)) : { error: check.stderr };
const oursMiB = statSync(oursPath).size / 2 ** 20;
// the two patch files are 2 GiB each on the full run: do not leave them behind
rmSync(oursPath, { force: true });
rmSync(pyOut, { force: true });

console.log(
  JSON.stringify({
    bench: 'patcher',
    slide: {
      path: 'bench/out/bench.tif',
      width: set.meta.levelDim[0],
      height: set.meta.levelDim[1],
      gigapixels: +((set.meta.levelDim[0] * set.meta.levelDim[1]) / 1e9).toFixed(3),
    },
    segmentAndCoords: {
      seconds: +median(walls).toFixed(3),
      cpuSeconds: +median(cpus).toFixed(3),
      runs: walls.map((x) => +x.toFixed(3)),
      level: seg.level,
      regions: seg.regions.length,
      patches: total,
      writeCoordsSeconds: +writeCoordsS.toFixed(3),
      targetSeconds: 1,
    },
    extract: {
      patches: n,
      subset: n < total ? `first ${n} of ${total} tissue patches (--limit)` : 'all tissue patches',
      concurrency,
      wsi: {
        seconds: +oursS.toFixed(2),
        cpuSeconds: +((oursCpu.user + oursCpu.system) / 1e6).toFixed(2),
        patchesPerSecond: +(n / oursS).toFixed(1),
        peakRssMiB: +(oursRss / 2 ** 20).toFixed(0),
        fileMiB: +oursMiB.toFixed(0),
      },
      openslidePython: {
        seconds: +pyRes.seconds.toFixed(2),
        cpuSeconds: +pyRes.cpu.toFixed(2),
        patchesPerSecond: +(n / pyRes.seconds).toFixed(1),
        peakRssMiB: +(pyRes.maxrss / 2 ** 20).toFixed(0),
      },
      ratio: +(pyRes.seconds / oursS).toFixed(2),
      cpuRatio: +(pyRes.cpu / ((oursCpu.user + oursCpu.system) / 1e6)).toFixed(2),
      targetRatio: 3,
      check: cmp,
    },
    load: (await import('node:os')).loadavg().map((x) => +x.toFixed(1)),
  }),
);
