/**
 * Damaged or unsupported DICOM input ends in a typed WsiError, quickly: missing frames, inconsistent sizes, unknown
 * transfer syntaxes, truncated files, folders without DICOM.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isWsiError } from '@wsi/core';
import { fixture } from '@wsi/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { openDicomSlide } from '../src/formats/dicom/index.js';
import { openSlide } from '../src/open.js';
import { encapsulated, patternFrame, writeInstance } from './dicom-helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'wsi-dicom-bad-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
function write(files: Record<string, Uint8Array>): string {
  const d = join(dir, `b${n++}`);
  mkdirSync(d);
  for (const [name, bytes] of Object.entries(files)) writeFileSync(join(d, name), bytes);
  return d;
}

async function code(p: Promise<unknown>): Promise<string> {
  try {
    const s = (await p) as { readTile?: (l: number, c: number, r: number) => Promise<unknown>; close(): Promise<void> };
    await s.close();
    return 'opened';
  } catch (err) {
    expect(isWsiError(err)).toBe(true);
    return (err as { code: string }).code;
  }
}

const frames = (k: number) => Array.from({ length: k }, (_, i) => patternFrame(16, i));

describe('DICOM bad input', () => {
  it('TILED_FULL with fewer frames than the grid needs → CorruptFile at open', async () => {
    const d = write({ 'a.dcm': writeInstance({ width: 48, height: 32, tile: 16, frames: frames(4), native: true }) });
    expect(await code(openDicomSlide(d))).toBe('CorruptFile');
  });

  it('encapsulated Pixel Data with fewer fragments than NumberOfFrames → CorruptFile on read', async () => {
    const bytes = writeInstance({
      width: 32,
      height: 16,
      tile: 16,
      frames: frames(2).map((f) => f.subarray(0, 100)),
      transferSyntax: '1.2.840.10008.1.2.5',
    });
    // rewrite Pixel Data with one fragment only
    const cut = bytes.length - encapsulated(frames(2).map((f) => f.subarray(0, 100))).length;
    const one = new Uint8Array([...bytes.subarray(0, cut), ...encapsulated([frames(1)[0]!.subarray(0, 100)])]);
    const slide = await openDicomSlide(write({ 'a.dcm': one }));
    try {
      await expect(slide.readTile(0, 1, 0)).rejects.toMatchObject({
        code: 'CorruptFile',
        message: expect.stringMatching(/missing frames/),
      });
    } finally {
      await slide.close();
    }
  });

  it('instances of one level with different frame sizes → CorruptFile (inconsistent sizes)', async () => {
    const a = writeInstance({ width: 32, height: 32, tile: 16, frames: frames(4), native: true, sop: '5.1' });
    const b = writeInstance({
      width: 32,
      height: 32,
      tile: 32,
      frames: [patternFrame(32, 1)],
      native: true,
      sop: '5.2',
    });
    await expect(openDicomSlide(write({ 'a.dcm': a, 'b.dcm': b }))).rejects.toMatchObject({
      code: 'CorruptFile',
      message: expect.stringMatching(/inconsistent sizes/),
    });
  });

  it('an unknown transfer syntax → UnsupportedFormat', async () => {
    const a = writeInstance({ width: 16, height: 16, tile: 16, frames: frames(1), transferSyntax: '1.2.3.999' });
    expect(await code(openDicomSlide(write({ 'a.dcm': a })))).toBe('UnsupportedFormat');
  });

  it('a frame that does not decode, or decodes to another size → CorruptFile', async () => {
    const bad = writeInstance({
      width: 16,
      height: 16,
      tile: 16,
      frames: [Uint8Array.of(0xff, 0xd8, 1, 2, 3, 4)],
      transferSyntax: '1.2.840.10008.1.2.4.50',
    });
    const slide = await openDicomSlide(write({ 'a.dcm': bad }));
    try {
      await expect(slide.readTile(0, 0, 0)).rejects.toMatchObject({ code: 'CorruptFile' });
    } finally {
      await slide.close();
    }
  });

  it('a folder without DICOM → UnsupportedFormat; a missing path → NotFound; a sparse frame outside the matrix → CorruptFile', async () => {
    expect(await code(openSlide(write({ 'x.txt': new TextEncoder().encode('hello') })))).toBe('UnsupportedFormat');
    expect(await code(openDicomSlide(join(dir, 'no-such-folder')))).toBe('NotFound');
    const sparse = writeInstance({
      width: 16,
      height: 16,
      tile: 16,
      frames: frames(1),
      sparse: [{ col: 3, row: 0 }],
      native: true,
    });
    expect(await code(openDicomSlide(write({ 'a.dcm': sparse })))).toBe('CorruptFile');
  });

  it('truncated files: header cut → CorruptFile at open; Pixel Data cut → CorruptFile on read', async () => {
    const whole = writeInstance({
      width: 32,
      height: 16,
      tile: 16,
      frames: frames(2),
      transferSyntax: '1.2.840.10008.1.2.5',
    });
    expect(await code(openDicomSlide(write({ 'a.dcm': whole.subarray(0, 300) })))).toBe('CorruptFile');
    const native = writeInstance({ width: 32, height: 16, tile: 16, frames: frames(2), native: true });
    expect(await code(openDicomSlide(write({ 'a.dcm': native.subarray(0, native.length - 100) })))).toBe('CorruptFile');
    const enc = writeInstance({
      width: 32,
      height: 16,
      tile: 16,
      frames: frames(2),
      transferSyntax: '1.2.840.10008.1.2.5',
    });
    const slide = await openDicomSlide(write({ 'a.dcm': enc.subarray(0, enc.length - 200) }));
    try {
      await expect(slide.readTile(0, 0, 0)).rejects.toMatchObject({ code: 'CorruptFile' });
    } finally {
      await slide.close();
    }
  });

  it('garbage after the DICM magic → CorruptFile; a header longer than the first read still parses', async () => {
    const junk = new Uint8Array(4096).fill(0x41);
    junk.set(new TextEncoder().encode('DICM'), 128);
    expect(await code(openDicomSlide(write({ 'j.dcm': junk })))).toBe('CorruptFile');
    const big = writeInstance({
      width: 16,
      height: 16,
      tile: 16,
      frames: frames(1),
      native: true,
      extra: [['00282000', 'OB', new Uint8Array(700_000).fill(7)]],
    });
    expect(await code(openDicomSlide(write({ 'big.dcm': big })))).toBe('opened');
  });

  const level0 = fixture('dicom/cmu-1-small-region/level-0-frames-0-30.dcm');
  it.skipIf(!level0)(
    'the real level-0 file truncated mid Pixel Data: opens, the lost frames → CorruptFile',
    async () => {
      const bytes = readFileSync(level0 as string);
      const slide = await openSlide(write({ 'l0.dcm': bytes.subarray(0, Math.floor(bytes.length * 0.6)) }));
      try {
        await expect(slide.readRegion({ x: 2000, y: 2800, level: 0, width: 100, height: 100 })).rejects.toMatchObject({
          code: 'CorruptFile',
        });
      } finally {
        await slide.close();
      }
    },
  );
});
