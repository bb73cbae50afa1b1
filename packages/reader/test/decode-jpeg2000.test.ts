import { isWsiError } from '@wsi/core';
import { fixture, hasPythonModules, runPythonJson } from '@wsi/testing';
import { describe, expect, it } from 'vitest';
import { decodeTile, ycbcrToRgbInPlace } from '../src/decode/index.js';
import { WasmDecodePool } from '../src/decode/wasm-pool.js';
import { readTiffTiles } from './decode-helpers.js';

const tcga = fixture('aperio/tcga-cr-7395-01a-01-ts1.svs');
const oracle = hasPythonModules(['openslide', 'numpy']);

describe.skipIf(!tcga || !oracle)('Aperio JPEG 2000 (33005) tiles equal OpenSlide', () => {
  it('decodes RGB codestreams with no further colour conversion', async () => {
    const t = readTiffTiles(tcga as string, 0);
    expect(t.info.compression).toBe(33005);
    const cols = Math.ceil(t.imageWidth / t.info.width);
    const picks = [0, cols + 3, 40];
    const refs = runPythonJson<string[]>(
      `import sys, json, base64, openslide, numpy as np
s = openslide.OpenSlide(sys.argv[1]); cols = int(sys.argv[2])
print(json.dumps([base64.b64encode(np.asarray(s.read_region(((k % cols) * 256, (k // cols) * 256), 0, (256, 256))).tobytes()).decode() for k in json.loads(sys.argv[3])]))`,
      [tcga as string, String(cols), JSON.stringify(picks)],
    ).map((s) => new Uint8Array(Buffer.from(s, 'base64')));
    for (const [i, k] of picks.entries()) {
      const r = await decodeTile(t.tiles[k] as Uint8Array, t.info);
      expect(r).toMatchObject({ width: 256, height: 256, channels: 4, dtype: 'uint8' });
      const ref = refs[i] as Uint8Array;
      let sum = 0;
      let count = 0;
      for (let p = 0; p < 256 * 256; p++) {
        if (ref[p * 4 + 3] === 0) continue;
        for (let c = 0; c < 3; c++) sum += Math.abs((r.data[p * 4 + c] as number) - (ref[p * 4 + c] as number));
        count += 3;
      }
      expect(count).toBeGreaterThan(0);
      expect(sum / count).toBeLessThanOrEqual(1.0);
    }
  });

  it('checks the codestream size against the tile and rejects garbage', async () => {
    const t = readTiffTiles(tcga as string, 0);
    const tile = t.tiles[0] as Uint8Array;
    await expect(decodeTile(tile, { ...t.info, width: 128 })).rejects.toSatisfy((e) => isWsiError(e, 'CorruptFile'));
    await expect(decodeTile(Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8), t.info)).rejects.toSatisfy((e) =>
      isWsiError(e, 'CorruptFile'),
    );
    await expect(decodeTile(tile.subarray(0, 30), t.info)).rejects.toSatisfy((e) => isWsiError(e, 'CorruptFile'));
  });
});

describe('YCbCr → RGB (33003)', () => {
  it('uses the full-range JPEG equations', () => {
    const px = Uint8Array.of(128, 128, 128, 255, 76, 85, 255, 255, 0, 128, 128, 7);
    ycbcrToRgbInPlace(px);
    expect(Array.from(px.subarray(0, 4))).toEqual([128, 128, 128, 255]);
    expect(px[4]).toBeGreaterThanOrEqual(253); // pure red
    expect(px[5]).toBeLessThanOrEqual(2);
    expect(px[6]).toBeLessThanOrEqual(2);
    expect(Array.from(px.subarray(8))).toEqual([0, 0, 0, 7]);
  });
});

describe.skipIf(!tcga)('the WASM decode pool', () => {
  it('decodes in parallel workers, skips aborted queued tasks and closes', async () => {
    const t = readTiffTiles(tcga as string, 0);
    const pool = new WasmDecodePool(2);
    try {
      const ac = new AbortController();
      const jobs = [0, 1, 2, 3].map((k) => pool.decode('j2k', t.tiles[k] as Uint8Array, 256, 256));
      const aborted = pool.decode('j2k', t.tiles[4] as Uint8Array, 256, 256, ac.signal); // queued behind 4 tasks
      ac.abort();
      await expect(aborted).rejects.toSatisfy((e) => isWsiError(e, 'Aborted'));
      const done = await Promise.all(jobs);
      for (const d of done) expect(d).toMatchObject({ width: 256, height: 256, channels: 4, bitsPerSample: 8 });
      expect(done[0]?.data.length).toBe(256 * 256 * 4);
      await expect(pool.decode('j2k', t.tiles[0] as Uint8Array, 128, 256)).rejects.toSatisfy((e) =>
        isWsiError(e, 'CorruptFile'),
      );
    } finally {
      await pool.close();
    }
    await expect(pool.decode('j2k', t.tiles[0] as Uint8Array, 256, 256)).rejects.toSatisfy((e) =>
      isWsiError(e, 'InvalidArgument'),
    );
  });
});
