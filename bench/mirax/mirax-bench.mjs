// MIRAX random-read bench: random 256² level-0 reads on a generated ≥ 300-megapixel MIRAX slide, @wsi/reader vs
// OpenSlide 3.4.1 (Debian python3-openslide) on the same coordinates. Prints ONE JSON line (progress on stderr).
//
//   node bench/mirax/mirax-bench.mjs [--reads 400] [--runs 3] [--concurrency 4] [--jpeg turbo|native|wasm]
//
// Each side runs in its best configuration on this machine's cores, and the ratio compares the bests: OpenSlide with
// 1, CORES and --concurrency threads (more threads than cores only slows it down), ours with CORES and --concurrency
// reads in flight (default 4, the reader's own readRegions default: max(4, 2 × cores)). The ratio at equal
// concurrency (CORES reads in flight vs CORES threads) is printed too.
//
// The slide (JPEG q90, 512×512 camera images, 2 divisions per side, overlaps and a zlib position buffer, 4 zoom
// levels) is written once to bench/out/mirax-bench/ by @wsi/testing's writeMirax and reused.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { jpegBackend, openSlide, setJpegBackend } from '@wsi/reader';

const here = dirname(fileURLToPath(import.meta.url));
const outDir = join(here, '../out/mirax-bench');
const arg = (name, def) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : def;
};
const READS = arg('reads', 400);
const RUNS = arg('runs', 3);
const CORES = availableParallelism();
const CONC = arg('concurrency', Math.max(4, 2 * CORES));
// the default JPEG engine (libjpeg-turbo through FFI, bit-exact with OpenSlide) unless --jpeg native|wasm is given
const jpegIdx = process.argv.indexOf('--jpeg');
setJpegBackend(jpegIdx >= 0 ? process.argv[jpegIdx + 1] : 'turbo');
const CACHE = 32 << 20; // OpenSlide 3.4.1's default tile cache
const geometry = {
  imagesX: 40,
  imagesY: 36,
  divisions: 2,
  imageWidth: 512,
  imageHeight: 512,
  overlapX: 30,
  overlapY: 24,
  levels: 4,
  positions: 'compressed',
  jitter: 6,
  seed: 11,
};
const path = join(outDir, `bench-${geometry.imagesX}x${geometry.imagesY}.mrxs`);
const note = (m) => process.stderr.write(`${m}\n`);

if (!existsSync(path)) {
  // imported only to write the slide: the measured process then holds the reader alone (as the Python one holds
  // only openslide) — @wsi/testing brings sharp, whose extra heap moves V8 into a GC-heavy regime (docs/performance.md)
  const { syntheticTissue, writeMirax } = await import('@wsi/testing');
  mkdirSync(outDir, { recursive: true });
  const t = performance.now();
  const w = geometry.imagesX * geometry.imageWidth;
  const h = geometry.imagesY * geometry.imageHeight;
  note(`writing ${path} (${((w * h) / 1e6).toFixed(0)} MP source)…`);
  await writeMirax({ path, source: syntheticTissue({ width: w, height: h, seed: 3 }), geometry, quality: 90 });
  note(`written in ${((performance.now() - t) / 1000).toFixed(1)} s`);
}

const slide = await openSlide(path, { cacheBytes: CACHE });
const { width, height } = slide.levels[0];
let seed = 12345;
const rnd = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 4294967296;
const coords = Array.from({ length: READS }, () => [
  Math.floor(rnd() * (width - 256)),
  Math.floor(rnd() * (height - 256)),
]);
// both readers first read WARMUP other regions (page cache, JIT, the buffer pool), untimed — as bench/ndpi does
const WARMUP = 100;
const warm = Array.from({ length: WARMUP }, () => [
  Math.floor(rnd() * (width - 256)),
  Math.floor(rnd() * (height - 256)),
]);
const coordsFile = join(outDir, 'coords.json');
writeFileSync(coordsFile, JSON.stringify({ coords, warm }));

async function oursOnce(conc) {
  const s = await openSlide(path, { cacheBytes: CACHE });
  for (const [x, y] of warm) await s.readRegion({ x, y, level: 0, width: 256, height: 256 });
  let next = 0;
  const cpu0 = process.cpuUsage();
  const t = performance.now();
  const worker = async () => {
    while (next < coords.length) {
      const [x, y] = coords[next++];
      await s.readRegion({ x, y, level: 0, width: 256, height: 256 });
    }
  };
  await Promise.all(Array.from({ length: conc }, worker));
  const secs = (performance.now() - t) / 1000;
  const cpu = process.cpuUsage(cpu0);
  await s.close();
  return { rps: coords.length / secs, cpuMs: (cpu.user + cpu.system) / 1000 / coords.length };
}

const PY = `
import sys, json, time, threading, openslide
path, cf, threads = sys.argv[1], sys.argv[2], int(sys.argv[3])
d = json.load(open(cf)); coords, warm = d['coords'], d['warm']
s = openslide.OpenSlide(path)
for c in warm: s.read_region((c[0], c[1]), 0, (256, 256))
it = iter(coords); lock = threading.Lock()
def work():
    while True:
        with lock:
            c = next(it, None)
        if c is None: return
        s.read_region((c[0], c[1]), 0, (256, 256))
t = time.perf_counter(); c = time.process_time()
ts = [threading.Thread(target=work) for _ in range(threads)]
[x.start() for x in ts]; [x.join() for x in ts]
print(json.dumps({'rps': len(coords) / (time.perf_counter() - t), 'cpuMs': (time.process_time() - c) * 1000 / len(coords)}))
`;
function openslideOnce(threads) {
  const r = spawnSync('/usr/bin/python3', ['-c', PY, path, coordsFile, String(threads)], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
  return JSON.parse(r.stdout.trim().split('\n').pop());
}

const median = (a) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
const med = (runs, k) => median(runs.map((r) => r[k]));
const counts = [...new Set([CORES, CONC])];
const ours = new Map(counts.map((k) => [k, []]));
const os = new Map([...new Set([1, ...counts])].map((k) => [k, []]));
for (let i = 0; i < RUNS; i++) {
  for (const [k, list] of os) list.push(openslideOnce(k));
  for (const [k, list] of ours) list.push(await oursOnce(k));
  const f = (r) => `${r.rps.toFixed(1)} reads/s (${r.cpuMs.toFixed(2)} CPU ms/read)`;
  const o = [...ours].map(([k, l]) => `${k} in flight ${f(l[i])}`).join(', ');
  const p = [...os].map(([k, l]) => `${k} thread${k > 1 ? 's' : ''} ${f(l[i])}`).join(', ');
  note(`run ${i + 1}: ours ${o}; openslide ${p}`);
}
await slide.close();
const bestOf = (m) => Math.max(...[...m.values()].map((l) => med(l, 'rps')));
const best = bestOf(os);
const oursBest = bestOf(ours);
const os1 = os.get(1);
const ours1 = [...ours.values()].find((l) => med(l, 'rps') === oursBest);
console.log(
  JSON.stringify({
    bench: 'mirax-random-256-level0',
    slide: {
      path,
      width,
      height,
      megapixels: Math.round((width * height) / 1e6),
      levels: slide.levels.length,
      geometry,
    },
    reads: READS,
    runs: RUNS,
    cores: CORES,
    concurrency: CONC,
    jpegBackend: await jpegBackend(),
    cacheBytes: CACHE,
    // reads/s (medians) by reads in flight (ours) and threads (OpenSlide)
    oursReadsPerSec: Object.fromEntries([...ours].map(([k, l]) => [k, +med(l, 'rps').toFixed(1)])),
    openslideReadsPerSec: Object.fromEntries([...os].map(([k, l]) => [k, +med(l, 'rps').toFixed(1)])),
    ratioVsBestOpenslide: +(oursBest / best).toFixed(2),
    ratioAtEqualConcurrency: +(med(ours.get(CORES), 'rps') / med(os.get(CORES), 'rps')).toFixed(2),
    // load-independent view: CPU time (user + sys, all threads) per read; on 2 idle cores reads/s ≈ 2000 / ms
    oursCpuMsPerRead: +med(ours1, 'cpuMs').toFixed(2),
    openslideCpuMsPerRead: +med(os1, 'cpuMs').toFixed(2),
    cpuRatio: +(med(os1, 'cpuMs') / med(ours1, 'cpuMs')).toFixed(2),
    loadAverage1m: +loadavg()[0].toFixed(2),
    target: 1.5,
  }),
);
