// The wsi viewer page: slide list, slide info, OpenSeadragon on the server's DeepZoom tiles, togglable overlays and
// a scale bar in µm. No build step: a plain ES module next to OpenSeadragon's built file.
import { classColor, drawOverlays, jetLut, niceLength } from './overlays.js';

const $ = (id) => document.getElementById(id);
const KINDS = ['tissue', 'patches', 'annotations', 'scores'];
const lut = jetLut();
const state = {
  info: null,
  data: {},
  enabled: { tissue: false, patches: false, annotations: false, scores: false },
  heat: { column: 0, opacity: 0.5 },
  tf: null,
};

const viewer = OpenSeadragon({
  element: $('viewer'),
  prefixUrl: 'static/osd/images/',
  drawer: 'canvas',
  showNavigator: true,
  navigatorPosition: 'TOP_RIGHT',
  crossOriginPolicy: false,
  timeout: 60000,
  imageLoaderLimit: 8,
});

async function api(path) {
  const r = await fetch(path);
  if (!r.ok) throw new Error(`${path}: HTTP ${r.status}`);
  return r.json();
}

function status(msg) {
  $('status').textContent = msg ?? '';
}

/** Level-0 pixel → CSS pixel transform of the current view (no rotation). */
function transform() {
  const item = viewer.world.getItemAt(0);
  if (!item) return null;
  const a = item.imageToViewerElementCoordinates(new OpenSeadragon.Point(0, 0));
  const b = item.imageToViewerElementCoordinates(new OpenSeadragon.Point(1024, 0));
  return { x0: a.x, y0: a.y, s: (b.x - a.x) / 1024 };
}

function redraw() {
  state.tf = transform();
  drawOverlays($('overlay'), state, state.tf, lut);
  updateScaleBar();
}

function updateScaleBar() {
  const bar = $('scalebar');
  const tf = state.tf;
  if (!tf || !state.info) {
    bar.hidden = true;
    return;
  }
  bar.hidden = false;
  const mpp = state.info.mpp ? (state.info.mpp.x + state.info.mpp.y) / 2 : null;
  const perPx = (mpp ?? 1) / tf.s; // µm (or level-0 px) per CSS pixel
  const len = niceLength(150 * perPx);
  $('scalebar-bar').style.width = `${Math.round(len / perPx)}px`;
  const unit = mpp === null ? `${len} px` : len >= 1000 ? `${len / 1000} mm` : `${len} µm`;
  $('scalebar-label').textContent = unit;
}

function renderInfo(info) {
  const rows = [
    ['name', info.name],
    ['format', info.format],
    ['size', `${info.width} × ${info.height}`],
    ['mpp', info.mpp ? `${info.mpp.x.toFixed(4)} × ${info.mpp.y.toFixed(4)} µm` : 'unknown'],
    ['objective', info.objectivePower ? `${info.objectivePower}×` : 'unknown'],
    ['levels', String(info.levels.length)],
  ];
  $('info').replaceChildren(
    ...rows.flatMap(([k, v]) => {
      const dt = document.createElement('dt');
      dt.textContent = k;
      const dd = document.createElement('dd');
      dd.textContent = v;
      dd.dataset.key = k;
      return [dt, dd];
    }),
  );
  $('levels')
    .querySelector('tbody')
    .replaceChildren(
      ...info.levels.map((l, i) => {
        const tr = document.createElement('tr');
        for (const v of [i, `${l.width}×${l.height}`, l.downsample.toFixed(3)]) {
          const td = document.createElement('td');
          td.textContent = String(v);
          tr.append(td);
        }
        return tr;
      }),
    );
}

function renderLegend() {
  const fc = state.data.annotations;
  const classes = new Map();
  for (const f of fc?.features ?? []) {
    const c = f.properties?.classification;
    const name = c?.name ?? 'unclassified';
    if (!classes.has(name)) classes.set(name, classColor(c));
  }
  $('legend').replaceChildren(
    ...[...classes].map(([name, color]) => {
      const li = document.createElement('li');
      const sw = document.createElement('span');
      sw.style.background = color;
      li.append(sw, name);
      return li;
    }),
  );
}

function renderColorbar() {
  const s = state.data.scores;
  const ctl = $('heat-controls');
  ctl.hidden = !(s && state.enabled.scores);
  if (!s) return;
  const ctx = $('colorbar').getContext('2d');
  for (let i = 0; i < 256; i++) {
    ctx.fillStyle = `rgb(${lut[3 * i]},${lut[3 * i + 1]},${lut[3 * i + 2]})`;
    ctx.fillRect(i, 0, 1, 12);
  }
  const fmt = (v) => (v === null || v === undefined ? '–' : Number(v).toPrecision(3));
  $('heat-min').textContent = fmt(s.min[state.heat.column]);
  $('heat-max').textContent = fmt(s.max[state.heat.column]);
}

async function toggle(kind, on) {
  state.enabled[kind] = on;
  if (on && !state.data[kind]) {
    const id = state.info.id;
    try {
      const data = await api(`api/slides/${id}/overlays/${kind}`);
      if (state.info?.id !== id) return;
      state.data[kind] = data;
    } catch (err) {
      status(String(err.message ?? err));
      state.enabled[kind] = false;
      $(`ov-${kind}`).checked = false;
    }
    if (kind === 'annotations') renderLegend();
    if (kind === 'scores' && state.data.scores) {
      $('heat-column').replaceChildren(
        ...state.data.scores.columns.map((c, i) => {
          const o = document.createElement('option');
          o.value = String(i);
          o.textContent = c;
          return o;
        }),
      );
    }
  }
  renderColorbar();
  redraw();
  document.body.dataset[`overlay${kind[0].toUpperCase()}${kind.slice(1)}`] = state.enabled[kind] ? 'on' : 'off';
}

async function selectSlide(id) {
  status('');
  const info = await api(`api/slides/${id}`);
  state.info = info;
  state.data = {};
  for (const b of $('slides').querySelectorAll('button')) b.classList.toggle('active', b.dataset.id === id);
  renderInfo(info);
  renderLegend();
  for (const k of KINDS) {
    const box = $(`ov-${k}`);
    box.disabled = !info.overlays[k];
    box.checked = false;
    state.enabled[k] = false;
  }
  renderColorbar();
  history.replaceState(null, '', `#${id}`);
  viewer.open(
    new OpenSeadragon.DziTileSource({
      width: info.width,
      height: info.height,
      tileSize: info.tileSize,
      tileOverlap: info.overlap,
      tilesUrl: `slides/${id}_files/`,
      fileFormat: info.tileFormat,
      minLevel: info.minLevel,
    }),
  );
}

async function main() {
  const { slides } = await api('api/slides');
  $('slides').replaceChildren(
    ...slides.map((s) => {
      const li = document.createElement('li');
      const b = document.createElement('button');
      b.textContent = s.name;
      b.title = s.name;
      b.dataset.id = s.id;
      b.addEventListener('click', () => selectSlide(s.id).catch((e) => status(e.message)));
      li.append(b);
      return li;
    }),
  );
  for (const k of KINDS) $(`ov-${k}`).addEventListener('change', (e) => toggle(k, e.target.checked));
  $('heat-opacity').addEventListener('input', (e) => {
    state.heat.opacity = Number(e.target.value);
    redraw();
  });
  $('heat-column').addEventListener('change', (e) => {
    state.heat.column = Number(e.target.value);
    renderColorbar();
    redraw();
  });
  for (const ev of ['update-viewport', 'open', 'resize']) viewer.addHandler(ev, redraw);
  const wanted = location.hash.slice(1);
  const first = slides.find((s) => s.id === wanted) ?? slides[0];
  if (first) await selectSlide(first.id);
}

// for people debugging in the console, and for the end-to-end test
window.wsiViewer = { viewer, state, selectSlide, toggle };
main().catch((e) => status(e.message));
