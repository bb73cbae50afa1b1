/**
 * `createViewerServer`: the DeepZoom tile server and the viewer page on `node:http`.
 *
 * Routes (GET and HEAD only):
 * - `/` — the page; `/static/…` — its scripts, styles and OpenSeadragon;
 * - `/api/slides` — `{slides: [{id, name}]}`; `/api/slides/<id>` — {@link SlideInfo} plus `overlays`;
 * - `/api/slides/<id>/overlays/<tissue|annotations|patches|scores>` — overlay JSON (see `loadOverlay`);
 * - `/slides/<id>.dzi` and `/slides/<id>_files/<level>/<col>_<row>.<jpeg|png>` — DeepZoom.
 */
import { realpath } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { availableParallelism } from 'node:os';
import { WsiError } from '@wsi/core';
import { openSlide, TileCache } from '@wsi/reader';
import { LRUCache } from 'lru-cache';
import { dziXml, type TileFormat, tileRect } from './deepzoom.js';
import { checkPath, Gate, send, sendError, sendJson } from './http.js';
import { findOverlays, loadOverlay, OVERLAY_KINDS, type OverlayKind } from './overlays.js';
import { type RegisteredSlide, registerSlides } from './registry.js';
import { renderTile } from './render.js';
import { describeSlide, type SlideEntry, type TileSettings } from './slide-info.js';
import { SlidePool } from './slide-pool.js';
import { loadStaticAssets } from './static.js';

/**
 * Options of {@link createViewerServer}.
 *
 * @example
 * ```ts
 * const o: ViewerServerOptions = { slides: ['slides/'], overlaysDir: 'out', port: 8080, format: 'jpeg' };
 * ```
 */
export interface ViewerServerOptions {
  /** Slide files and folders (a folder lists its slides, one level deep). */
  slides: readonly string[];
  /** Folder holding `segmentation/`, `patches/`, `scores/`, `annotations/` (docs/formats.md layout). */
  overlaysDir?: string;
  /** Interface to bind (default `127.0.0.1`, loopback only). */
  host?: string;
  /** Port (default 8080; 0 picks a free one). */
  port?: number;
  /** DeepZoom tile size (default 254) and overlap (default 1). */
  tileSize?: number;
  overlap?: number;
  /** Tile encoding (default `jpeg`). */
  format?: TileFormat;
  /** JPEG quality (default 85). */
  quality?: number;
  /** Bytes of encoded tiles and overlay JSON kept in memory (default 128 MiB). */
  cacheBytes?: number;
  /** Bytes of decoded slide tiles kept, shared by every open slide (default 64 MiB). */
  decodedCacheBytes?: number;
  /** Slides kept open at once (default 8). */
  maxOpenSlides?: number;
  /** Tiles rendered at once (default: the number of CPUs) and waiting at most (default 2048; more → 503). */
  concurrency?: number;
  maxQueue?: number;
  /** Tiles whose source region has more pixels are refused (default 64 Mi): see `SlideInfo.minLevel`. */
  maxSourcePixels?: number;
}

/**
 * A running viewer.
 *
 * @example
 * ```ts
 * const v = await createViewerServer({ slides: ['a.svs'], port: 0 });
 * console.log(v.url, v.slides[0]?.id);
 * await v.close();
 * ```
 */
export interface ViewerServer {
  /** `http://host:port/`. */
  url: string;
  host: string;
  port: number;
  slides: RegisteredSlide[];
  skipped: { path: string; reason: string }[];
  server: Server;
  /** Counters: tiles rendered, cache hits, bytes cached, renders running. */
  stats(): { rendered: number; cacheHits: number; cacheBytes: number; active: number };
  close(): Promise<void>;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);
const TILE_RE = /^\/slides\/([0-9a-f]{16})_files\/(\d{1,3})\/(\d{1,7})_(\d{1,7})\.(jpeg|jpg|png)$/;
const CSP =
  "default-src 'self'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; script-src 'self'; " +
  "connect-src 'self'; frame-ancestors 'none'";

/**
 * Registers the slides, loads the page, and starts listening. Rejects with `NotFound` for a missing slide path,
 * `InvalidArgument` when no slide is found or an option is out of range.
 *
 * @example
 * ```ts
 * import { createViewerServer } from '@wsi/viewer';
 * const viewer = await createViewerServer({ slides: ['/data/slides'], overlaysDir: '/data/out', port: 8080 });
 * console.log(`open ${viewer.url}`);
 * ```
 */
export async function createViewerServer(opts: ViewerServerOptions): Promise<ViewerServer> {
  const settings: TileSettings = {
    tileSize: opts.tileSize ?? 254,
    overlap: opts.overlap ?? 1,
    format: opts.format ?? 'jpeg',
    quality: opts.quality ?? 85,
    maxSourcePixels: opts.maxSourcePixels ?? 64 * 1024 * 1024,
  };
  if (settings.format !== 'jpeg' && settings.format !== 'png')
    throw new WsiError('InvalidArgument', `format must be jpeg or png, got ${String(settings.format)}`);
  if (!Number.isInteger(settings.quality) || settings.quality < 1 || settings.quality > 100)
    throw new WsiError('InvalidArgument', `quality must be 1..100, got ${settings.quality}`);
  const { slides, skipped } = await registerSlides(opts.slides);
  if (slides.length === 0) throw new WsiError('InvalidArgument', 'no slides to serve');
  const byId = new Map(slides.map((s) => [s.id, s]));
  const overlaysRoot = opts.overlaysDir ? await realpath(opts.overlaysDir) : undefined;
  const assets = await loadStaticAssets();
  // one decoded-tile cache for all slides (keys are per slide), so memory does not grow with the slides open
  const decoded = new TileCache(opts.decodedCacheBytes ?? 64 * 1024 * 1024);
  const pool = new SlidePool(opts.maxOpenSlides ?? 8, (p) => openSlide(p, { cache: decoded }));
  const gate = new Gate(opts.concurrency ?? Math.max(1, availableParallelism()), opts.maxQueue ?? 2048);
  const cache = new LRUCache<string, Buffer>({
    maxSize: opts.cacheBytes ?? 128 * 1024 * 1024,
    sizeCalculation: (b) => Math.max(1, b.length),
  });
  const entries = new Map<string, Promise<SlideEntry>>();
  const inflight = new Map<string, Promise<Buffer>>();
  let rendered = 0;
  let cacheHits = 0;
  const loopback = LOOPBACK.has(opts.host ?? '127.0.0.1');

  const entryOf = (s: RegisteredSlide): Promise<SlideEntry> => {
    let e = entries.get(s.id);
    if (!e) {
      e = pool.use(s, (slide) => describeSlide(s, slide, settings));
      entries.set(s.id, e);
      e.catch(() => entries.delete(s.id));
    }
    return e;
  };
  const redact = (s?: RegisteredSlide) => (m: string) => {
    let out = overlaysRoot ? m.replaceAll(overlaysRoot, '<overlays>') : m;
    if (s) out = out.replaceAll(s.path, s.name);
    return out;
  };

  async function tile(req: IncomingMessage, res: ServerResponse, m: RegExpMatchArray): Promise<void> {
    const s = byId.get(m[1] as string);
    const ext = m[5] === 'jpg' ? 'jpeg' : m[5];
    if (!s || ext !== settings.format) return sendJson(req, res, 404, { error: { code: 'NotFound' } });
    const { geometry, version, info } = await entryOf(s);
    const [level, col, row] = [Number(m[2]), Number(m[3]), Number(m[4])];
    const rect = tileRect(geometry, level, col, row);
    if (!rect || level < info.minLevel)
      return sendJson(req, res, 404, { error: { code: 'OutOfBounds', message: 'no such tile' } });
    const etag = `"${version}-${level}-${col}-${row}"`;
    const headers = {
      'Content-Type': `image/${settings.format}`,
      ETag: etag,
      'Cache-Control': 'public, max-age=86400',
    };
    if (req.headers['if-none-match'] === etag) {
      res.writeHead(304, { ETag: etag, 'Cache-Control': headers['Cache-Control'] });
      res.end();
      return;
    }
    const key = `t:${s.id}:${level}:${col}:${row}`;
    let body = cache.get(key);
    if (body) cacheHits++;
    else {
      let p = inflight.get(key);
      if (!p) {
        p = gate.run(() => pool.use(s, (slide) => renderTile(slide, rect, settings)));
        inflight.set(key, p);
        p.then(
          (b) => {
            rendered++;
            cache.set(key, b);
          },
          () => {},
        ).finally(() => inflight.delete(key));
      }
      body = await p;
    }
    send(req, res, 200, body, headers);
  }

  async function overlay(req: IncomingMessage, res: ServerResponse, s: RegisteredSlide, kind: string): Promise<void> {
    if (!OVERLAY_KINDS.includes(kind as OverlayKind) || !overlaysRoot)
      return sendJson(req, res, 404, { error: { code: 'NotFound', message: 'no such overlay' } });
    const files = await findOverlays(overlaysRoot, s.name);
    const path = files[kind as OverlayKind];
    if (!path) return sendJson(req, res, 404, { error: { code: 'NotFound', message: `no ${kind} overlay` } });
    const key = `o:${s.id}:${kind}:${path}`;
    let body = cache.get(key);
    if (!body) {
      body = Buffer.from(JSON.stringify(await loadOverlay(kind as OverlayKind, path, files.patches)));
      cache.set(key, body);
    }
    send(req, res, 200, body, { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-cache' });
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD');
      return sendJson(req, res, 405, { error: { code: 'MethodNotAllowed' } });
    }
    if (loopback) {
      const host = (req.headers.host ?? '').replace(/:\d+$/, '').toLowerCase();
      if (!LOOPBACK.has(host)) return sendJson(req, res, 421, { error: { code: 'MisdirectedRequest' } });
    }
    const path = checkPath(req.url);
    if (typeof path === 'number') return sendJson(req, res, path, { error: { code: 'BadRequest' } });
    const a = assets.get(path);
    if (a) {
      if (req.headers['if-none-match'] === a.etag) {
        res.writeHead(304, { ETag: a.etag });
        res.end();
        return;
      }
      return send(req, res, 200, a.body, {
        'Content-Type': a.type,
        ETag: a.etag,
        'Cache-Control': 'no-cache',
        ...(a.type.startsWith('text/html') ? { 'Content-Security-Policy': CSP } : {}),
      });
    }
    const t = TILE_RE.exec(path);
    if (t) return tile(req, res, t);
    if (path === '/api/slides')
      return sendJson(req, res, 200, { slides: slides.map((s) => ({ id: s.id, name: s.name })) });
    const m = /^\/(?:api\/slides\/([0-9a-f]{16})(?:\/overlays\/([a-z]{1,16}))?|slides\/([0-9a-f]{16})\.dzi)$/.exec(
      path,
    );
    const s = m ? byId.get((m[1] ?? m[3]) as string) : undefined;
    if (!m || !s) return sendJson(req, res, 404, { error: { code: 'NotFound' } });
    try {
      if (m[3]) {
        const { geometry } = await entryOf(s);
        return send(req, res, 200, dziXml(geometry, settings.format), {
          'Content-Type': 'application/xml; charset=utf-8',
          'Cache-Control': 'no-cache',
        });
      }
      if (m[2]) return await overlay(req, res, s, m[2]);
      const { info } = await entryOf(s);
      const files = overlaysRoot ? await findOverlays(overlaysRoot, s.name) : {};
      const overlays = Object.fromEntries(OVERLAY_KINDS.map((k) => [k, files[k] !== undefined]));
      return sendJson(req, res, 200, { ...info, overlays });
    } catch (err) {
      return sendError(req, res, err, redact(s));
    }
  }

  const server = createServer(
    { maxHeaderSize: 16 * 1024, requestTimeout: 60_000, headersTimeout: 20_000, keepAliveTimeout: 5_000 },
    (req, res) => {
      handle(req, res).catch((err) => {
        const s = /([0-9a-f]{16})/.exec(req.url ?? '')?.[1];
        sendError(req, res, err, redact(s ? byId.get(s) : undefined));
      });
    },
  );
  server.on('clientError', (err: NodeJS.ErrnoException, socket) => {
    const status = err.code === 'HPE_HEADER_OVERFLOW' ? '431 Request Header Fields Too Large' : '400 Bad Request';
    if (socket.writable) socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    else socket.destroy();
  });
  const host = opts.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 8080, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const urlHost = host.includes(':') ? `[${host}]` : host === '0.0.0.0' ? '127.0.0.1' : host;
  return {
    url: `http://${urlHost}:${port}/`,
    host,
    port,
    slides,
    skipped,
    server,
    stats: () => ({ rendered, cacheHits, cacheBytes: cache.calculatedSize, active: gate.active }),
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await pool.closeAll();
    },
  };
}
