/** A real local HTTP server with Range support and scripted misbehaviour, for the HTTP source tests. */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  path: string;
  range: string | undefined;
  headers: IncomingMessage['headers'];
}

/** How a path behaves. `failFirst` requests answer `failStatus` (default 500) before normal service. */
export interface Behaviour {
  data: Uint8Array;
  noHead?: boolean;
  ignoreRange?: boolean;
  status?: number;
  failFirst?: number;
  failStatus?: number;
  /** The first N range responses send only half the body. */
  shortFirst?: number;
  /** Content-Range start shifted by one (a broken proxy). */
  wrongRange?: boolean;
  /** Delay before answering, ms. */
  delayMs?: number;
  /** Send a Content-Length on 206 responses (default true). */
  contentLength?: boolean;
}

export interface TestServer {
  base: string;
  requests: RecordedRequest[];
  routes: Map<string, Behaviour>;
  counts: Map<string, number>;
  close(): Promise<void>;
}

export async function startServer(routes: Record<string, Behaviour>): Promise<TestServer> {
  const requests: RecordedRequest[] = [];
  const counts = new Map<string, number>();
  const table = new Map(Object.entries(routes));
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    requests.push({ method: req.method ?? '', path, range: req.headers.range, headers: req.headers });
    const n = (counts.get(path) ?? 0) + 1;
    counts.set(path, n);
    const b = table.get(path);
    const go = () => serve(req, res, b, n);
    if (b?.delayMs) setTimeout(go, b.delayMs);
    else go();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    base: `http://127.0.0.1:${port}`,
    requests,
    routes: table,
    counts,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function serve(req: IncomingMessage, res: ServerResponse, b: Behaviour | undefined, n: number): void {
  if (res.destroyed) return;
  if (!b) return void res.writeHead(404).end('not found');
  if (b.status) return void res.writeHead(b.status).end(`status ${b.status}`);
  if (b.failFirst && n <= b.failFirst) return void res.writeHead(b.failStatus ?? 500).end('try again');
  const size = b.data.length;
  if (req.method === 'HEAD') {
    if (b.noHead) return void res.writeHead(405).end();
    res.writeHead(200, { 'content-length': size, ...(b.ignoreRange ? {} : { 'accept-ranges': 'bytes' }) });
    return void res.end();
  }
  const m = /^bytes=(\d+)-(\d+)$/.exec(req.headers.range ?? '');
  if (!m || b.ignoreRange) {
    res.writeHead(200, { 'content-length': size });
    return void res.end(b.data);
  }
  const start = Number(m[1]);
  const end = Math.min(Number(m[2]), size - 1);
  if (start >= size) {
    res.writeHead(416, { 'content-range': `bytes */${size}` });
    return void res.end();
  }
  let body = b.data.subarray(start, end + 1);
  const shift = b.wrongRange ? 1 : 0;
  const headers: Record<string, string | number> = { 'content-range': `bytes ${start + shift}-${end + shift}/${size}` };
  if (b.shortFirst && n <= b.shortFirst) body = body.subarray(0, Math.floor(body.length / 2));
  else if (b.contentLength !== false) headers['content-length'] = body.length;
  res.writeHead(206, headers);
  res.end(body);
}
