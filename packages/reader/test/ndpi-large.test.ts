/**
 * NDPI files over 4 GiB: `writeNdpi({ hole })` leaves a sparse hole of more than 4 GiB before the page data, so
 * every strip, tag value and directory sits past 4 GiB and is addressed through NDPI's 64-bit extension (header
 * bytes 8–11, 8-byte next-directory pointers, one high word per entry after each directory). The files take a few
 * hundred KiB of disk (checked with `du`), live in the OS temp dir and are deleted afterwards.
 *
 * OpenSlide 3.4.1 reads such a file when it has no MCU-start tag (it scans for the restart markers); with the tag
 * it fails ("Restart marker not found at recorded position …"), so the oracle compares the untagged file and the
 * tagged one (65426 + 65432) must give this reader the same pixels.
 */
import { execFileSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isWsiError, type Region } from '@wsi/core';
import { hasPythonModules, hasVipsCli, syntheticTissue, writeNdpi } from '@wsi/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NdpiSlide } from '../src/formats/ndpi/index.js';
import { openSlide } from '../src/open.js';
import { meanAbsDiff, openslideRead } from './helpers/oracle.js';

const oracle = hasPythonModules(['openslide', 'numpy']);
const hasVips = hasVipsCli();

const FOUR_GIB = 2 ** 32;
/** Past 4 GiB, and odd-sized so the data does not start on a round offset. */
const HOLE = FOUR_GIB + 123_458;

/** Disk use of a file in KiB (`du -k`). */
function diskKiB(path: string): number {
  return Number(execFileSync('du', ['-k', path]).toString().split(/\s/)[0]);
}

/** File offset of the NDPI high word of `tag` in the first directory. */
function highWordOf(path: string, tag: number): number {
  const fd = openSync(path, 'r');
  try {
    const head = Buffer.alloc(12);
    readSync(fd, head, 0, 12, 0);
    const ifd = head.readUInt32LE(4) + head.readUInt32LE(8) * FOUR_GIB;
    const cnt = Buffer.alloc(2);
    readSync(fd, cnt, 0, 2, ifd);
    const n = cnt.readUInt16LE(0);
    const entries = Buffer.alloc(12 * n);
    readSync(fd, entries, 0, entries.length, ifd + 2);
    for (let k = 0; k < n; k++) {
      if (entries.readUInt16LE(12 * k) === tag) return ifd + 2 + 12 * n + 8 + 4 * k;
    }
    throw new Error(`tag ${tag} not in the first directory`);
  } finally {
    closeSync(fd);
  }
}

function patchU32(path: string, at: number, value: number): void {
  const fd = openSync(path, 'r+');
  try {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(value, 0);
    writeSync(fd, b, 0, 4, at);
  } finally {
    closeSync(fd);
  }
}

describe.skipIf(!oracle || !hasVips)(
  'NDPI over 4 GiB (sparse) against OpenSlide 3.4.1 (skipped without /usr/bin/python3 openslide or the vips CLI)',
  () => {
    let dir = '';
    let untagged = '';
    let tagged = '';
    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), 'wsi-ndpi-large-'));
      untagged = join(dir, 'untagged.ndpi');
      tagged = join(dir, 'tagged.ndpi');
      const source = () => syntheticTissue({ width: 2048, height: 1536, seed: 11 });
      await writeNdpi(untagged, { source: source(), pages: 3, intervalWidth: 64, hole: HOLE, mcuStartsTag: false });
      const w = await writeNdpi(tagged, {
        source: source(),
        pages: 3,
        intervalWidth: 64,
        hole: HOLE,
        mcuStartsHigh: true,
      });
      expect(w.pages[0]!.stripOffset).toBeGreaterThan(FOUR_GIB);
      expect(w.bytes).toBeGreaterThan(FOUR_GIB);
    }, 120_000);
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it('the files are sparse', () => {
      for (const p of [untagged, tagged]) {
        const kib = diskKiB(p);
        console.log(`${p}: ${kib} KiB on disk`);
        expect(kib).toBeLessThan(16 << 10);
      }
    });

    it('same levels as OpenSlide and region pixels ≤ 1.0 mean |Δ| at levels 0, 1 and 2', async () => {
      const slide = await openSlide(untagged);
      expect(slide).toBeInstanceOf(NdpiSlide);
      const regions: Region[] = [
        { x: 100, y: 100, level: 0, width: 300, height: 200 },
        { x: 1900, y: 1400, level: 0, width: 200, height: 200 }, // across the page edge
        { x: 250, y: 330, level: 1, width: 256, height: 256 },
        { x: 64, y: 48, level: 2, width: 256, height: 200 },
        { x: 0, y: 0, level: 3, width: 256, height: 192 }, // a level OpenSlide derives below the smallest page
      ];
      const ref = openslideRead(untagged, regions);
      expect(ref.info.vendor).toBe('hamamatsu');
      expect(slide.levels.map((l) => [l.width, l.height])).toEqual(ref.info.levels.map((l) => [l.width, l.height]));
      expect([...slide.associatedImages].sort()).toEqual(ref.info.associated);
      const withTags = await openSlide(tagged);
      const lines: string[] = [];
      let worst = 0;
      for (let i = 0; i < regions.length; i++) {
        const r = regions[i]!;
        const mine = (await slide.readRegion(r)).data as Uint8Array;
        const d = meanAbsDiff(mine, ref.regions[i]!);
        worst = Math.max(worst, ...d);
        lines.push(`L${r.level} (${r.x},${r.y}) ${r.width}×${r.height}: ${d.map((v) => v.toFixed(3)).join(' ')}`);
        // the tagged file (MCU starts 65426 + 65432) holds the same JPEG bytes: identical pixels
        expect(Buffer.compare(Buffer.from((await withTags.readRegion(r)).data as Uint8Array), Buffer.from(mine))).toBe(
          0,
        );
      }
      console.log(`ndpi > 4 GiB: worst mean |Δ| ${worst.toFixed(3)}\n  ${lines.join('\n  ')}`);
      expect(worst).toBeLessThanOrEqual(1.0);
      await slide.close();
      await withTags.close();
    }, 120_000);

    it('a corrupt strip-offset high word → CorruptFile', async () => {
      patchU32(tagged, highWordOf(tagged, 273), 9); // strip at 9 × 4 GiB + low: past the end of the file
      const err = await openSlide(tagged).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(isWsiError(err, 'CorruptFile'), String(err)).toBe(true);
      expect((err as Error).message).toMatch(/JPEG strip \(\d+ bytes at 38654\d+\) lies outside the file/);
    });

    it('a high word on an inline SHORT value → CorruptFile', async () => {
      patchU32(tagged, highWordOf(tagged, 273), 1); // restore the strip offset
      patchU32(tagged, highWordOf(tagged, 259), 1); // Compression (inline SHORT) cannot carry high bits
      const err = await openSlide(tagged).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(isWsiError(err, 'CorruptFile'), String(err)).toBe(true);
      expect((err as Error).message).toMatch(/tag 259 has NDPI high bits on an inline value/);
      patchU32(tagged, highWordOf(tagged, 259), 0);
    });

    it('wrong MCU-start high bits (tag 65432 values) are caught and the markers scanned: same pixels', async () => {
      const region: Region = { x: 500, y: 700, level: 0, width: 300, height: 300 };
      const good = await openSlide(tagged);
      const want = Buffer.from((await good.readRegion(region)).data as Uint8Array);
      await good.close();
      const fd = openSync(tagged, 'r');
      const entry = Buffer.alloc(4);
      const high = highWordOf(tagged, 65432);
      readSync(fd, entry, 0, 4, high);
      const valuesHigh = entry.readUInt32LE(0);
      // the entry's low value offset: the directory's entry k sits at ifd + 2 + 12k; its high word at `high`
      const head = Buffer.alloc(12);
      readSync(fd, head, 0, 12, 0);
      const ifd = head.readUInt32LE(4) + head.readUInt32LE(8) * FOUR_GIB;
      const cnt = Buffer.alloc(2);
      readSync(fd, cnt, 0, 2, ifd);
      const k = (high - (ifd + 2 + 12 * cnt.readUInt16LE(0) + 8)) / 4;
      readSync(fd, entry, 0, 4, ifd + 2 + 12 * k + 8);
      closeSync(fd);
      const values = entry.readUInt32LE(0) + valuesHigh * FOUR_GIB;
      for (let i = 0; i < 40; i++) patchU32(tagged, values + 4 * i, 1); // 40 restart intervals "past 4 GiB"
      const slide = await openSlide(tagged);
      expect(Buffer.compare(Buffer.from((await slide.readRegion(region)).data as Uint8Array), want)).toBe(0);
      await slide.close();
    });
  },
);
