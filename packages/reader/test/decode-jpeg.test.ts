import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isWsiError } from '@wsi/core';
import { fixture, hasPythonModules, runPythonJson } from '@wsi/testing';
import { afterAll, describe, expect, it } from 'vitest';
import {
  adobeMarker,
  completeJpegStream,
  decodeTile,
  type JpegBackend,
  jpegBackend,
  jpegTransformToInsert,
  readJpegHeader,
  setJpegBackend,
} from '../src/decode/index.js';
import { meanAbsDiff, readTiffTiles } from './decode-helpers.js';

const cmu = fixture('aperio/CMU-1-Small-Region.svs');
const ome = fixture('ome-tiff/OS-1-detail.ome.tif');
const oracle = hasPythonModules(['openslide', 'numpy', 'PIL', 'tifffile']);
const backends: JpegBackend[] = ['turbo', 'native', 'wasm'];
afterAll(() => setJpegBackend('turbo'));

/** Pillow's RGB decode of complete JPEG streams (through temp files; base64 RGB back). */
function pillowRgb(streams: Uint8Array[]): Uint8Array[] {
  const dir = mkdtempSync(join(tmpdir(), 'wsi-pillow-'));
  try {
    const paths = streams.map((s, i) => {
      const p = join(dir, `${i}.jpg`);
      writeFileSync(p, s);
      return p;
    });
    const r = runPythonJson<string[]>(
      `import sys, json, base64
from PIL import Image
print(json.dumps([base64.b64encode(Image.open(p).convert('RGB').tobytes()).decode() for p in sys.argv[1:]]))`,
      paths,
    );
    return r.map((s) => new Uint8Array(Buffer.from(s, 'base64')));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('JPEG markers and the colour rule', () => {
  it('merges JPEGTables and inserts an Adobe marker after SOI', () => {
    const tables = Uint8Array.of(0xff, 0xd8, 0xff, 0xdb, 0, 3, 7, 0xff, 0xd9);
    const tile = Uint8Array.of(0xff, 0xd8, 0xff, 0xc0, 0, 11, 8, 0, 2, 0, 3, 3, 0, 0x11, 0, 0xff, 0xd9);
    const full = completeJpegStream(tile, tables, 0);
    expect(Array.from(full.subarray(0, 2))).toEqual([0xff, 0xd8]);
    expect(Array.from(full.subarray(2, 18))).toEqual(Array.from(adobeMarker(0)));
    expect(Array.from(full.subarray(18, 23))).toEqual([0xff, 0xdb, 0, 3, 7]);
    expect(Array.from(full.subarray(23))).toEqual(Array.from(tile.subarray(2)));
    const h = readJpegHeader(full);
    expect(h).toMatchObject({ width: 3, height: 2, components: 3, precision: 8, adobeTransform: 0, jfif: false });
    expect(completeJpegStream(tile, undefined)).toBe(tile);
  });

  it('Adobe decides first, then JFIF, then Photometric', () => {
    expect(jpegTransformToInsert({ jfif: false, components: 3, adobeTransform: 1 }, 2)).toBeUndefined();
    expect(jpegTransformToInsert({ jfif: true, components: 3 }, 2)).toBeUndefined();
    expect(jpegTransformToInsert({ jfif: false, components: 3 }, 2)).toBe(0);
    expect(jpegTransformToInsert({ jfif: false, components: 3 }, 6)).toBe(1);
    expect(jpegTransformToInsert({ jfif: false, components: 1 }, 1)).toBeUndefined();
  });

  it('rejects garbage, truncation and a frame of the wrong size with CorruptFile', async () => {
    const info = {
      compression: 7,
      photometric: 2,
      width: 16,
      height: 16,
      samplesPerPixel: 3,
      bitsPerSample: 8,
      planarConfig: 1,
      predictor: 1,
    };
    for (const bytes of [
      new Uint8Array(0),
      Uint8Array.of(1, 2, 3, 4, 5),
      Uint8Array.of(0xff, 0xd8, 0xff, 0xdb, 0x40, 0),
    ]) {
      await expect(decodeTile(bytes, info)).rejects.toSatisfy((e) => isWsiError(e, 'CorruptFile'));
    }
    const sof = Uint8Array.of(0xff, 0xd8, 0xff, 0xc0, 0, 11, 8, 0x40, 0, 0x40, 0, 1, 1, 0x11, 0, 0xff, 0xd9);
    await expect(decodeTile(sof, info)).rejects.toSatisfy(
      (e) => isWsiError(e, 'CorruptFile') && /64×16384|16384/.test(String((e as Error).message)),
    );
  });

  it('reports the libjpeg-turbo backend by default', async () => {
    expect(await jpegBackend()).toBe('turbo');
  });
});

describe.skipIf(!cmu || !oracle)('Aperio JPEG tiles (no markers, Photometric RGB) equal OpenSlide', () => {
  const t = cmu ? readTiffTiles(cmu) : undefined;
  const picks = [0, 10, 57, 129]; // corner, second row, middle, last (edge) tile
  const ref =
    t && oracle
      ? runPythonJson<string[]>(
          `import sys, json, base64, openslide, numpy as np
s = openslide.OpenSlide(sys.argv[1]); tw = int(sys.argv[2]); cols = -(-s.dimensions[0] // tw)
out = []
for k in json.loads(sys.argv[3]):
    x, y = (k % cols) * tw, (k // cols) * tw
    a = np.asarray(s.read_region((x, y), 0, (tw, tw)))
    out.append(base64.b64encode(a.tobytes()).decode())
print(json.dumps(out))`,
          [cmu as string, String(t.info.width), JSON.stringify(picks)],
        ).map((s) => new Uint8Array(Buffer.from(s, 'base64')))
      : [];

  for (const backend of backends) {
    it(`decodes as RGB with no YCbCr conversion (${backend})`, async () => {
      setJpegBackend(backend);
      const tt = t as NonNullable<typeof t>;
      for (const [i, k] of picks.entries()) {
        const r = await decodeTile(tt.tiles[k] as Uint8Array, tt.info);
        expect(r).toMatchObject({ width: 240, height: 240, channels: 4, dtype: 'uint8' });
        const osl = ref[i] as Uint8Array;
        // compare only the part of the tile inside the image (OpenSlide gives alpha 0 outside)
        let sum = 0;
        let count = 0;
        let opaque = 0;
        for (let p = 0; p < 240 * 240; p++) {
          if (r.data[p * 4 + 3] === 255) opaque++;
          if (osl[p * 4 + 3] === 0) continue;
          for (let c = 0; c < 3; c++) sum += Math.abs((r.data[p * 4 + c] as number) - (osl[p * 4 + c] as number));
          count += 3;
        }
        expect(opaque).toBe(240 * 240);
        expect(count).toBeGreaterThan(0);
        expect(sum / count).toBeLessThanOrEqual(1.0);
      }
    });
  }

  it('honours an AbortSignal fired while the decode is in flight', async () => {
    const tt = t as NonNullable<typeof t>;
    const ac = new AbortController();
    const p = decodeTile(tt.tiles[0] as Uint8Array, tt.info, ac.signal);
    ac.abort();
    await expect(p).rejects.toSatisfy((e) => isWsiError(e, 'Aborted'));
  });

  it('an Adobe marker outranks the Photometric tag', async () => {
    const tt = t as NonNullable<typeof t>;
    const tile = tt.tiles[10] as Uint8Array;
    const marked = completeJpegStream(tile, undefined, 0); // says "RGB" inside the stream
    const r = await decodeTile(marked, { ...tt.info, photometric: 6 });
    expect(meanAbsDiff(r.data as Uint8Array, ref[1] as Uint8Array, 240 * 240, 4)).toBeLessThanOrEqual(1.0);
    const lied = completeJpegStream(tile, undefined, 1); // Adobe says YCbCr: decoded as YCbCr whatever Photometric says
    const y = await decodeTile(lied, tt.info);
    expect(meanAbsDiff(y.data as Uint8Array, ref[1] as Uint8Array, 240 * 240, 4)).toBeGreaterThan(10);
  });
});

describe.skipIf(!ome || !oracle)('JFIF tiles whose Photometric says RGB decode as YCbCr, equal to Pillow', () => {
  for (const backend of backends) {
    it(`OS-1-detail.ome.tif (${backend})`, async () => {
      setJpegBackend(backend);
      const t = readTiffTiles(ome as string);
      expect(t.info.photometric).toBe(2);
      const tiles = t.tiles.slice(0, 2);
      const refs = pillowRgb(tiles.map((b) => completeJpegStream(b, t.info.jpegTables)));
      for (const [i, b] of tiles.entries()) {
        expect(readJpegHeader(b, t.info.jpegTables).jfif).toBe(true);
        const r = await decodeTile(b, t.info);
        expect(
          meanAbsDiff(r.data as Uint8Array, refs[i] as Uint8Array, t.info.width * t.info.height, 3),
        ).toBeLessThanOrEqual(1.0);
      }
    });
  }
});

describe.skipIf(!cmu || !oracle)('Photometric YCbCr tiles with JPEGTables (libvips-written) equal Pillow', () => {
  const dir = mkdtempSync(join(tmpdir(), 'wsi-decode-jpeg-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  it('decodes a 256² tile written by vips tiffsave --compression jpeg', async () => {
    const out = join(dir, 'ycc.tif');
    execFileSync('vips', [
      'crop',
      cmu as string,
      `${out}[tile,tile-width=256,tile-height=256,compression=jpeg,Q=80]`,
      '0',
      '0',
      '512',
      '512',
    ]);
    const t = readTiffTiles(out);
    expect(t.info.photometric).toBe(6);
    // Pillow needs the colour pinned too (no markers): give it the APP14 "YCbCr" stream
    const refs = pillowRgb(t.tiles.map((b) => completeJpegStream(b, t.info.jpegTables, 1)));
    for (const backend of backends) {
      setJpegBackend(backend);
      for (const [i, b] of t.tiles.entries()) {
        const r = await decodeTile(b, t.info);
        expect(meanAbsDiff(r.data as Uint8Array, refs[i] as Uint8Array, 256 * 256, 3)).toBeLessThanOrEqual(
          backend === 'native' ? 0.5 : 0, // libjpeg-turbo (native or WASM) is bit-exact with Pillow's libjpeg
        );
      }
    }
  });
});

describe.skipIf(!oracle)('greyscale JPEG keeps one channel', () => {
  it('decodes a Pillow-written grey JPEG to 1-channel uint8 equal to Pillow', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wsi-grey-'));
    try {
      const path = join(dir, 'g.jpg');
      runPythonJson(
        `import sys, json, numpy as np
from PIL import Image
a = (np.add.outer(np.arange(64), np.arange(48)) * 3 % 256).astype(np.uint8)
Image.fromarray(a, 'L').save(sys.argv[1], quality=90)
print(json.dumps(1))`,
        [path],
      );
      const bytes = new Uint8Array(readFileSync(path));
      const ref = runPythonJson<string>(
        `import sys, json, base64
from PIL import Image
print(json.dumps(base64.b64encode(Image.open(sys.argv[1]).tobytes()).decode()))`,
        [path],
      );
      const px = Buffer.from(ref, 'base64');
      for (const backend of backends) {
        setJpegBackend(backend);
        const r = await decodeTile(bytes, {
          compression: 7,
          photometric: 1,
          width: 48,
          height: 64,
          samplesPerPixel: 1,
          bitsPerSample: 8,
          planarConfig: 1,
          predictor: 1,
        });
        expect(r).toMatchObject({ width: 48, height: 64, channels: 1, dtype: 'uint8' });
        let sum = 0;
        for (let i = 0; i < 48 * 64; i++) sum += Math.abs((r.data[i] as number) - (px[i] as number));
        expect(sum / (48 * 64)).toBeLessThanOrEqual(backend === 'native' ? 1.0 : 0);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
