import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fixture } from '@wsi/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSlide, REMOTE_BLOCK_SIZE } from '../src/open.js';

const path = fixture('aperio/CMU-1-Small-Region.svs');
const tcgaPath = fixture('aperio/tcga-cr-7395-01a-01-ts1.svs');

describe.skipIf(!path)('over HTTP with Range requests (skipped without the CMU-1-Small-Region fixture)', () => {
  let bytes: Uint8Array;
  let tcga: Uint8Array | undefined;
  let served = 0;
  let requests = 0;
  let url = '';
  const server = createServer((req, res) => {
    requests++;
    const bytes = req.url?.includes('tcga') && tcga ? tcga : bytesOf();
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
    res.writeHead(206, {
      'Content-Range': `bytes ${start}-${end}/${bytes.length}`,
      'Content-Length': body.length,
      'Accept-Ranges': 'bytes',
    });
    res.end(body);
  });

  const bytesOf = () => bytes;
  beforeAll(async () => {
    bytes = new Uint8Array(readFileSync(path as string));
    if (tcgaPath) tcga = new Uint8Array(readFileSync(tcgaPath));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/CMU-1-Small-Region.svs`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('opens with a few KB-scale requests (default remote blocks) and reads regions identical to the local file', async () => {
    const local = await openSlide(path as string);
    const lines: string[] = [];
    for (const options of [{}, { source: { cache: { blockSize: 256 * 1024 } } }]) {
      served = 0;
      requests = 0;
      const remote = await openSlide(url, options);
      const openBytes = served;
      const openRequests = requests;
      expect(remote.levels).toEqual(local.levels);
      expect(remote.properties).toEqual(local.properties);
      const label = 'source' in options ? 'blocks 256 KiB' : `default blocks ${REMOTE_BLOCK_SIZE / 1024} KiB`;
      const reads: string[] = [];
      for (const r of [
        { x: 1000, y: 1200, level: 0, width: 256, height: 256 },
        { x: 100, y: 2800, level: 0, width: 512, height: 512 },
        { x: 1501, y: 7, level: 0, width: 64, height: 64 },
      ]) {
        const before = served;
        const beforeReq = requests;
        const a = await remote.readRegion(r);
        const b = await local.readRegion(r);
        expect(Buffer.compare(Buffer.from(a.data as Uint8Array), Buffer.from(b.data as Uint8Array))).toBe(0);
        reads.push(`${r.width}×${r.height}@(${r.x},${r.y}) ${served - before} B/${requests - beforeReq} req`);
      }
      lines.push(`${label}: open ${openBytes} B in ${openRequests} requests (incl. HEAD); ${reads.join('; ')}`);
      if (!('source' in options)) {
        expect(openBytes).toBeLessThan(128 * 1024);
        expect(openRequests).toBeLessThanOrEqual(8);
      }
      await remote.close();
    }
    console.log(`HTTP, CMU-1-Small-Region.svs (${bytes.length} bytes):\n  ${lines.join('\n  ')}`);
    await local.close();
  }, 60_000);
  it.skipIf(!tcgaPath)(
    'a 3.9 MB JPEG 2000 SVS opens with a few 16 KiB requests; every level reads as locally',
    async () => {
      const local = await openSlide(tcgaPath as string);
      served = 0;
      requests = 0;
      const remote = await openSlide(url.replace('CMU-1-Small-Region', 'tcga'));
      const openBytes = served;
      const openRequests = requests;
      expect(remote.levels).toEqual(local.levels);
      const reads: string[] = [];
      for (const r of [
        { x: 1200, y: 900, level: 0, width: 256, height: 256 },
        { x: 1201, y: 901, level: 1, width: 256, height: 256 },
      ]) {
        const before = served;
        const beforeReq = requests;
        const a = await remote.readRegion(r);
        const b = await local.readRegion(r);
        expect(Buffer.compare(Buffer.from(a.data as Uint8Array), Buffer.from(b.data as Uint8Array))).toBe(0);
        reads.push(
          `L${r.level} ${r.width}×${r.height}@(${r.x},${r.y}) ${served - before} B/${requests - beforeReq} req`,
        );
      }
      console.log(
        `HTTP, tcga-cr-7395-01a-01-ts1.svs (${tcga?.length} bytes): open ${openBytes} B in ${openRequests} requests (incl. HEAD); ${reads.join('; ')}`,
      );
      expect(openBytes).toBeLessThan(64 * 1024);
      expect(openRequests).toBeLessThanOrEqual(6);
      await remote.close();
      await local.close();
    },
    60_000,
  );
});
