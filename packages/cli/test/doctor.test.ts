import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { estimateCohort } from '../src/doctor/estimate.js';

const BIN = resolve(__dirname, '../dist/bin.js');

describe('wsi doctor', () => {
  it('estimates patches per slide, per-resource rates, the bottleneck and the hours', () => {
    // 1 GB at 0.125 B/px = 8e9 px; a 20× 256 px patch of a 40× slide covers 512² = 262144 px; 40 % tissue
    const e = estimateCohort({ slides: 100, slideBytes: 1e9, diskMBps: 100, decodeMPps: 50, encoderPps: 30 });
    expect(e.patchesPerSlide).toBe(Math.round((8e9 / 262144) * 0.4));
    expect(e.patchesPerSecond.disk).toBeCloseTo(100e6 / (0.125 * 262144), 1);
    expect(e.patchesPerSecond.decode).toBeCloseTo(50e6 / 262144, 1);
    expect(e.bottleneck).toBe('encoder');
    expect(e.hours).toBeCloseTo((100 * e.patchesPerSlide) / 30 / 3600, 2);
    const slowDisk = estimateCohort({ slides: 1, slideBytes: 1e9, diskMBps: 0.5, decodeMPps: 50, encoderPps: 30 });
    expect(slowDisk.bottleneck).toBe('disk');
    const slowDecode = estimateCohort({ slides: 1, slideBytes: 1e9, diskMBps: 500, decodeMPps: 1, encoderPps: 30 });
    expect(slowDecode.bottleneck).toBe('decode');
  });

  it('measures the machine on a generated slide and prints the documented JSON', () => {
    const r = spawnSync(process.execPath, [BIN, 'doctor', '--json', '--seconds', '0.2', '--slides', '10'], {
      encoding: 'utf8',
      timeout: 120_000,
    });
    expect(r.status, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.machine.cores).toBeGreaterThanOrEqual(1);
    expect(j.machine.freeMemoryBytes).toBeGreaterThan(0);
    expect(j.disk.megabytesPerSecond).toBeGreaterThan(0);
    expect(j.decode).toMatchObject({ format: 'generic-tiff', tileWidth: 256, tileHeight: 256 });
    expect(j.decode.tilesPerSecondPerCore).toBeGreaterThan(0);
    expect(j.encoder).toMatchObject({ id: 'default', dim: 210, inputSize: 224 });
    expect(j.encoder.patchesPerSecond).toBeGreaterThan(0);
    expect(['disk', 'decode', 'encoder']).toContain(j.estimate.bottleneck);
    expect(j.estimate.slides).toBe(10);
    expect(j.estimate.hours).toBeGreaterThan(0);
  }, 120_000);
});
