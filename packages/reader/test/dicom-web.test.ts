/**
 * DICOMweb (WADO-RS): a small local `node:http` server serves the fixture's instances — `/metadata` as pydicom's
 * DICOM JSON, frames as multipart/related (or single-part) — behind a bearer token; the slide read through it must
 * match the files pixel for pixel.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fixture, hasPythonModules, runPythonJson } from '@wsi/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DicomSlide, firstPart, parseDicomWebUrl } from '../src/formats/dicom/index.js';
import { openSlide } from '../src/open.js';

const DIR = fixture('dicom/cmu-1-small-region');

const EXPORT = `
import json, sys, os, pydicom, warnings
from pydicom.encaps import generate_pixel_data_frame
warnings.simplefilter('ignore')
out = []
with open(sys.argv[2], 'wb') as f:
    pos = 0
    for name in sorted(os.listdir(sys.argv[1])):
        ds = pydicom.dcmread(os.path.join(sys.argv[1], name))
        frames = []
        for raw in generate_pixel_data_frame(ds.PixelData, int(getattr(ds, 'NumberOfFrames', 1))):
            f.write(raw); frames.append([pos, len(raw)]); pos += len(raw)
        ts = str(ds.file_meta.TransferSyntaxUID)
        del ds.PixelData
        out.append({'meta': ds.to_json_dict(), 'frames': frames, 'ts': ts, 'sop': str(ds.SOPInstanceUID),
                    'study': str(ds.StudyInstanceUID), 'series': str(ds.SeriesInstanceUID)})
print(json.dumps(out))
`;

interface Exported {
  meta: Record<string, unknown>;
  frames: [number, number][];
  ts: string;
  sop: string;
  study: string;
  series: string;
}

describe.skipIf(!DIR || !hasPythonModules(['pydicom']))(
  'DICOMweb series through a local WADO-RS server (needs the DICOM fixture and pydicom)',
  () => {
    const tmp = mkdtempSync(join(tmpdir(), 'wsi-dicomweb-'));
    let server: Server;
    let base = '';
    let exported: Exported[];
    let url = '';
    const requests: string[] = [];

    beforeAll(async () => {
      exported = runPythonJson<Exported[]>(EXPORT, [DIR as string, join(tmp, 'frames.bin')]);
      const blob = readFileSync(join(tmp, 'frames.bin'));
      const bySop = new Map(exported.map((e) => [e.sop, e]));
      server = createServer((req, res) => {
        requests.push(req.url ?? '');
        if (req.headers.authorization !== 'Bearer t0ken') {
          res.writeHead(401).end();
          return;
        }
        const path = decodeURIComponent((req.url ?? '').split('?')[0] ?? '');
        const meta = /^\/wado\/studies\/([^/]+)\/series\/([^/]+)\/metadata$/.exec(path);
        if (meta && meta[2] === exported[0]!.series) {
          res
            .writeHead(200, { 'content-type': 'application/dicom+json' })
            .end(JSON.stringify(exported.map((e) => e.meta)));
          return;
        }
        const frame = /^\/wado\/studies\/[^/]+\/series\/[^/]+\/instances\/([^/]+)\/frames\/(\d+)$/.exec(path);
        const inst = frame ? bySop.get(frame[1] as string) : undefined;
        const loc = inst?.frames[Number(frame?.[2]) - 1];
        if (!inst || !loc) {
          res.writeHead(404).end();
          return;
        }
        const bytes = blob.subarray(loc[0], loc[0] + loc[1]);
        if (Number(frame?.[2]) % 2 === 0) {
          // single-part answer
          res.writeHead(200, { 'content-type': `application/octet-stream; transfer-syntax=${inst.ts}` }).end(bytes);
          return;
        }
        const boundary = 'wsi-test-boundary';
        const head = Buffer.from(
          `--${boundary}\r\nContent-Type: application/octet-stream; transfer-syntax=${inst.ts}\r\n\r\n`,
        );
        const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
        res
          .writeHead(200, {
            'content-type': `multipart/related; type="application/octet-stream"; boundary=${boundary}`,
          })
          .end(Buffer.concat([head, bytes, tail]));
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/wado`;
      url = `dicomweb+${base}/studies/${exported[0]!.study}/series/${exported[0]!.series}`;
    });
    afterAll(async () => {
      await new Promise((resolve) => server?.close(resolve));
      rmSync(tmp, { recursive: true, force: true });
    });

    it('parses series URLs', () => {
      expect(parseDicomWebUrl('dicomweb+https://h/x/studies/1.2/series/3.4')).toEqual({
        base: 'https://h/x',
        study: '1.2',
        series: '3.4',
      });
      expect(() => parseDicomWebUrl('dicomweb+https://h/x/studies/1.2')).toThrow(/series URL/);
    });

    it('reads the same levels, properties and pixels as the files', async () => {
      const web = (await openSlide(url, {
        dicomweb: { headers: { authorization: 'Bearer t0ken' } },
      })) as unknown as DicomSlide;
      const files = (await openSlide(DIR as string)) as unknown as DicomSlide;
      try {
        expect(web.format).toBe('dicom');
        expect(web.levels).toEqual(files.levels);
        expect(web.mpp).toEqual(files.mpp);
        for (const [k, v] of Object.entries(files.properties)) {
          if (k.startsWith('dicom.') && !/^dicom\.(FileMeta|MediaStorage|TransferSyntax|Implementation)/.test(k))
            expect([k, web.properties[k]]).toEqual([k, v]);
        }
        for (const r of [
          { x: 0, y: 0, level: 0, width: 2220, height: 2967 },
          { x: 333, y: 777, level: 2, width: 200, height: 100 },
          { x: 0, y: 0, level: 11, width: 1, height: 1 },
        ]) {
          const a = await web.readRegion(r);
          const b = await files.readRegion(r);
          expect(Buffer.from(a.data as Uint8Array).equals(Buffer.from(b.data as Uint8Array))).toBe(true);
        }
        expect(requests.some((u) => /\/frames\/\d+$/.test(u))).toBe(true);
      } finally {
        await web.close();
        await files.close();
      }
    }, 60_000);

    it('without the auth header → Io (401); an unknown series → NotFound', async () => {
      await expect(openSlide(url)).rejects.toMatchObject({ code: 'Io', details: { status: 401 } });
      await expect(
        openSlide(`dicomweb+${base}/studies/1/series/2`, { dicomweb: { headers: { authorization: 'Bearer t0ken' } } }),
      ).rejects.toMatchObject({ code: 'NotFound' });
    });

    it('rejects a multipart answer that is not closed', () => {
      const body = new TextEncoder().encode('--b\r\nContent-Type: application/octet-stream\r\n\r\nabc');
      expect(() => firstPart(body, 'multipart/related; boundary=b', 'x')).toThrow(/not closed/);
      expect(
        firstPart(new TextEncoder().encode('--b\r\n\r\nabc\r\n--b--'), 'multipart/related; boundary="b"', 'x').bytes,
      ).toEqual(new TextEncoder().encode('abc'));
    });
  },
);
