import type { AnnotationCollection } from '@wsi/core';
import { WsiError } from '@wsi/core';
import type Flatbush from 'flatbush';
import { collectClasses, compileShapes, indexShapes, type Shape } from './shapes.js';

/** Edges of one shape, sorted by lowest y: `[yMin, yMax, xAtYMin, dxdy]` × n. */
type EdgeTable = Float64Array;

function buildEdges(shape: Shape): EdgeTable {
  const tmp: [number, number, number, number][] = [];
  for (const r of shape.rings) {
    const m = r.length >> 1;
    for (let i = 0; i < m; i++) {
      const j = i + 1 === m ? 0 : i + 1;
      const x0 = r[2 * i] as number,
        y0 = r[2 * i + 1] as number;
      const x1 = r[2 * j] as number,
        y1 = r[2 * j + 1] as number;
      if (y0 === y1) continue;
      const dxdy = (x1 - x0) / (y1 - y0);
      tmp.push(y0 < y1 ? [y0, y1, x0, dxdy] : [y1, y0, x1, dxdy]);
    }
  }
  tmp.sort((a, b) => a[0] - b[0]);
  const out = new Float64Array(4 * tmp.length);
  tmp.forEach((e, i) => {
    out.set(e, 4 * i);
  });
  return out;
}

/**
 * A window of the mask, in mask pixels.
 *
 * @example
 * ```ts
 * const window: MaskWindow = { x: 0, y: 256, width: 2000, height: 256 }; // one band of rows
 * ```
 */
export interface MaskWindow {
  x: number;
  y: number;
  width: number;
  height: number;
}

/**
 * Rasterises annotations by class into 8-bit masks: 0 background, class k = k. A pixel takes a class when
 * its centre lies inside the polygon (even-odd over all its rings, so holes are exact); no anti-aliasing.
 * Later features paint over earlier ones. Tiles are filled independently, so any mask size is drawn in
 * bounded memory.
 *
 * @example
 * ```ts
 * const r = new MaskRasterizer(collection, { downsample: 16 });
 * const tile = r.tile({ x: 0, y: 0, width: 512, height: 512 });
 * ```
 */
export class MaskRasterizer {
  /** Class names; value k in the mask is `classes[k - 1]`. */
  readonly classes: string[];
  readonly shapes: Shape[];
  private readonly index: Flatbush | undefined;
  private readonly edges: (EdgeTable | undefined)[];
  private readonly dsx: number;
  private readonly dsy: number;
  private xs = new Float64Array(64);
  private active = new Int32Array(64);

  constructor(
    collection: AnnotationCollection,
    options: { downsample: number | readonly [number, number]; classes?: readonly string[] },
  ) {
    const ds = options.downsample;
    const [dsx, dsy] = typeof ds === 'number' ? [ds, ds] : ds;
    if (!(dsx > 0 && dsy > 0 && Number.isFinite(dsx) && Number.isFinite(dsy))) {
      throw new WsiError('InvalidArgument', `downsample must be a positive number, got ${String(ds)}`);
    }
    this.dsx = dsx;
    this.dsy = dsy;
    this.classes = collectClasses(collection, options.classes);
    this.shapes = compileShapes(collection, this.classes);
    this.index = indexShapes(this.shapes);
    this.edges = new Array(this.shapes.length);
  }

  /**
   * Fills a window of the mask. `out` (reused when given) holds rows `stride` bytes apart (default `width`,
   * so `width × height` bytes); the whole `(height − 1) × stride + width` span is cleared first.
   *
   * @example
   * ```ts
   * const buf = new Uint8Array(256 * 256);
   * r.tile({ x: 256, y: 0, width: 256, height: 256 }, buf);
   * ```
   */
  tile(win: MaskWindow, out?: Uint8Array, stride = win.width): Uint8Array {
    const { x, y, width, height } = win;
    if (!(Number.isInteger(stride) && stride >= width)) {
      throw new WsiError('InvalidArgument', `row stride ${stride} is smaller than the window width ${width}`);
    }
    const span = height > 0 ? (height - 1) * stride + width : 0;
    const buf = out ?? new Uint8Array(span);
    if (buf.length < span) throw new WsiError('InvalidArgument', 'tile buffer is smaller than the window');
    buf.fill(0, 0, span);
    if (!this.index) return buf;
    const hits = this.index.search(x * this.dsx, y * this.dsy, (x + width) * this.dsx, (y + height) * this.dsy);
    hits.sort((a, b) => a - b);
    for (const i of hits) this.fillShape(i, win, buf, stride);
    return buf;
  }

  private fillShape(si: number, win: MaskWindow, buf: Uint8Array, stride: number): void {
    const shape = this.shapes[si] as Shape;
    let edges = this.edges[si];
    if (!edges) {
      edges = buildEdges(shape);
      this.edges[si] = edges;
    }
    const ne = edges.length >> 2;
    const { dsx, dsy } = this;
    const [bx0, by0, bx1, by1] = shape.bbox;
    const jStart = Math.max(win.y, Math.ceil(by0 / dsy - 0.5));
    const jEnd = Math.min(win.y + win.height - 1, Math.floor(by1 / dsy - 0.5));
    if (jStart > jEnd) return;
    if (Math.ceil(bx1 / dsx - 0.5) <= win.x || Math.ceil(bx0 / dsx - 0.5) >= win.x + win.width) return;
    if (this.active.length < ne) this.active = new Int32Array(ne);
    if (this.xs.length < ne) this.xs = new Float64Array(ne);
    const active = this.active;
    const xs = this.xs;
    let nActive = 0;
    let next = 0;
    const cls = shape.cls;
    const x0w = win.x;
    const x1w = win.x + win.width;
    for (let j = jStart; j <= jEnd; j++) {
      const yc = (j + 0.5) * dsy;
      while (next < ne && (edges[4 * next] as number) <= yc) active[nActive++] = next++;
      let w = 0;
      let nx = 0;
      for (let a = 0; a < nActive; a++) {
        const e = active[a] as number;
        const ymax = edges[4 * e + 1] as number;
        if (ymax <= yc) continue;
        active[w++] = e;
        xs[nx++] = (edges[4 * e + 2] as number) + (yc - (edges[4 * e] as number)) * (edges[4 * e + 3] as number);
      }
      nActive = w;
      if (nx < 2) continue;
      // insertion sort for the usual few crossings per row, typed-array sort for wiggly outlines
      if (nx > 32) xs.subarray(0, nx).sort();
      else
        for (let a = 1; a < nx; a++) {
          const v = xs[a] as number;
          let b = a - 1;
          while (b >= 0 && (xs[b] as number) > v) {
            xs[b + 1] = xs[b] as number;
            b--;
          }
          xs[b + 1] = v;
        }
      const row = (j - win.y) * stride - x0w;
      for (let a = 0; a + 1 < nx; a += 2) {
        let i0 = Math.ceil((xs[a] as number) / dsx - 0.5);
        let i1 = Math.ceil((xs[a + 1] as number) / dsx - 0.5);
        if (i0 < x0w) i0 = x0w;
        if (i1 > x1w) i1 = x1w;
        if (i1 > i0) buf.fill(cls, row + i0, row + i1);
      }
    }
  }
}
