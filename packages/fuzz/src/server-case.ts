/**
 * `wsi serve` cases: the viewer server (@wsi/viewer `createViewerServer`) on loopback, serving a good slide, a
 * truncated one and a garbage one with damaged overlays, hit with random paths, query strings, methods, huge headers,
 * malformed request lines, slow clients and bursts of concurrent connections. Every response must come within a
 * bound with a status other than an internal 500, and the server must still answer afterwards.
 */
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { connect } from 'node:net';
import { join } from 'node:path';
import type { CaseFailure } from './outcome.js';
import { Rng } from './rng.js';
import { seedPath } from './seeds.js';

interface Running {
  url: URL;
  ids: string[];
}

let running: Promise<Running> | undefined;
const RESPONSE_BOUND_MS = 15_000;

async function start(seedDir: string, work: string): Promise<Running> {
  const { createViewerServer } = await import('@wsi/viewer');
  // inside the run's scratch folder, which the runner removes (the worker itself may be killed)
  const dir = await mkdtemp(join(work, 'serve-'));
  const slides = join(dir, 'slides');
  const overlays = join(dir, 'out');
  await mkdir(slides);
  const svs = (await seedPath('gen:svs', seedDir)) as string;
  // a copy, not a symlink: the viewer lists only regular files of a folder
  const bytes = await readFile(svs);
  await writeFile(join(slides, 'ok.svs'), bytes);
  await writeFile(join(slides, 'broken.svs'), bytes.subarray(0, bytes.length >> 1));
  await writeFile(
    join(slides, 'garbage.svs'),
    Uint8Array.from({ length: 4096 }, (_, i) => (i * 7919) & 0xff),
  );
  // damaged overlays for each slide name
  const junk: Record<string, string> = {
    'segmentation/ok.geojson':
      '{"type":"FeatureCollection","features":[{"type":"Feature","geometry":{"type":"Polygon","coordinates":[[[0,0],[1',
    'annotations/ok.xml':
      '<ASAP_Annotations><Annotations><Annotation Type="Polygon"><Coordinates><Coordinate Order="x" X="NaN" Y=""/>',
    'patches/ok.h5': 'not an h5 file at all',
    'scores/ok.scores.csv': 'x,y,score\n1,2\n"unterminated',
    'segmentation/broken.geojson': '[]',
    'annotations/garbage.csv': 'x,y,class\n1e999,-0,\u0000\n',
  };
  for (const [rel, text] of Object.entries(junk)) {
    await mkdir(join(overlays, rel.split('/')[0] as string), { recursive: true });
    await writeFile(join(overlays, rel), text);
  }
  const v = await createViewerServer({
    slides: [slides],
    overlaysDir: overlays,
    port: 0,
    concurrency: 2,
    maxQueue: 64,
  });
  v.server.unref();
  return { url: new URL(v.url), ids: v.slides.map((s) => s.id) };
}

const METHODS = ['GET', 'GET', 'GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'TRACE', 'PATCH', 'FOO'];

function randomPath(rng: Rng, ids: readonly string[]): string {
  const id =
    rng.chance(0.8) && ids.length > 0
      ? rng.pick(ids)
      : rng
          .int(2 ** 31)
          .toString(16)
          .padStart(16, '0');
  const n = () => String(rng.pick([0, 1, 2, 3, 7, 12, 13, 99, 999, 9999999, rng.int(20)]));
  const pieces = [
    '/',
    '/index.html',
    '/api/slides',
    `/api/slides/${id}`,
    `/api/slides/${id}/overlays/${rng.pick(['tissue', 'patches', 'annotations', 'scores', 'nope', 'TISSUE'])}`,
    `/slides/${id}.dzi`,
    `/slides/${id}_files/${n()}/${n()}_${n()}.${rng.pick(['jpeg', 'jpg', 'png', 'gif'])}`,
    `/slides/${id}_files/-1/0_0.jpeg`,
    '/../../etc/passwd',
    '/%2e%2e/%2e%2e/etc/passwd',
    '/slides/%00',
    `/${'a'.repeat(rng.pick([10, 3000, 9000]))}`,
    '//double//slash',
    '/%E0%A4%A',
    '/api/slides/\u00e9',
  ];
  let p = rng.pick(pieces);
  if (rng.chance(0.3)) p += `?${rng.pick(['', 'a=1', 'x'.repeat(3000), '%%%', 'level=-1&x=NaN', '#frag'])}`;
  return p;
}

interface Reply {
  status: number;
  body: string;
}

function httpRequest(base: URL, rng: Rng, ids: readonly string[]): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = {};
    if (rng.chance(0.1)) headers['x-big'] = 'h'.repeat(rng.pick([8_000, 20_000, 70_000]));
    if (rng.chance(0.1)) headers.host = rng.pick(['evil.example', 'localhost', '127.0.0.1:1', '']);
    if (rng.chance(0.1)) headers['if-none-match'] = rng.pick(['*', '"x"', '""']);
    const req = request(
      { host: base.hostname, port: base.port, method: rng.pick(METHODS), path: randomPath(rng, ids), headers },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.length < 64 && chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('latin1') }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end();
  });
}

/** A raw socket: malformed request lines, slow drip, or a request cut short. Resolves with the status line. */
function rawRequest(base: URL, rng: Rng, ids: readonly string[]): Promise<Reply> {
  const lines = [
    `GET ${randomPath(rng, ids)} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`,
    'GARBAGE\r\n\r\n',
    'GET / HTTP/9.9\r\nHost: 127.0.0.1\r\n\r\n',
    'GET /\u0000 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n',
    'POST /api/slides HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 99999999999\r\n\r\nabc',
    'GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n',
    `GET /api/slides HTTP/1.1\r\n${'X-A: b\r\n'.repeat(3000)}\r\n`,
    'GET /api/slides HTTP/1.1\r\nHost: 127.0.0.1\r\n',
  ];
  const text = rng.pick(lines);
  const drip = rng.chance(0.3);
  const cut = rng.chance(0.2) ? rng.int(text.length) : text.length;
  return new Promise((resolve) => {
    const sock = connect(Number(base.port), base.hostname);
    let got = '';
    const done = () => {
      sock.destroy();
      const m = /^HTTP\/1\.[01] (\d{3})/.exec(got);
      resolve({ status: m ? Number(m[1]) : 0, body: got.slice(0, 2000) });
    };
    const limit = setTimeout(done, 1500);
    sock.on('data', (d) => {
      got += d.toString('latin1');
    });
    sock.on('error', () => {});
    sock.on('close', () => {
      clearTimeout(limit);
      done();
    });
    sock.on('connect', async () => {
      const data = text.slice(0, cut);
      if (drip) {
        for (let i = 0; i < data.length && !sock.destroyed; i += 16) {
          sock.write(data.slice(i, i + 16));
          await new Promise((r) => setTimeout(r, 10));
        }
      } else sock.write(data);
    });
  });
}

/**
 * Runs one server case; `seedDir` holds the generated seed slide, `work` is the run's scratch folder.
 *
 * @example
 * ```ts
 * const failures = await runServerCase(3, '/tmp/seeds', '/tmp/work');
 * ```
 */
export async function runServerCase(caseSeed: number, seedDir: string, work: string): Promise<CaseFailure[]> {
  running ??= start(seedDir, work);
  const { url, ids } = await running;
  const rng = new Rng(caseSeed);
  const failures: CaseFailure[] = [];
  const check = async (what: string, p: Promise<Reply>, raw: boolean) => {
    const t0 = performance.now();
    try {
      const r = await p;
      const ms = performance.now() - t0;
      if (ms > RESPONSE_BOUND_MS) failures.push(prop(what, `answered after ${Math.round(ms)} ms`));
      if (r.status === 500 && /"Internal"/.test(r.body))
        failures.push(prop(what, `internal error: ${r.body.slice(0, 300)}`));
      if (!raw && (r.status < 100 || r.status > 599)) failures.push(prop(what, `status ${r.status}`));
    } catch (err) {
      // a reset of our own malformed request is fine; a reset of a well-formed one is not
      if (!raw) failures.push(prop(what, `request failed: ${(err as Error).message}`));
    }
  };
  const n = 1 + rng.int(6);
  const jobs: Promise<void>[] = [];
  for (let i = 0; i < n; i++) {
    const kind = rng.int(10);
    if (kind < 6) jobs.push(check('http', httpRequest(url, rng, ids), false));
    else if (kind < 9) jobs.push(check('raw', rawRequest(url, rng, ids), true));
    else {
      // a burst of concurrent tile requests
      const burst = 20 + rng.int(40);
      for (let k = 0; k < burst; k++) {
        const id = rng.pick(ids);
        const path = `/slides/${id}_files/${8 + rng.int(4)}/${rng.int(4)}_${rng.int(4)}.jpeg`;
        jobs.push(check('burst', fetchStatus(new URL(path, url)), false));
      }
    }
  }
  await Promise.all(jobs);
  // still alive
  await check('alive', fetchStatus(new URL('/api/slides', url)), false);
  return failures;
}

async function fetchStatus(u: URL): Promise<Reply> {
  const res = await fetch(u, { signal: AbortSignal.timeout(RESPONSE_BOUND_MS + 5000) });
  return { status: res.status, body: (await res.text()).slice(0, 2000) };
}

function prop(step: string, message: string): CaseFailure {
  return { kind: 'property', step, name: 'ServerProperty', message };
}
