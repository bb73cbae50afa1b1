import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import { fixture } from '@wsi/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSlide } from '../src/open.js';

const path = fixture('aperio/CMU-1-Small-Region.svs');

describe.skipIf(!path)('over HTTP with Range requests (skipped without the CMU-1-Small-Region fixture)', () => {
  let bytes: Uint8Array;
  let served = 0;
  let requests = 0;
  let url = '';
  const server = createServer((req, res) => {
    requests++;
    const m = /bytes=(\d+)-(\d*)/.exec(req.headers.range ?? '');
    if (!m) {
      res.writeHead(200, { 'Content-Length': bytes.length, 'Accept-Ranges': 'bytes' });
      if (req.method === 'HEAD') return res.end();
      served += bytes.length;
      return res.end(bytes);
    }
    const start = Number(m[1]);
    const end = Math.min(m[2] ? Number(m[2]) : bytes.length - 1, bytes.length - 1);
    if (start >= bytes.length) {
      res.writeHead(416, { 'Content-Range': `bytes */${bytes.length}` });
      return res.end();
    }
    const body = bytes.subarray(start, end + 1);
    served += body.length;
    res.writeHead(206, { 'Content-Range': `bytes ${start}-${end}/${bytes.length}`, 'Content-Length': body.length, 'Accept-Ranges': 'bytes' });
    res.end(body);
  });

  beforeAll(async () => {
    bytes = new Uint8Array(readFileSync(path as string));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/CMU-1-Small-Region.svs`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('opens with a few requests and reads regions identical to the local file', async () => {
    const local = await openSlide(path as string);
    for (const blockSize of [256 * 1024, 16 * 1024]) {
      served = 0;
      requests = 0;
      const remote = await openSlide(url, { source: { cache: { blockSize } } });
      const openBytes = served;
      const openRequests = requests;
      expect(remote.levels).toEqual(local.levels);
      expect(remote.properties).toEqual(local.properties);
      const lines: string[] = [];
      for (const r of [
        { x: 1000, y: 1200, level: 0, width: 256, height: 256 },
        { x: 100, y: 2800, level: 0, width: 512, height: 512 },
      ]) {
        const before = served;
        const beforeReq = requests;
        const a = await remote.readRegion(r);
        const b = await local.readRegion(r);
        expect(Buffer.compare(Buffer.from(a.data as Uint8Array), Buffer.from(b.data as Uint8Array))).toBe(0);
        lines.push(`region ${r.width}×${r.height}@(${r.x},${r.y}): ${served - before} bytes in ${requests - beforeReq} requests`);
      }
      console.log(`HTTP block ${blockSize / 1024} KiB (file ${bytes.length} bytes): open ${openBytes} bytes in ${openRequests} requests; ${lines.join('; ')}`);
      expect(openBytes).toBeLessThan(bytes.length);
      await remote.close();
    }
    await local.close();
  }, 60_000);
});
