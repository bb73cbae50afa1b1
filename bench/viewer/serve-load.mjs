#!/usr/bin/env node
// Load bench for the viewer's tile server (build first: npx tsc -b packages/viewer). Prints ONE JSON line.
//
// The server runs in a child process (so its peak RSS is its own) on loopback; N concurrent clients (default 50)
// each act like a person panning a viewer for --seconds (default 20): pick a DeepZoom level among the four finest
// and a random view position, then fetch that view's 4×3 block of tiles one after the other, over keep-alive.
// Reported: tiles/s, latency p50/p95/p99 (ms), errors, tiles rendered vs served from cache, server peak RSS (MiB).
//
//   node bench/viewer/serve-load.mjs [--seconds 20] [--clients 50] [--slide FILE] [--format jpeg|png]
//
// Without --slide a 12000 × 9000 synthetic SVS (levels 1, 4, 16) is written once to bench/out/viewer/.
import { fork } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const args = process.argv.slice(2);
const flag = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1] : dflt;
};

if (args[0] === '--server') {
  // child: run the server until told to stop, then report its counters and peak RSS
  const { createViewerServer } = await import(join(root, 'packages/viewer/dist/index.js'));
  const v = await createViewerServer({ slides: [args[1]], port: 0, format: args[2] });
  const id = v.slides[0].id;
  const info = await (await fetch(`${v.url}api/slides/${id}`)).json();
  process.send({ url: v.url, id, info });
  process.on('message', async (m) => {
    if (m !== 'stop') return;
    const stats = v.stats();
    await v.close();
    process.send({ stats, maxRssMiB: process.resourceUsage().maxRSS / 1024 });
    process.disconnect();
  });
} else {
  const seconds = Number(flag('seconds', '20'));
  const clients = Number(flag('clients', '50'));
  const format = flag('format', 'jpeg');
  let slide = flag('slide', undefined);
  if (!slide) {
    const out = join(root, 'bench', 'out', 'viewer');
    mkdirSync(out, { recursive: true });
    slide = join(out, 'load-12000x9000.svs');
    if (!existsSync(slide)) {
      process.stderr.write(`writing ${slide}…\n`);
      const { syntheticTissue, writeSvs } = await import(join(root, 'packages/testing/dist/index.js'));
      await writeSvs(slide, { source: syntheticTissue({ width: 12000, height: 9000, seed: 4 }), levels: [1, 4, 16] });
    }
  }
  const child = fork(fileURLToPath(import.meta.url), ['--server', slide, format], { stdio: 'inherit' });
  const ready = await new Promise((resolve) => child.once('message', resolve));
  const { url, id, info } = ready;
  const tileSize = info.tileSize;
  const levelDims = (k) => {
    const ds = 2 ** (info.maxLevel - k);
    return [Math.ceil(info.width / ds), Math.ceil(info.height / ds)];
  };
  let seed = 1234;
  const rnd = () => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed / 2 ** 31;
  };
  const latencies = [];
  let errors = 0;
  let bytes = 0;
  const t0 = performance.now();
  const deadline = t0 + seconds * 1000;
  process.stderr.write(`${clients} clients for ${seconds} s on ${url} (${info.width}×${info.height}, ${format})\n`);
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (performance.now() < deadline) {
        const level = info.maxLevel - Math.floor(rnd() * 4);
        const [w, h] = levelDims(level);
        const cols = Math.ceil(w / tileSize);
        const rows = Math.ceil(h / tileSize);
        const c0 = Math.floor(rnd() * Math.max(1, cols - 3));
        const r0 = Math.floor(rnd() * Math.max(1, rows - 2));
        for (let r = r0; r < Math.min(rows, r0 + 3); r++) {
          for (let c = c0; c < Math.min(cols, c0 + 4); c++) {
            if (performance.now() >= deadline) return;
            const s = performance.now();
            try {
              const res = await fetch(`${url}slides/${id}_files/${level}/${c}_${r}.${format}`);
              const body = await res.arrayBuffer();
              if (res.status !== 200) errors++;
              bytes += body.byteLength;
            } catch {
              errors++;
            }
            latencies.push(performance.now() - s);
          }
        }
      }
    }),
  );
  const elapsed = (performance.now() - t0) / 1000;
  child.send('stop');
  const end = await new Promise((resolve) => child.once('message', resolve));
  latencies.sort((a, b) => a - b);
  const q = (p) =>
    Number((latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? 0).toFixed(1));
  process.stdout.write(
    `${JSON.stringify({
      bench: 'viewer-serve-load',
      slide: slide.split('/').pop(),
      format,
      clients,
      seconds: Number(elapsed.toFixed(2)),
      requests: latencies.length,
      tilesPerSecond: Number((latencies.length / elapsed).toFixed(1)),
      p50Ms: q(0.5),
      p95Ms: q(0.95),
      p99Ms: q(0.99),
      errors,
      mbPerSecond: Number((bytes / 1048576 / elapsed).toFixed(2)),
      rendered: end.stats.rendered,
      cacheHits: end.stats.cacheHits,
      cacheMiB: Number((end.stats.cacheBytes / 1048576).toFixed(1)),
      serverPeakRssMiB: Number(end.maxRssMiB.toFixed(1)),
    })}\n`,
  );
}
