import { cpSync, mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isWsiError } from '@wsi/core';
import { syntheticTissue, writeMirax } from '@wsi/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSlide } from '../src/open.js';

const SLIDE_ID = 'errors-slide-0001';
let root = '';
let base = '';
let n = 0;

/** A fresh copy of the base slide; `edit` gets its folder. */
function variant(edit: (folder: string) => void): string {
  const name = `v${n++}`;
  cpSync(`${base}.mrxs`, join(root, `${name}.mrxs`));
  cpSync(base, join(root, name), { recursive: true });
  edit(join(root, name));
  return join(root, `${name}.mrxs`);
}

/** Opens and reads every level's first region; resolves to the error thrown. */
async function failure(path: string): Promise<unknown> {
  try {
    const slide = await openSlide(path);
    try {
      for (let l = 0; l < slide.levels.length; l++)
        await slide.readRegion({ x: 0, y: 0, level: l, width: 400, height: 300 });
      for (const a of slide.associatedImages) await slide.readAssociatedImage(a);
    } finally {
      await slide.close();
    }
  } catch (err) {
    return err;
  }
  return undefined;
}

function expectWsi(err: unknown, code: string, mentions: string): void {
  expect(isWsiError(err), String(err)).toBe(true);
  expect((err as { code: string }).code).toBe(code);
  expect((err as Error).message).toContain(mentions);
}

const edit = (folder: string, file: string, f: (b: Buffer) => void) => {
  const p = join(folder, file);
  const b = readFileSync(p);
  f(b);
  writeFileSync(p, b);
};
const editIni = (folder: string, f: (s: string) => string) =>
  writeFileSync(join(folder, 'Slidedat.ini'), f(readFileSync(join(folder, 'Slidedat.ini'), 'utf8')));

describe('MIRAX bad input → typed WsiError naming the file, no hang', () => {
  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'wsi-mirax-bad-'));
    base = join(root, 'base');
    await writeMirax({
      path: `${base}.mrxs`,
      source: syntheticTissue({ width: 520, height: 400, seed: 2 }),
      geometry: {
        imagesX: 4,
        imagesY: 4,
        divisions: 2,
        imageWidth: 128,
        imageHeight: 96,
        overlapX: 8,
        overlapY: 8,
        levels: 3,
        positions: 'compressed',
        jitter: 3,
      },
      slideId: SLIDE_ID,
      dataFiles: 2,
      pageSize: 3,
    });
  }, 60_000);
  afterAll(() => {
    if (root) rmSync(root, { recursive: true, force: true });
  });

  it('opens the untouched slide', async () => {
    expect(await failure(`${base}.mrxs`)).toBeUndefined();
  });

  it('truncated Data file → CorruptFile naming it', async () => {
    const p = variant((f) => truncateSync(join(f, 'Data0000.dat'), 3000));
    expectWsi(await failure(p), 'CorruptFile', 'Data0000.dat');
  });

  it('garbage in place of a camera image → CorruptFile naming its Data file', async () => {
    const p = variant((f) => edit(f, 'Data0001.dat', (b) => b.fill(0x41, 40, 400)));
    expectWsi(await failure(p), 'CorruptFile', 'Data0001.dat');
  });

  it('missing Data file / Index.dat → NotFound naming it', async () => {
    expectWsi(await failure(variant((f) => rmSync(join(f, 'Data0001.dat')))), 'NotFound', 'Data0001.dat');
    expectWsi(await failure(variant((f) => rmSync(join(f, 'Index.dat')))), 'NotFound', 'Index.dat');
  });

  it('corrupt Index.dat (version, slide id, truncation, pointer out of range, page loop) → CorruptFile naming it', async () => {
    const cases: ((b: Buffer) => void)[] = [
      (b) => b.write('09.99', 0),
      (b) => b.write('X', 6),
      (b) => b.writeInt32LE(1 << 30, 5 + SLIDE_ID.length),
      (b) => {
        // make level 0's first page point at itself
        const root = b.readInt32LE(5 + SLIDE_ID.length);
        const list = b.readInt32LE(root);
        const page = b.readInt32LE(list + 4);
        b.writeInt32LE(page, page + 4);
      },
      (b) => {
        const root = b.readInt32LE(5 + SLIDE_ID.length);
        const list = b.readInt32LE(root);
        const page = b.readInt32LE(list + 4);
        b.writeInt32LE(0x7fffffff, page); // record count past the end
      },
      (b) => {
        const root = b.readInt32LE(5 + SLIDE_ID.length);
        const list = b.readInt32LE(root);
        const page = b.readInt32LE(list + 4);
        b.writeInt32LE(7, page + 8 + 12); // file number 7 of 2
      },
    ];
    for (const c of cases)
      expectWsi(await failure(variant((f) => edit(f, 'Index.dat', c))), 'CorruptFile', 'Index.dat');
    expectWsi(await failure(variant((f) => truncateSync(join(f, 'Index.dat'), 40))), 'CorruptFile', 'Index.dat');
  });

  it('missing Slidedat.ini keys → CorruptFile naming Slidedat.ini and the key', async () => {
    for (const key of ['IMAGENUMBER_X', 'SLIDE_VERSION', 'HIER_0_COUNT', 'DIGITIZER_WIDTH', 'FILE_1', 'INDEXFILE']) {
      const p = variant((f) => editIni(f, (s) => s.replace(new RegExp(`^${key} = .*$`, 'm'), '')));
      expectWsi(await failure(p), 'CorruptFile', 'Slidedat.ini');
      expect(String(await failure(p))).toContain(key);
    }
    const bad = variant((f) => editIni(f, (s) => s.replace(/^IMAGENUMBER_Y = .*$/m, 'IMAGENUMBER_Y = lots')));
    expectWsi(await failure(bad), 'CorruptFile', 'IMAGENUMBER_Y');
  });

  it('inconsistent position buffer → CorruptFile naming its Data file', async () => {
    const p = variant((f) => editIni(f, (s) => s.replace(/^IMAGENUMBER_X = 4$/m, 'IMAGENUMBER_X = 6')));
    const err = await failure(p);
    expect(isWsiError(err, 'CorruptFile')).toBe(true);
  });

  it('no [GENERAL] SLIDE_ID or no .mrxs extension → not detected as MIRAX', async () => {
    const p = variant((f) => editIni(f, (s) => s.replace(/^SLIDE_ID = .*$/m, '')));
    expectWsi(await failure(p), 'UnsupportedFormat', '');
    const q = variant(() => {});
    cpSync(q, q.replace(/\.mrxs$/, '.txt'));
    expectWsi(await failure(q.replace(/\.mrxs$/, '.txt')), 'UnsupportedFormat', '');
  });
});
