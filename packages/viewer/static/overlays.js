// Overlay drawing on a canvas above OpenSeadragon: tissue contours, the patch grid, annotations by class and the
// score heatmap, all in level-0 pixel coordinates mapped to the screen with the viewer's current transform.

const JET = [
  [0, 0, 0, 128],
  [0.125, 0, 0, 255],
  [0.375, 0, 255, 255],
  [0.625, 255, 255, 0],
  [0.875, 255, 0, 0],
  [1, 128, 0, 0],
];

/** 256-entry RGB lookup table of the jet colour map (the same stops as @wsi/annotator's heatmaps). */
export function jetLut() {
  const lut = new Uint8Array(256 * 3);
  for (let i = 0; i < 256; i++) {
    const t = i / 255;
    let k = 0;
    while (k < JET.length - 2 && t > JET[k + 1][0]) k++;
    const a = JET[k];
    const b = JET[k + 1];
    const u = Math.min(1, Math.max(0, (t - a[0]) / (b[0] - a[0])));
    for (let c = 0; c < 3; c++) lut[3 * i + c] = Math.round(a[c + 1] + u * (b[c + 1] - a[c + 1]));
  }
  return lut;
}

const PALETTE = ['#e6194b', '#3cb44b', '#4363d8', '#f58231', '#911eb4', '#46f0f0', '#f032e6', '#bcf60c', '#008080'];

/** A class's colour: its QuPath `classification.color`, else a palette colour picked by its name. */
export function classColor(cls) {
  if (cls && Array.isArray(cls.color) && cls.color.length >= 3) return `rgb(${cls.color.slice(0, 3).join(',')})`;
  const name = cls?.name ?? '';
  let h = 0;
  for (let i = 0; i < name.length; i++) h = (h * 31 + name.charCodeAt(i)) >>> 0;
  return name ? PALETTE[h % PALETTE.length] : '#ffd400';
}

function polygons(geometry) {
  if (!geometry) return [];
  if (geometry.type === 'Polygon') return [geometry.coordinates];
  if (geometry.type === 'MultiPolygon') return geometry.coordinates;
  if (geometry.type === 'GeometryCollection') return geometry.geometries.flatMap(polygons);
  return [];
}

function tracePolygon(ctx, rings, tf) {
  for (const ring of rings) {
    ring.forEach((p, i) => {
      const x = tf.x0 + p[0] * tf.s;
      const y = tf.y0 + p[1] * tf.s;
      if (i === 0) ctx.moveTo(x, y);
      else ctx.lineTo(x, y);
    });
    ctx.closePath();
  }
}

function drawTissue(ctx, fc, tf) {
  ctx.lineWidth = 2;
  for (const f of fc.features) {
    for (const poly of polygons(f.geometry)) {
      ctx.beginPath();
      tracePolygon(ctx, poly.slice(0, 1), tf);
      ctx.strokeStyle = '#00b050';
      ctx.stroke();
      if (poly.length > 1) {
        ctx.beginPath();
        tracePolygon(ctx, poly.slice(1), tf);
        ctx.strokeStyle = '#2060ff';
        ctx.stroke();
      }
    }
  }
}

function drawAnnotations(ctx, fc, tf) {
  ctx.lineWidth = 2;
  for (const f of fc.features) {
    const color = classColor(f.properties?.classification);
    ctx.beginPath();
    for (const poly of polygons(f.geometry)) tracePolygon(ctx, poly, tf);
    ctx.fillStyle = color;
    ctx.globalAlpha = 0.25;
    ctx.fill('evenodd');
    ctx.globalAlpha = 1;
    ctx.strokeStyle = color;
    ctx.stroke();
  }
}

function visibleRects(coords, size, tf, w, h, fn) {
  const side = size * tf.s;
  for (let i = 0; i < coords.length / 2; i++) {
    const x = tf.x0 + coords[2 * i] * tf.s;
    const y = tf.y0 + coords[2 * i + 1] * tf.s;
    if (x + side < 0 || y + side < 0 || x > w || y > h) continue;
    fn(i, x, y, side);
  }
}

function drawPatches(ctx, p, tf, w, h) {
  ctx.lineWidth = 1;
  ctx.strokeStyle = 'rgba(0, 0, 0, 0.6)';
  ctx.beginPath();
  visibleRects(p.coords, p.patchSize, tf, w, h, (_i, x, y, side) => ctx.rect(x, y, side, side));
  ctx.stroke();
}

function drawHeatmap(ctx, s, tf, w, h, heat, lut) {
  const values = s.scores[heat.column] ?? [];
  const lo = s.min[heat.column] ?? 0;
  const hi = s.max[heat.column] ?? 1;
  const span = hi > lo ? hi - lo : 1;
  const size = s.patchSize ?? 256;
  ctx.globalAlpha = heat.opacity;
  visibleRects(s.coords, size, tf, w, h, (i, x, y, side) => {
    const v = values[i];
    if (v === null || v === undefined) return;
    const k = Math.max(0, Math.min(255, Math.round(((v - lo) / span) * 255)));
    ctx.fillStyle = `rgb(${lut[3 * k]},${lut[3 * k + 1]},${lut[3 * k + 2]})`;
    ctx.fillRect(x, y, Math.max(1, side), Math.max(1, side));
  });
  ctx.globalAlpha = 1;
}

/**
 * Redraws every enabled overlay. `tf` maps level-0 pixels to CSS pixels: screen = (x0 + x·s, y0 + y·s).
 */
export function drawOverlays(canvas, state, tf, lut) {
  const dpr = window.devicePixelRatio || 1;
  const w = canvas.clientWidth;
  const h = canvas.clientHeight;
  if (canvas.width !== Math.round(w * dpr) || canvas.height !== Math.round(h * dpr)) {
    canvas.width = Math.round(w * dpr);
    canvas.height = Math.round(h * dpr);
  }
  const ctx = canvas.getContext('2d');
  ctx.setTransform(1, 0, 0, 1, 0, 0);
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  if (!tf) return;
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  const { data, enabled } = state;
  if (enabled.scores && data.scores) drawHeatmap(ctx, data.scores, tf, w, h, state.heat, lut);
  if (enabled.patches && data.patches) drawPatches(ctx, data.patches, tf, w, h);
  if (enabled.tissue && data.tissue) drawTissue(ctx, data.tissue, tf);
  if (enabled.annotations && data.annotations) drawAnnotations(ctx, data.annotations, tf);
}

/** A round scale-bar length (1, 2 or 5 × 10^k) of at most `max` in the same unit. */
export function niceLength(max) {
  const p = 10 ** Math.floor(Math.log10(max));
  for (const m of [5, 2, 1]) if (m * p <= max) return m * p;
  return p;
}
