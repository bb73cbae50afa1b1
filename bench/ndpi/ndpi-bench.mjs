// NDPI random-read bench: random 256² level-0 reads on a generated ≥ 300-megapixel Hamamatsu NDPI, @wsi/reader vs
// OpenSlide 3.4.1 (Debian python3-openslide) on the same coordinates, plus time to open and read a first region.
// Prints ONE JSON line (progress on stderr). Build first: npx tsc -b packages/reader packages/testing
//
//   node bench/ndpi/ndpi-bench.mjs [--reads 300] [--runs 3] [--concurrency 2] [--backend turbo|native|wasm]
//
// The slide (20480×15360, JPEG q80 4:4:4 pages with a restart marker every 256 px, 4 pages + macro) is written once
// to bench/out/ndpi-bench/ by @wsi/testing's writeNdpi (libvips CLI) and reused.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { jpegBackend, openSlide, setJpegBackend } from '@wsi/reader';

const here = dirname(fileURLToPath(import.meta.url));
const outDir = join(here, '../out/ndpi-bench');
const arg = (name, def) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : def;
};
const READS = Number(arg('reads', 300));
const RUNS = Number(arg('runs', 3));
const CONC = Number(arg('concurrency', 2));
if (arg('backend', '')) setJpegBackend(arg('backend', ''));
const CACHE = 32 << 20; // OpenSlide 3.4.1's default tile cache
const W = 20480;
const H = 15360;
const INTERVAL = 256;
const path = join(outDir, `bench-${W}x${H}-ri${INTERVAL}.ndpi`);
const note = (m) => process.stderr.write(`${m}\n`);

if (!existsSync(path)) {
  // imported only to write the slide: the measured process then holds the reader alone (as the Python one holds
  // only openslide) — @wsi/testing brings sharp, whose extra heap moves V8 into a GC-heavy regime (docs/performance.md)
  const { syntheticTissue, writeNdpi } = await import('@wsi/testing');
  mkdirSync(outDir, { recursive: true });
  const t = performance.now();
  note(`writing ${path} (${((W * H) / 1e6).toFixed(0)} MP)…`);
  await writeNdpi(path, {
    source: syntheticTissue({ width: W, height: H, seed: 3 }),
    quality: 80,
    intervalWidth: INTERVAL,
    pages: 4,
    objective: 40,
    mpp: 0.23,
  });
  note(`written in ${((performance.now() - t) / 1000).toFixed(1)} s`);
}

let seed = 12345;
const rnd = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 4294967296;
const coords = Array.from({ length: READS }, () => [Math.floor(rnd() * (W - 256)), Math.floor(rnd() * (H - 256))]);
// both readers first read WARMUP other regions (page cache, JIT, lazily loaded codecs), untimed
const WARMUP = 40;
const warm = Array.from({ length: WARMUP }, () => [Math.floor(rnd() * (W - 256)), Math.floor(rnd() * (H - 256))]);
const coordsFile = join(outDir, 'coords.json');
writeFileSync(coordsFile, JSON.stringify({ coords, warm }));

// open + first region in a fresh process (module import untimed), like the Python side
const FIRST = `
import { openSlide } from '@wsi/reader';
const [path, x, y] = process.argv.slice(1);
const t = performance.now();
const s = await openSlide(path);
const opened = performance.now() - t;
await s.readRegion({ x: +x, y: +y, level: 0, width: 256, height: 256 });
console.log(JSON.stringify({ openMs: opened, openAndFirstRegionMs: performance.now() - t }));
`;
function oursFirst() {
  const env = { ...process.env, ...(arg('backend', '') ? { WSI_JPEG_BACKEND: arg('backend', '') } : {}) };
  const r = spawnSync(
    process.execPath,
    ['--input-type=module', '-e', FIRST, path, String(coords[0][0]), String(coords[0][1])],
    { encoding: 'utf8', cwd: join(here, '../..'), env },
  );
  if (r.status !== 0) throw new Error(r.stderr);
  return JSON.parse(r.stdout.trim().split('\n').pop());
}

async function oursOnce() {
  const s = await openSlide(path, { cacheBytes: CACHE });
  for (const [x, y] of warm) await s.readRegion({ x, y, level: 0, width: 256, height: 256 });
  let next = 0;
  const c0 = process.cpuUsage();
  const t = performance.now();
  const worker = async () => {
    while (next < coords.length) {
      const [x, y] = coords[next++];
      await s.readRegion({ x, y, level: 0, width: 256, height: 256 });
    }
  };
  await Promise.all(Array.from({ length: CONC }, worker));
  const secs = (performance.now() - t) / 1000;
  const cpu = process.cpuUsage(c0);
  await s.close();
  return { rps: coords.length / secs, cpuMsPerRead: (cpu.user + cpu.system) / 1000 / coords.length };
}

const PY = `
import sys, json, time, threading, openslide
path, cf, threads = sys.argv[1], sys.argv[2], int(sys.argv[3])
d = json.load(open(cf)); coords, warm = d['coords'], d['warm']
t = time.perf_counter()
s = openslide.OpenSlide(path)
opened = time.perf_counter() - t
s.read_region((coords[0][0], coords[0][1]), 0, (256, 256))
first = time.perf_counter() - t
s.close()
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
print(json.dumps({'rps': len(coords) / (time.perf_counter() - t), 'cpuMsPerRead': (time.process_time() - c) * 1000 / len(coords), 'openMs': opened * 1000, 'firstMs': first * 1000}))
`;
function openslideOnce(threads) {
  const r = spawnSync('/usr/bin/python3', ['-c', PY, path, coordsFile, String(threads)], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
  return JSON.parse(r.stdout.trim().split('\n').pop());
}

const median = (a) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
const ours = [];
const oursOpen = [];
const os1 = [];
const os2 = [];
for (let i = 0; i < RUNS; i++) {
  os1.push(openslideOnce(1));
  os2.push(openslideOnce(CONC));
  oursOpen.push(oursFirst());
  ours.push(await oursOnce());
  note(
    `run ${i + 1}: ours ${ours[i].rps.toFixed(1)} reads/s, openslide 1 thread ${os1[i].rps.toFixed(1)}, ${CONC} threads ${os2[i].rps.toFixed(1)}`,
  );
}
const probe = await openSlide(path);
const lv = probe.levels;
const { page } = probe.levelSource(0);
await probe.close();
const osBest = Math.max(median(os1.map((r) => r.rps)), median(os2.map((r) => r.rps)));
const oursRps = median(ours.map((r) => r.rps));
const oursFirstMs = median(oursOpen.map((r) => r.openAndFirstRegionMs));
const osFirstMs = median([...os1, ...os2].map((r) => r.firstMs));
console.log(
  JSON.stringify({
    bench: 'ndpi-random-256-level0',
    slide: {
      path,
      width: W,
      height: H,
      megapixels: Math.round((W * H) / 1e6),
      levels: lv.length,
      restartIntervalPx: page.intervalWidth,
      logicalTile: [page.tileWidth, page.tileHeight],
    },
    jpegBackend: await jpegBackend(),
    reads: READS,
    runs: RUNS,
    concurrency: CONC,
    cacheBytes: CACHE,
    oursReadsPerSec: +oursRps.toFixed(1),
    openslideReadsPerSec1Thread: +median(os1.map((r) => r.rps)).toFixed(1),
    openslideReadsPerSecThreads: +median(os2.map((r) => r.rps)).toFixed(1),
    ratioVsBestOpenslide: +(oursRps / osBest).toFixed(2),
    target: 1.5,
    // CPU time per read (all threads of the process): less sensitive than reads/s to other load on the machine
    oursCpuMsPerRead: +median(ours.map((r) => r.cpuMsPerRead)).toFixed(2),
    openslideCpuMsPerRead1Thread: +median(os1.map((r) => r.cpuMsPerRead)).toFixed(2),
    loadAverage1m: +(await import('node:os')).loadavg()[0].toFixed(1),
    oursOpenMs: +median(oursOpen.map((r) => r.openMs)).toFixed(1),
    oursOpenAndFirstRegionMs: +oursFirstMs.toFixed(1),
    openslideOpenMs: +median([...os1, ...os2].map((r) => r.openMs)).toFixed(1),
    openslideOpenAndFirstRegionMs: +osFirstMs.toFixed(1),
    firstRegionRatio: +(osFirstMs / oursFirstMs).toFixed(2),
  }),
);
