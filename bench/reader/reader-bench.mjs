#!/usr/bin/env node
// @wsi/reader patch reads vs OpenSlide, side by side in one run, printing ONE JSON line (progress on stderr).
//
//   npx tsc -b packages/reader
//   node bench/reader/reader-bench.mjs [SLIDE.tif] [--repeats 3] [--random 2000] [--grid 4000] [--concurrency 8]
//
// Input: bench/out/bench.tif, the 1.26-gigapixel slide of ../shared/bench/make_bench_slide.sh (built when absent,
// to a temp name then renamed). Each repetition runs, interleaved so the machine's load hits all alike:
//   - OpenSlide 3.4.1 (../shared/bench/openslide_baseline.py under /usr/bin/python3): random 256² level-0 regions
//     (seeded list) and the row-major 256² grid, one read_region per patch (CLAM's loop), CPU time from getrusage;
//   - ours on the SAME coordinate lists (the baseline writes them): `slide.readRegions(regions, {concurrency,
//     recycle})` — K regions in flight on libuv's threadpool — with and without buffer recycling, and the naive
//     one-`await readRegion()`-at-a-time loop;
//   - the decode ceiling: native libjpeg-turbo through Pillow (single process; × cores for the machine) and our
//     `decodeTile` with K in flight, on the same tile bytes.
// Figures are medians of --repeats runs; CPU µs per patch (process.cpuUsage: all threads of the process, threadpool
// included) is reported too because it is far less sensitive to other jobs on the machine than patches/s.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '../..');
const shared = resolve(root, '../shared/bench');
const args = process.argv.slice(2);
const option = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args.splice(i, 2)[1]) : dflt;
};
const REPEATS = option('--repeats', 3);
const N_RANDOM = option('--random', 2000);
const N_GRID = option('--grid', 4000);
const K = option('--concurrency', Math.max(4, 2 * availableParallelism()));
const FULL_GRID = !args.includes('--no-full-grid');
for (const flag of ['--no-full-grid', '--sequential']) if (args.includes(flag)) args.splice(args.indexOf(flag), 1);
const slidePath = resolve(args[0] ?? join(root, 'bench/out/bench.tif'));
const PY = '/usr/bin/python3';
const log = (...m) => console.error('[reader-bench]', ...m);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const round = (v, d = 0) => Math.round(v * 10 ** d) / 10 ** d;

if (!existsSync(slidePath)) {
  const tmp = `${slidePath}.tmp-${process.pid}.tif`;
  log('building', slidePath, '(vips, 1-2 min)');
  execFileSync(join(shared, 'make_bench_slide.sh'), [tmp], { stdio: ['ignore', 'ignore', 'inherit'] });
  renameSync(tmp, slidePath);
}

const reader = await import(pathToFileURL(join(root, 'packages/reader/dist/index.js')).href);
const work = mkdtempSync(join(tmpdir(), 'wsi-reader-bench-'));
const coordsPath = join(work, 'coords.json');

/** One OpenSlide baseline run of one phase; CPU time from the child's own getrusage. */
function openslide(nRandom, nGrid, writeCoords) {
  const code = `import json, resource, runpy, sys
sys.argv = sys.argv[1:]
runpy.run_path(sys.argv[0], run_name='__main__')
r = resource.getrusage(resource.RUSAGE_SELF)
print(json.dumps({'cpu_s': r.ru_utime + r.ru_stime, 'maxrss_kb': r.ru_maxrss}), file=sys.stderr)`;
  const argv = ['-c', code, join(shared, 'openslide_baseline.py'), slidePath, String(nRandom), String(nGrid)];
  if (writeCoords) argv.push(coordsPath);
  const r = spawnSync(PY, argv, { encoding: 'utf8', maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`openslide_baseline.py failed: ${r.stderr}`);
  const out = JSON.parse(r.stdout.trim().split('\n').pop());
  const usage = JSON.parse(r.stderr.trim().split('\n').pop());
  return { ...out, ...usage };
}

function region([x, y]) {
  return { x, y, level: 0, width: 256, height: 256 };
}

/** Reads every region through readRegions with K in flight; returns patches/s and CPU µs per patch. */
async function ours(list, { concurrency, recycle, backend = 'turbo' }) {
  reader.setJpegBackend(backend);
  const slide = await reader.openSlide(slidePath); // opening (IFD parse) is outside the timed loop, as for OpenSlide
  try {
    let checksum = 0;
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    if (concurrency === 1 && !recycle) {
      for (const c of list) checksum += (await slide.readRegion(region(c))).data[1000];
    } else {
      for await (const { raster } of slide.readRegions(list.map(region), { concurrency, recycle })) {
        checksum += raster.data[1000];
      }
    }
    const s = (performance.now() - t0) / 1000;
    const c = process.cpuUsage(c0);
    return { rate: list.length / s, cpuUs: (c.user + c.system) / list.length, checksum };
  } finally {
    await slide.close();
  }
}

/** Complete JPEG streams of the grid's tiles (the bytes every decoder below gets). */
async function tileStreams(count) {
  const slide = await reader.openSlide(slidePath);
  try {
    const img = slide.levelImage(0);
    const across = Math.ceil(img.width / img.tileWidth);
    const out = [];
    for (let i = 0; out.length < count; i++) {
      const raw = await slide.readRawTile(0, i % across, Math.floor(i / across));
      if (raw)
        out.push({
          stream: reader.prepareJpegTile(raw.bytes, img.decodeInfo(0)).stream,
          raw: raw.bytes,
          info: img.decodeInfo(0),
        });
    }
    return out;
  } finally {
    await slide.close();
  }
}

function pillowRate(tilesBin) {
  const r = spawnSync(PY, [join(root, 'bench/decode/pillow-decode.py'), tilesBin, '2'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`pillow-decode.py failed: ${r.stderr}`);
  const { tiles, seconds } = JSON.parse(r.stdout.trim());
  return tiles / seconds;
}

async function decodeOnly(tiles, concurrency, seconds = 2) {
  const bufs = Array.from({ length: concurrency }, () => new Uint8Array(256 * 256 * 4));
  let n = 0;
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const end = t0 + seconds * 1000;
  await Promise.all(
    bufs.map(async (buf, lane) => {
      for (let i = lane; performance.now() < end; i += concurrency) {
        const t = tiles[i % tiles.length];
        await reader.decodeTile(t.raw, t.info, undefined, buf);
        n++;
      }
    }),
  );
  const c = process.cpuUsage(c0);
  return { rate: n / ((performance.now() - t0) / 1000), cpuUs: (c.user + c.system) / n };
}

const load0 = loadavg()[0];
log(`slide ${slidePath}, ${REPEATS} repeats, K=${K}, backend ${await reader.jpegBackend()}, load ${load0.toFixed(1)}`);
// a warm-up run (page cache) that writes the seeded coordinate lists both sides read
const warm = openslide(N_RANDOM, N_GRID, true);
log(`warm-up openslide: grid ${warm.grid_256_reads_per_s}/s, random ${warm.random_256_reads_per_s}/s`);
const coords = JSON.parse(readFileSync(coordsPath, 'utf8'));

const tiles = await tileStreams(400);
const tilesBin = join(work, 'tiles.bin');
writeFileSync(
  tilesBin,
  Buffer.concat(tiles.flatMap((t) => [Buffer.from(Uint32Array.of(t.stream.length).buffer), Buffer.from(t.stream)])),
);

// OpenSlide's fixed CPU cost (interpreter start, imports, open) is measured once and taken off its CPU per patch
const fixed = [openslide(0, 0, false), openslide(0, 0, false), openslide(0, 0, false)].map((r) => r.cpu_s);
const osFixedCpu = median(fixed);
log(`openslide fixed cost ${round(osFixedCpu * 1000)} ms CPU`);

// the default JPEG engine (`turbo`: libjpeg-turbo through FFI, bit-exact with OpenSlide) and the fallback `native`
// engine (@napi-rs/image, for platforms where libjpeg-turbo does not load)
const modes = {
  grid_turbo_recycle: [coords.grid, { concurrency: K, recycle: true, backend: 'turbo' }],
  grid_turbo: [coords.grid, { concurrency: K, recycle: false, backend: 'turbo' }],
  random_turbo_recycle: [coords.random, { concurrency: K, recycle: true, backend: 'turbo' }],
  grid_native_recycle: [coords.grid, { concurrency: K, recycle: true, backend: 'native' }],
  random_native_recycle: [coords.random, { concurrency: K, recycle: true, backend: 'native' }],
};
if (args.includes('--sequential'))
  modes.grid_turbo_sequential = [coords.grid, { concurrency: 1, recycle: false, backend: 'turbo' }];
const samples = {
  os_grid: [],
  os_grid_cpu: [],
  os_random: [],
  os_random_cpu: [],
  pillow: [],
  decode_native: [],
  decode_native_cpu: [],
  decode_turbo: [],
  decode_turbo_cpu: [],
};
for (const m of Object.keys(modes)) samples[m] = { rate: [], cpuUs: [] };
for (let r = 0; r < REPEATS; r++) {
  const og = openslide(0, N_GRID, false);
  samples.os_grid.push(og.grid_256_reads_per_s);
  samples.os_grid_cpu.push(((og.cpu_s - osFixedCpu) * 1e6) / og.n_grid);
  const or = openslide(N_RANDOM, 0, false);
  samples.os_random.push(or.random_256_reads_per_s);
  samples.os_random_cpu.push(((or.cpu_s - osFixedCpu) * 1e6) / or.n_random);
  for (const [m, [list, opts]] of Object.entries(modes)) {
    const o = await ours(list, opts);
    samples[m].rate.push(o.rate);
    samples[m].cpuUs.push(o.cpuUs);
  }
  samples.pillow.push(pillowRate(tilesBin));
  for (const b of ['native', 'turbo']) {
    reader.setJpegBackend(b);
    const d = await decodeOnly(tiles, K);
    samples[`decode_${b}`].push(d.rate);
    samples[`decode_${b}_cpu`].push(d.cpuUs);
  }
  reader.setJpegBackend('turbo');
  log(
    `repeat ${r + 1}: openslide grid ${round(og.grid_256_reads_per_s)}/s random ${round(or.random_256_reads_per_s)}/s; ours (turbo) grid ${round(samples.grid_turbo_recycle.rate.at(-1))}/s random ${round(samples.random_turbo_recycle.rate.at(-1))}/s; load ${loadavg()[0].toFixed(1)}`,
  );
}

let fullGrid;
if (FULL_GRID) {
  // every level-0 grid patch of the slide, once: the RSS bound "whatever the slide size"
  const slide = await reader.openSlide(slidePath);
  const lvl = slide.levels[0];
  const all = [];
  for (let y = 0; y + 256 <= lvl.height; y += 256) for (let x = 0; x + 256 <= lvl.width; x += 256) all.push([x, y]);
  await slide.close();
  const o = await ours(all, { concurrency: K, recycle: true, backend: 'turbo' });
  fullGrid = { patches: all.length, patches_per_s: round(o.rate), cpu_us_per_patch: round(o.cpuUs) };
}

const cores = availableParallelism();
const summary = (s) => ({ patches_per_s: round(median(s.rate)), cpu_us_per_patch: round(median(s.cpuUs)) });
const ourModes = Object.fromEntries(Object.keys(modes).map((m) => [m, summary(samples[m])]));
const osGrid = median(samples.os_grid);
const osRandom = median(samples.os_random);
const pillow = median(samples.pillow);
const osGridCpu = median(samples.os_grid_cpu);
const osRandomCpu = median(samples.os_random_cpu);
/** Ratios to OpenSlide for one engine: wall-clock patches/s, and CPU per patch (OpenSlide's ÷ ours). */
const ratios = (b) => ({
  grid: round(ourModes[`grid_${b}_recycle`].patches_per_s / osGrid, 2),
  random: round(ourModes[`random_${b}_recycle`].patches_per_s / osRandom, 2),
  grid_cpu: round(osGridCpu / ourModes[`grid_${b}_recycle`].cpu_us_per_patch, 2),
  random_cpu: round(osRandomCpu / ourModes[`random_${b}_recycle`].cpu_us_per_patch, 2),
  fraction_of_native_x_cores: round(ourModes[`grid_${b}_recycle`].patches_per_s / (pillow * cores), 2),
});
console.log(
  JSON.stringify({
    bench: 'reader-patch-reads',
    slide: slidePath.split('/').pop(),
    repeats: REPEATS,
    cores,
    concurrency: K,
    uv_threadpool_size: Number(process.env.UV_THREADPOOL_SIZE ?? 4),
    malloc_env: Object.fromEntries(Object.entries(process.env).filter(([k]) => k.startsWith('MALLOC_'))),
    load_avg: [round(load0, 1), round(loadavg()[0], 1)],
    n_grid: coords.grid.length,
    n_random: coords.random.length,
    openslide: {
      fixed_cpu_ms_subtracted: round(osFixedCpu * 1000),
      grid_patches_per_s: round(osGrid),
      grid_cpu_us_per_patch: round(osGridCpu),
      random_patches_per_s: round(osRandom),
      random_cpu_us_per_patch: round(osRandomCpu),
    },
    ours: ourModes,
    ratio_native: ratios('native'),
    ratio_turbo: ratios('turbo'),
    pillow_tiles_per_s_1proc: round(pillow),
    decode_only: Object.fromEntries(
      ['native', 'turbo'].map((b) => [
        b,
        {
          tiles_per_s: round(median(samples[`decode_${b}`])),
          cpu_us_per_tile: round(median(samples[`decode_${b}_cpu`])),
        },
      ]),
    ),
    full_grid_turbo: fullGrid,
    peak_rss_mib: round(process.resourceUsage().maxRSS / 1024),
  }),
);
rmSync(work, { recursive: true, force: true });
