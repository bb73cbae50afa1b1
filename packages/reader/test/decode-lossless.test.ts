import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isWsiError, type Raster } from '@wsi/core';
import { fixture, hasPythonModules, hasVipsCli, runPythonJson, SYSTEM_PYTHON } from '@wsi/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeLzw, decodeTile, type TileDecodeInfo } from '../src/decode/index.js';
import { readTiffTiles } from './decode-helpers.js';

const base: TileDecodeInfo = {
  compression: 1,
  photometric: 2,
  width: 4,
  height: 2,
  samplesPerPixel: 3,
  bitsPerSample: 8,
  planarConfig: 1,
  predictor: 1,
};

/** Reference TIFF encoder for LZW: a plain implementation of the TIFF 6.0 algorithm, for round trips. */
function encodeLzw(data: Uint8Array): Uint8Array {
  const out: number[] = [];
  let acc = 0;
  let nbits = 0;
  let width = 9;
  const put = (code: number) => {
    acc = (acc << width) | code;
    nbits += width;
    while (nbits >= 8) {
      out.push((acc >>> (nbits - 8)) & 0xff);
      nbits -= 8;
    }
    acc &= (1 << nbits) - 1;
  };
  let dict = new Map<string, number>();
  let next = 258;
  put(256);
  let w = '';
  for (const byte of data) {
    const wc = `${w},${byte}`;
    if (w === '') {
      w = `${byte}`;
      continue;
    }
    if (dict.has(wc)) {
      w = wc;
      continue;
    }
    put(w.includes(',') ? (dict.get(w) as number) : Number(w));
    dict.set(wc, next++);
    // the decoder adds each entry one code later, so the encoder widens one code later too
    if (next >= 1 << width && width < 12) width++;
    if (next >= 4094) {
      put(256);
      dict = new Map();
      next = 258;
      width = 9;
    }
    w = `${byte}`;
  }
  if (w !== '') put(w.includes(',') ? (dict.get(w) as number) : Number(w));
  put(257);
  if (nbits > 0) out.push((acc << (8 - nbits)) & 0xff);
  return Uint8Array.from(out);
}

describe('LZW', () => {
  it('round-trips data with repeats, the KwKwK case and table resets', () => {
    const n = 20_000;
    const data = new Uint8Array(n);
    for (let i = 0; i < n; i++) data[i] = i < 300 ? 7 : (i * 31 + (i >> 5)) % 253;
    const enc = encodeLzw(data);
    const out = new Uint8Array(n);
    expect(decodeLzw(enc, out)).toBe(n);
    expect(Buffer.from(out).equals(Buffer.from(data))).toBe(true);
  });

  it('never writes past the buffer it is given and reports short data', async () => {
    const enc = encodeLzw(new Uint8Array(100).fill(3));
    expect(decodeLzw(enc, new Uint8Array(10))).toBe(10);
    await expect(decodeTile(enc, { ...base, compression: 5, width: 100, height: 100 })).rejects.toSatisfy((e) =>
      isWsiError(e, 'CorruptFile'),
    );
  });

  it('rejects codes that are not yet defined', () => {
    // 9-bit codes: 256 (clear), 65, 300 (undefined)
    const bits = [256, 65, 300]
      .map((c) => c.toString(2).padStart(9, '0'))
      .join('')
      .padEnd(32, '0');
    const bytes = Uint8Array.from({ length: 4 }, (_, i) => Number.parseInt(bits.slice(i * 8, i * 8 + 8), 2));
    expect(() => decodeLzw(bytes, new Uint8Array(64))).toThrow(/not yet defined/);
  });
});

describe('uncompressed, predictors and layouts', () => {
  it('gives RGBA for 8-bit RGB and undoes the horizontal predictor', async () => {
    const raw = Uint8Array.of(10, 20, 30, 1, 1, 1, 1, 1, 1, 250, 0, 0, /* row 2 */ 0, 0, 0, 5, 6, 7, 0, 0, 0, 0, 0, 0);
    const r = await decodeTile(raw, { ...base, predictor: 2 });
    expect(r).toMatchObject({ width: 4, height: 2, channels: 4, dtype: 'uint8' });
    expect(Array.from(r.data.subarray(0, 16))).toEqual([
      10, 20, 30, 255, 11, 21, 31, 255, 12, 22, 32, 255, 6, 22, 32, 255,
    ]);
    expect(Array.from(r.data.subarray(16, 24))).toEqual([0, 0, 0, 255, 5, 6, 7, 255]);
  });

  it('expands RGB to RGBA for pixel counts that are not a multiple of 4', async () => {
    const raw = Uint8Array.from({ length: 7 * 3 * 3 }, (_, i) => (i * 13) % 256);
    const r = await decodeTile(raw, { ...base, width: 7, height: 3 });
    for (let p = 0; p < 21; p++) {
      expect(Array.from(r.data.subarray(p * 4, p * 4 + 4))).toEqual([raw[p * 3], raw[p * 3 + 1], raw[p * 3 + 2], 255]);
    }
  });

  it('keeps native channels for 16-bit big-endian grey and planar RGB', async () => {
    const be = Uint8Array.of(0x01, 0x02, 0xff, 0xfe);
    const g = (await decodeTile(be, {
      ...base,
      photometric: 1,
      samplesPerPixel: 1,
      bitsPerSample: 16,
      width: 2,
      height: 1,
      littleEndian: false,
    })) as Raster<'uint16'>;
    expect(g.dtype).toBe('uint16');
    expect(Array.from(g.data)).toEqual([0x0102, 0xfffe]);
    const planar = Uint8Array.of(1, 2, 3, 4, 5, 6); // R plane, G plane, B plane of 2×1
    const p = await decodeTile(planar, { ...base, width: 2, height: 1, planarConfig: 2 });
    expect(Array.from(p.data)).toEqual([1, 3, 5, 255, 2, 4, 6, 255]);
  });

  it('rejects short data, unknown compression and aborted calls with typed errors', async () => {
    await expect(decodeTile(new Uint8Array(5), base)).rejects.toSatisfy((e) => isWsiError(e, 'CorruptFile'));
    await expect(decodeTile(new Uint8Array(24), { ...base, compression: 12345 })).rejects.toSatisfy((e) =>
      isWsiError(e, 'UnsupportedFormat'),
    );
    await expect(decodeTile(new Uint8Array(24), { ...base, bitsPerSample: 12 })).rejects.toSatisfy((e) =>
      isWsiError(e, 'UnsupportedFormat'),
    );
    await expect(decodeTile(new Uint8Array(24), { ...base, width: -1 })).rejects.toSatisfy((e) =>
      isWsiError(e, 'InvalidArgument'),
    );
    await expect(decodeTile(Uint8Array.of(1, 2, 3), { ...base, compression: 8 })).rejects.toSatisfy((e) =>
      isWsiError(e, 'CorruptFile'),
    );
    await expect(decodeTile(Uint8Array.of(1, 2, 3), { ...base, compression: 50000 })).rejects.toSatisfy((e) =>
      isWsiError(e, 'CorruptFile'),
    );
    const ac = new AbortController();
    ac.abort();
    await expect(decodeTile(new Uint8Array(24), base, ac.signal)).rejects.toSatisfy((e) => isWsiError(e, 'Aborted'));
  });
});

const python = hasPythonModules(['numpy', 'tifffile']);
const vips = hasVipsCli();

describe.skipIf(!python || !vips)('LZW / Deflate / ZSTD with predictors and lossless WebP, written by libvips', () => {
  const dir = mkdtempSync(join(tmpdir(), 'wsi-decode-lossless-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const cases = [
    ['rgb8', 'lzw', 'horizontal'],
    ['rgb8', 'deflate', 'horizontal'],
    ['rgb8', 'zstd', 'horizontal'],
    ['rgb8', 'lzw', 'none'],
    ['u16', 'lzw', 'horizontal'],
    ['u16', 'deflate', 'horizontal'],
    ['f32', 'deflate', 'float'],
    ['f32', 'lzw', 'float'],
    ['rgb8', 'webp', 'none'],
  ] as const;
  beforeAll(() => {
    execFileSync(SYSTEM_PYTHON, [
      '-c',
      `import numpy as np, tifffile, sys
d = sys.argv[1]
a = (np.arange(64*64*3, dtype=np.uint32).reshape(64,64,3) * 7 % 251).astype(np.uint8)
b = (np.arange(64*64, dtype=np.uint32).reshape(64,64) * 977 % 65521).astype(np.uint16)
f = (np.arange(64*64, dtype=np.float32).reshape(64,64) / 7 - 100)
for name, arr in (('rgb8', a), ('u16', b), ('f32', f)):
    tifffile.imwrite(f'{d}/{name}.tif', arr, tile=(32, 32), photometric='rgb' if arr.ndim == 3 else 'minisblack')
    arr.tofile(f'{d}/{name}.raw')`,
      dir,
    ]);
    for (const [src, comp, pred] of cases) {
      execFileSync('vips', [
        'tiffsave',
        join(dir, `${src}.tif`),
        join(dir, `${src}-${comp}-${pred}.tif`),
        '--tile',
        '--tile-width',
        '32',
        '--tile-height',
        '32',
        '--compression',
        comp,
        '--predictor',
        pred,
        ...(comp === 'webp' ? ['--lossless'] : []),
      ]);
    }
  });

  for (const [src, comp, pred] of cases) {
    it(`${src} ${comp} predictor=${pred}`, async () => {
      const t = readTiffTiles(join(dir, `${src}-${comp}-${pred}.tif`));
      const raw = readFileSync(join(dir, `${src}.raw`));
      const spp = t.info.samplesPerPixel;
      const bytesPer = t.info.bitsPerSample / 8;
      const cols = Math.ceil(t.imageWidth / t.info.width);
      for (const [k, tile] of t.tiles.entries()) {
        const r = await decodeTile(tile, t.info);
        const x0 = (k % cols) * 32;
        const y0 = Math.floor(k / cols) * 32;
        const outCh = src === 'rgb8' ? 4 : spp;
        expect(r.channels).toBe(outCh);
        const bytes = new Uint8Array(r.data.buffer, r.data.byteOffset, r.data.byteLength);
        for (let y = 0; y < 32; y++) {
          for (let x = 0; x < 32; x++) {
            for (let c = 0; c < spp; c++) {
              const at = (((y0 + y) * 64 + x0 + x) * spp + c) * bytesPer;
              const got = ((y * 32 + x) * outCh + c) * bytesPer;
              for (let b = 0; b < bytesPer; b++)
                if (bytes[got + b] !== raw[at + b]) throw new Error(`tile ${k} differs at ${x},${y},${c}`);
            }
          }
        }
      }
    });
  }
});

const cmu = fixture('aperio/CMU-1-Small-Region.svs');
const he = fixture('generic-tiff/small_HE_levels.tiff');
const oracle = hasPythonModules(['openslide', 'numpy']);

describe.skipIf(!cmu || !he || !oracle)('real LZW and Deflate tiles equal OpenSlide', () => {
  it('the CMU-1 label (LZW strips) equals OpenSlide associated image', async () => {
    const cmuPath = cmu as string;
    // find the label IFD: the one OpenSlide calls "label" is the LZW one
    let ifd = 0;
    let t = readTiffTiles(cmuPath, ifd);
    while (t.info.compression !== 5) t = readTiffTiles(cmuPath, ++ifd);
    const ref = runPythonJson<{ w: number; h: number; px: string }>(
      `import sys, json, base64, openslide, numpy as np
a = np.asarray(openslide.OpenSlide(sys.argv[1]).associated_images['label'].convert('RGB'))
print(json.dumps({'w': a.shape[1], 'h': a.shape[0], 'px': base64.b64encode(a.tobytes()).decode()}))`,
      [cmuPath],
    );
    expect([t.imageWidth, t.imageHeight]).toEqual([ref.w, ref.h]);
    const px = Buffer.from(ref.px, 'base64');
    const rows = t.info.height;
    for (const [k, strip] of t.tiles.entries()) {
      const h = Math.min(rows, t.imageHeight - k * rows);
      const r = await decodeTile(strip, { ...t.info, height: h });
      for (let i = 0; i < t.imageWidth * h; i++) {
        for (let c = 0; c < 3; c++) {
          if (r.data[i * 4 + c] !== px[(k * rows * t.imageWidth + i) * 3 + c])
            throw new Error(`strip ${k} pixel ${i} differs`);
        }
      }
    }
  });

  it('small_HE_levels.tiff Deflate tiles equal OpenSlide level 0', async () => {
    const t = readTiffTiles(he as string, 0);
    expect(t.info.compression).toBe(8);
    const ref = runPythonJson<string>(
      `import sys, json, base64, openslide, numpy as np
print(json.dumps(base64.b64encode(np.asarray(openslide.OpenSlide(sys.argv[1]).read_region((0, 0), 0, (64, 64))).tobytes()).decode()))`,
      [he as string],
    );
    const px = Buffer.from(ref, 'base64');
    const r = await decodeTile(t.tiles[0] as Uint8Array, t.info);
    expect(r.channels).toBe(4);
    expect(Buffer.from(r.data.buffer, r.data.byteOffset, r.data.byteLength).equals(px)).toBe(true);
  });
});
