/**
 * The sub-pixel shift against the real thing: the system libcairo (what OpenSlide 3.4.1 paints with), driven through
 * ctypes from /usr/bin/python3, on random premultiplied windows and random fractions — the result must be identical.
 */

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRaster, type Raster } from '@wsi/core';
import { runPythonJson, SYSTEM_PYTHON } from '@wsi/testing';
import { describe, expect, it } from 'vitest';
import { bilinearShift, subpixel } from '../src/slide/region.js';
import { rng } from './helpers/oracle.js';

const haveCairo = spawnSync(SYSTEM_PYTHON, ['-c', 'import ctypes, numpy; ctypes.CDLL("libcairo.so.2")']).status === 0;

/** Paints the window (RGBA straight = premultiplied when alpha is 0/255) with a fractional translation, SATURATE. */
const SCRIPT = `
import ctypes, json, sys, numpy as np
c = ctypes.CDLL('libcairo.so.2')
c.cairo_image_surface_create_for_data.restype = ctypes.c_void_p
c.cairo_image_surface_create_for_data.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.c_int, ctypes.c_int, ctypes.c_int]
c.cairo_create.restype = ctypes.c_void_p; c.cairo_create.argtypes = [ctypes.c_void_p]
c.cairo_set_operator.argtypes = [ctypes.c_void_p, ctypes.c_int]
c.cairo_translate.argtypes = [ctypes.c_void_p, ctypes.c_double, ctypes.c_double]
c.cairo_set_source_surface.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_double, ctypes.c_double]
c.cairo_paint.argtypes = [ctypes.c_void_p]; c.cairo_surface_flush.argtypes = [ctypes.c_void_p]
c.cairo_destroy.argtypes = [ctypes.c_void_p]; c.cairo_surface_destroy.argtypes = [ctypes.c_void_p]
cases = json.load(open(sys.argv[1]))
data = np.fromfile(sys.argv[2], np.uint8)
out = []
o = 0
for cs in cases:
    w, h = cs['w'], cs['h']
    n = (w + 1) * (h + 1) * 4
    src = np.ascontiguousarray(data[o:o + n].reshape(h + 1, w + 1, 4)[..., [2, 1, 0, 3]]); o += n
    dst = np.zeros((h, w, 4), np.uint8)
    ss = c.cairo_image_surface_create_for_data(src.ctypes.data, 0, w + 1, h + 1, (w + 1) * 4)
    ds = c.cairo_image_surface_create_for_data(dst.ctypes.data, 0, w, h, w * 4)
    cr = c.cairo_create(ds); c.cairo_set_operator(cr, 26)
    c.cairo_translate(cr, -cs['fx'], -cs['fy']); c.cairo_set_source_surface(cr, ss, 0, 0); c.cairo_paint(cr)
    c.cairo_surface_flush(ds); c.cairo_destroy(cr); c.cairo_surface_destroy(ss); c.cairo_surface_destroy(ds)
    out.append(dst[..., [2, 1, 0, 3]])
np.concatenate([a.ravel() for a in out]).tofile(sys.argv[3])
print(json.dumps(len(out)))
`;

describe.skipIf(!haveCairo)(
  'bilinearShift vs libcairo (skipped without /usr/bin/python3 numpy or libcairo.so.2)',
  () => {
    it('is identical to cairo on random windows and fractions', () => {
      const rand = rng(7);
      const cases: { w: number; h: number; fx: number; fy: number }[] = [];
      const windows: Raster<'uint8'>[] = [];
      for (let k = 0; k < 12; k++) {
        const w = 40 + Math.floor(rand() * 40);
        const h = 30 + Math.floor(rand() * 40);
        const fx = k % 4 === 0 ? 0 : rand();
        const fy = k % 4 === 1 ? 0 : rand();
        cases.push({ w, h, fx, fy });
        const win = createRaster(w + 1, h + 1, 4) as Raster<'uint8'>;
        for (let i = 0; i < win.data.length; i += 4) {
          // opaque pixels with a transparent border column/row (as outside the level)
          const px = (i / 4) % (w + 1);
          const py = Math.floor(i / 4 / (w + 1));
          if (px >= w - 3 || py >= h - 2) continue;
          for (let ch = 0; ch < 3; ch++) win.data[i + ch] = Math.floor(rand() * 256);
          win.data[i + 3] = 255;
        }
        windows.push(win);
      }
      const dir = mkdtempSync(join(tmpdir(), 'wsi-cairo-'));
      try {
        writeFileSync(join(dir, 'cases.json'), JSON.stringify(cases));
        writeFileSync(join(dir, 'in.bin'), Buffer.concat(windows.map((w) => Buffer.from(w.data))));
        runPythonJson(SCRIPT, [join(dir, 'cases.json'), join(dir, 'in.bin'), join(dir, 'out.bin')]);
        const ref = new Uint8Array(readFileSync(join(dir, 'out.bin')));
        let o = 0;
        for (const [k, cs] of cases.entries()) {
          const out = createRaster(cs.w, cs.h, 4) as Raster<'uint8'>;
          const sx = subpixel(cs.fx);
          const sy = subpixel(cs.fy);
          bilinearShift(windows[k]!, out, 0, 0, cs.w, cs.h, sx.weight, sy.weight);
          // cairo gives premultiplied ARGB; OpenSlide's Python binding un-premultiplies: compare on opaque pixels exactly
          // and on edge pixels after the same un-premultiply
          const want = ref.subarray(o, o + cs.w * cs.h * 4);
          o += cs.w * cs.h * 4;
          let diff = 0;
          for (let i = 0; i < want.length; i += 4) {
            const a = want[i + 3]!;
            for (let ch = 0; ch < 3; ch++) {
              const v =
                a === 0
                  ? 0
                  : a === 255
                    ? want[i + ch]!
                    : Math.min(255, Math.floor((want[i + ch]! * 255 + (a >> 1)) / a));
              diff += Math.abs(v - out.data[i + ch]!);
            }
            diff += Math.abs(a - out.data[i + 3]!);
          }
          expect(diff, `case ${k} ${JSON.stringify(cs)}`).toBe(0);
        }
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  },
);
