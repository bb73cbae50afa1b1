#!/usr/bin/env node
// JPEG tile decode bench: candidates side by side on the same real 256² tiles, printing ONE JSON line.
//
//   node bench/decode/decode-bench.mjs [TILED_JPEG.tif] [--seconds 1] [--repeats 3]
//
// Each figure is the median of --repeats timed runs of --seconds (after a warm-up); progress goes to stderr.
// Default input: bench/out/decode-bench-256.tif, made from the Aperio fixture with
//   vips tiffsave CMU-1-Small-Region.svs OUT --tile --tile-width 256 --tile-height 256 --compression jpeg --Q 80
// Candidates are found from packages/reader (its dependencies) or from WSI_BENCH_NODE_MODULES_FROM (a path
// inside another node_modules tree) and skipped when absent. Every candidate produces RGBA, except Pillow (RGB,
// the native libjpeg-turbo anchor run by /usr/bin/python3). `diff` is the mean/max absolute difference vs Pillow.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { readTiffTiles } from './tiff-tiles.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '../..');
const args = process.argv.slice(2);
function option(name, dflt) {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args.splice(i, 2)[1]) : dflt;
}
const SECONDS = option('--seconds', 1);
const REPEATS = option('--repeats', 3);
const WARMUP = 0.5;
const log = (...m) => console.error('[decode-bench]', ...m);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const input = args[0] ?? join(root, 'bench/out/decode-bench-256.tif');
if (!existsSync(input)) {
  mkdirSync(dirname(input), { recursive: true });
  const svs = join(root, '../shared/fixtures/aperio/CMU-1-Small-Region.svs');
  execFileSync('vips', [
    'tiffsave',
    svs,
    input,
    '--tile',
    '--tile-width',
    '256',
    '--tile-height',
    '256',
    '--compression',
    'jpeg',
    '--Q',
    '80',
  ]);
}

const resolvers = [
  createRequire(join(root, 'packages/reader/package.json')),
  createRequire(join(root, 'package.json')),
];
if (process.env.WSI_BENCH_NODE_MODULES_FROM)
  resolvers.unshift(createRequire(resolve(process.env.WSI_BENCH_NODE_MODULES_FROM)));
function findModule(name) {
  for (const r of resolvers) {
    try {
      return { path: r.resolve(name), require: r };
    } catch {}
  }
  return undefined;
}

// --- tiles: complete streams with our colour rule applied (JPEGTables merged, APP14 from Photometric) -------------
const tiff = readTiffTiles(input);
const rawTiles = tiff.tiles.filter((_, i) => {
  const cols = Math.ceil(tiff.width / tiff.tileWidth);
  const rows = Math.ceil(tiff.height / tiff.tileHeight);
  return i % cols < cols - 1 && Math.floor(i / cols) < rows - 1; // whole 256² tiles only
});
const full = rawTiles.map((t) => {
  const tab = tiff.jpegTables ?? new Uint8Array([0xff, 0xd8, 0xff, 0xd9]);
  const transform = tiff.photometric === 2 ? 0 : 1;
  const app14 = [0xff, 0xee, 0, 14, 0x41, 0x64, 0x6f, 0x62, 0x65, 0, 100, 0, 0, 0, 0, transform];
  return Buffer.concat([Buffer.from([0xff, 0xd8]), Buffer.from(app14), tab.subarray(2, tab.length - 2), t.subarray(2)]);
});
const W = tiff.tileWidth;
const H = tiff.tileHeight;
// what @wsi/reader's decodeTile is told about these tiles (the reader's own call: raw tile + JPEGTables)
const tileInfo = {
  compression: 7,
  photometric: tiff.photometric,
  width: W,
  height: H,
  samplesPerPixel: 3,
  bitsPerSample: 8,
  planarConfig: 1,
  predictor: 1,
  jpegTables: tiff.jpegTables,
};

// --- Pillow reference pixels + anchor ----------------------------------------------------------------------------
const tmp = mkdtempSync(join(tmpdir(), 'wsi-decode-bench-'));
const tilesBin = join(tmp, 'tiles.bin');
writeFileSync(tilesBin, Buffer.concat(full.flatMap((b) => [Buffer.from(new Uint32Array([b.length]).buffer), b])));
const refPath = join(tmp, 'ref.rgb');
const PY = '/usr/bin/python3';
const pillowScript = join(here, 'pillow-decode.py');
async function runPillow(procs, ref) {
  const rates = [];
  for (let r = 0; r < REPEATS; r++) rates.push(await runPillowOnce(procs, ref && r === 0));
  return median(rates);
}
function runPillowOnce(procs, ref) {
  return Promise.all(
    Array.from(
      { length: procs },
      (_, k) =>
        new Promise((res, rej) => {
          const p = spawn(PY, [pillowScript, tilesBin, String(SECONDS), ...(ref && k === 0 ? [refPath] : [])]);
          let out = '';
          p.stdout.on('data', (d) => (out += d));
          p.on('error', rej);
          p.on('close', (code) => (code === 0 ? res(JSON.parse(out)) : rej(new Error(`pillow exited ${code}`))));
        }),
    ),
  ).then((rs) => rs.reduce((s, r) => s + r.tiles / r.seconds, 0));
}
const results = {};
let ref;
try {
  log('pillow');
  results['pillow (native libjpeg-turbo), 1 process'] = { tilesPerSec: Math.round(await runPillow(1, true)) };
  results['pillow (native libjpeg-turbo), 2 processes'] = { tilesPerSec: Math.round(await runPillow(2, false)) };
  ref = readFileSync(refPath);
} catch (e) {
  results.pillow = { skipped: String(e.message ?? e) };
}

function diffVsRef(decodeRgba) {
  return async () => {
    if (!ref) return undefined;
    let sum = 0;
    let max = 0;
    const n = Math.min(full.length, 16);
    for (let t = 0; t < n; t++) {
      const px = await decodeRgba(full[t]);
      const base = t * W * H * 3;
      for (let i = 0; i < W * H; i++) {
        for (let c = 0; c < 3; c++) {
          const d = Math.abs(px[i * 4 + c] - ref[base + i * 3 + c]);
          sum += d;
          if (d > max) max = d;
        }
      }
    }
    return { mean: Number((sum / (n * W * H * 3)).toFixed(4)), max };
  };
}

/** Runs `inflight` loops of `fn` for SECONDS after a warm-up; tiles/s over the whole process (CPU µs per tile too). */
async function measure(fn, inflight) {
  let i = 0;
  const loop = async (until, counter) => {
    while (performance.now() < until) {
      await fn(full[i++ % full.length]);
      counter.n++;
    }
  };
  await Promise.all(Array.from({ length: inflight }, () => loop(performance.now() + WARMUP * 1000, { n: 0 })));
  const rates = [];
  const cpus = [];
  for (let r = 0; r < REPEATS; r++) {
    const c = { n: 0 };
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const until = t0 + SECONDS * 1000;
    await Promise.all(Array.from({ length: inflight }, () => loop(until, c)));
    const secs = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    rates.push(c.n / secs);
    cpus.push((cpu.user + cpu.system) / c.n);
  }
  return { tilesPerSec: Math.round(median(rates)), cpuUsPerTile: Math.round(median(cpus)) };
}

async function candidate(name, levels, setup) {
  let impl;
  try {
    impl = await setup();
  } catch (e) {
    results[name] = { skipped: String(e?.message ?? e).split('\n')[0] };
    return;
  }
  if (!impl) {
    results[name] = { skipped: 'not installed' };
    return;
  }
  log(name);
  const entry = { diffVsPillow: await diffVsRef(impl.rgba)() };
  for (const k of levels)
    entry[`${impl.unit ?? 'inFlight'}=${k}`] = await measure(await impl.forLevel(k), impl.loops?.(k) ?? k);
  await impl.close?.();
  results[name] = entry;
}

const expandRgb = (rgb, out) => {
  const u32 = new Uint32Array(out.buffer, out.byteOffset, out.length >> 2);
  for (let i = 0, j = 0; j < u32.length; i += 3, j++)
    u32[j] = rgb[i] | (rgb[i + 1] << 8) | (rgb[i + 2] << 16) | 0xff000000;
  return out;
};

await candidate('@napi-rs/image (zune-jpeg, threadpool) + RGB→RGBA in JS', [1, 2, 4, 8], async () => {
  const m = findModule('@napi-rs/image');
  if (!m) return undefined;
  const { Transformer } = m.require('@napi-rs/image');
  const out = new Uint8Array(W * H * 4);
  const rgba = async (b) => expandRgb(await new Transformer(b).rawPixels(), out);
  return { rgba, forLevel: () => rgba };
});

await candidate('sharp (libvips, libjpeg-turbo) ensureAlpha().raw()', [1, 2, 4], async () => {
  const m = findModule('sharp');
  if (!m) return undefined;
  const sharp = m.require('sharp');
  const rgba = (b) => sharp(b).ensureAlpha().raw().toBuffer();
  return { rgba, forLevel: () => rgba };
});

await candidate(
  'WASM libjpeg-turbo (@cornerstonejs/codec-libjpeg-turbo-8bit) worker pool, 2 in flight per worker',
  [1, 2],
  async () => {
    const m = findModule('@cornerstonejs/codec-libjpeg-turbo-8bit/decodewasmjs');
    if (!m) return undefined;
    const workers = [];
    const pending = new Map();
    let seq = 0;
    const spawnWorker = () =>
      new Promise((res, rej) => {
        const w = new Worker(join(here, 'wasm-jpeg-worker.mjs'), { workerData: { resolveFrom: m.path } });
        w.on('message', (msg) => {
          if (msg.ready) return res(w);
          pending.get(msg.id)?.(new Uint8Array(msg.out));
          pending.delete(msg.id);
        });
        w.once('error', rej);
      });
    for (let k = 0; k < 2; k++) workers.push(await spawnWorker());
    let rr = 0;
    const call = (pool, b, out) =>
      new Promise((res) => {
        const id = seq++;
        pending.set(id, res);
        const bytes = b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength);
        pool[rr++ % pool.length].postMessage({ id, bytes, out }, out ? [bytes, out] : [bytes]);
      });
    return {
      unit: 'workers',
      loops: (k) => 2 * k,
      rgba: (b) => call(workers.slice(0, 1), b),
      forLevel: (k) => {
        const pool = workers.slice(0, k);
        const spare = [];
        const fn = async (b) => {
          const out = await call(pool, b, spare.pop()?.buffer);
          spare.push(out);
        };
        return fn;
      },
      close: () => Promise.all(workers.map((w) => w.terminate())),
    };
  },
);

await candidate('@wsi/reader decodeTile (default JPEG path: libjpeg-turbo via koffi)', [1, 2, 4, 8], async () => {
  const dist = join(root, 'packages/reader/dist/decode/index.js');
  if (!existsSync(dist)) return undefined;
  const { decodeTile } = await import(pathToFileURL(dist).href);

  // the reader's call: the raw abbreviated tile + JPEGTables; decodeTile merges and pins the colour itself
  const rawOf = new Map(full.map((f, k) => [f, rawTiles[k]]));
  const rgba = async (b) => (await decodeTile(rawOf.get(b), tileInfo)).data;
  return { rgba, forLevel: () => rgba };
});

await candidate('@wsi/reader decodeTile, native backend (@napi-rs/image fallback)', [2, 4, 8], async () => {
  const dist = join(root, 'packages/reader/dist/decode/index.js');
  if (!existsSync(dist)) return undefined;
  const { decodeTile, setJpegBackend } = await import(pathToFileURL(dist).href);
  setJpegBackend('native');

  const rawOf = new Map(full.map((f, k) => [f, rawTiles[k]]));
  const rgba = async (b) => (await decodeTile(rawOf.get(b), tileInfo)).data;
  return { rgba, forLevel: () => rgba, close: async () => setJpegBackend('turbo') };
});

await candidate(
  '@wsi/reader decodeTile, WASM backend (libjpeg-turbo worker pool, one worker per core)',
  [1, 2, 4],
  async () => {
    const dist = join(root, 'packages/reader/dist/decode/index.js');
    if (!existsSync(dist)) return undefined;
    const { decodeTile, setJpegBackend, wasmDecodePool } = await import(pathToFileURL(dist).href);
    setJpegBackend('wasm');

    const rawOf = new Map(full.map((f, k) => [f, rawTiles[k]]));
    const rgba = async (b) => (await decodeTile(rawOf.get(b), tileInfo)).data;
    return {
      rgba,
      forLevel: () => rgba,
      close: async () => {
        setJpegBackend('turbo');
        await wasmDecodePool().close();
      },
    };
  },
);

rmSync(tmp, { recursive: true, force: true });
// the share of native libjpeg-turbo's rate × cores that our default path reaches
const anchor = results['pillow (native libjpeg-turbo), 1 process']?.tilesPerSec;
const ours = results['@wsi/reader decodeTile (default JPEG path: libjpeg-turbo via koffi)'];
const best = ours && !ours.skipped ? Math.max(...Object.values(ours).map((v) => v?.tilesPerSec ?? 0)) : undefined;
const summary =
  anchor && best
    ? {
        wsiBestTilesPerSec: best,
        fractionOfNativeTimesCores: Number((best / (anchor * availableParallelism())).toFixed(3)),
      }
    : {};
console.log(
  JSON.stringify({
    bench: 'jpeg-tile-decode',
    input,
    tiles: full.length,
    tileSize: `${W}x${H}`,
    seconds: SECONDS,
    repeats: REPEATS,
    ...summary,
    cores: availableParallelism(),
    node: process.version,
    results,
  }),
);
