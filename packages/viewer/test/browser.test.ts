// End to end in a real browser (Debian's chromium driven by playwright-core): the page loads and lists the slides,
// the tiles OpenSeadragon draws for the visible area arrive with @wsi/reader's pixels, overlays toggle on and off,
// and a screenshot is kept in test-artifacts/ (git-ignored).
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSlide, read } from '@wsi/reader';
import { fixture, syntheticTissue, writeSvs } from '@wsi/testing';
import { type Browser, chromium, type Page } from 'playwright-core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deepZoomGeometry, tileRect } from '../src/deepzoom.js';
import { createViewerServer, type ViewerServer } from '../src/server.js';
import { makeSlideAndOverlays } from './helpers.js';

const CHROMIUM = '/usr/bin/chromium';

// The parts of OpenSeadragon and the page that the test touches (the page exposes them as window.wsiViewer).
interface OsdItem {
  getTilesToDraw(): { tile: { getUrl?: () => string; url?: string } }[];
  getFullyLoaded(): boolean;
}
interface OsdViewport {
  zoomTo(zoom: number, point?: unknown, immediately?: boolean): void;
  panTo(point: unknown, immediately?: boolean): void;
  imageToViewportZoom(zoom: number): number;
  imageToViewportCoordinates(x: number, y: number): unknown;
  goHome(immediately?: boolean): void;
}
type PageWindow = {
  wsiViewer: { viewer: { world: { getItemAt(i: number): OsdItem | undefined }; viewport: OsdViewport } };
};
const ARTIFACTS = join(__dirname, '..', 'test-artifacts');
const TILE_RE = /_files\/(\d+)\/(\d+)_(\d+)\.png$/;

let dir: string;
let svs: string;
let v: ViewerServer;
let browser: Browser;
let page: Page;
const served = new Map<string, { status: number; body: Buffer }>();
const problems: string[] = [];

/** The tiles OpenSeadragon drew in the last frame, as URLs. */
async function drawnTiles(p: Page): Promise<string[]> {
  return p.evaluate(() => {
    const item = (window as unknown as PageWindow).wsiViewer.viewer.world.getItemAt(0) as OsdItem;
    return item.getTilesToDraw().map((i) => (i.tile.getUrl ? i.tile.getUrl() : (i.tile.url ?? '')));
  });
}

async function waitLoaded(p: Page): Promise<void> {
  await p.waitForFunction(
    () => (window as unknown as PageWindow).wsiViewer?.viewer.world.getItemAt(0)?.getFullyLoaded() === true,
    null,
    {
      timeout: 30_000,
    },
  );
}

/** Non-transparent pixels of the overlay canvas. */
async function overlayPixels(p: Page): Promise<number> {
  return p.evaluate(() => {
    const c = document.getElementById('overlay') as HTMLCanvasElement;
    const d = (c.getContext('2d') as CanvasRenderingContext2D).getImageData(0, 0, c.width, c.height).data;
    let n = 0;
    for (let i = 3; i < d.length; i += 4) if ((d[i] as number) > 0) n++;
    return n;
  });
}

/** Checks a served tile against the same region read through @wsi/reader (PNG tiles: exact). */
async function checkTile(url: string): Promise<void> {
  const m = TILE_RE.exec(url);
  const got = served.get(new URL(url, v.url).href);
  expect(m, url).toBeTruthy();
  expect(got?.status, url).toBe(200);
  const [level, col, row] = (m as RegExpExecArray).slice(1).map(Number) as [number, number, number];
  const slide = await openSlide(svs);
  try {
    const l0 = slide.levels[0] as { width: number; height: number };
    const t = tileRect(deepZoomGeometry(l0.width, l0.height), level, col, row);
    if (!t) throw new Error(`no tile ${url}`);
    const want = await read(slide, {
      x: t.x * t.downsample,
      y: t.y * t.downsample,
      width: t.width,
      height: t.height,
      downsample: t.downsample,
      background: '#ffffff',
    });
    const { data, info } = await sharp(got?.body).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
    expect([info.width, info.height]).toEqual([t.width, t.height]);
    let diff = 0;
    for (let i = 0; i < data.length; i++) if (i % 4 !== 3) diff += Math.abs((data[i] as number) - want.data[i]!);
    expect(diff, url).toBe(0);
  } finally {
    await slide.close();
  }
}

const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) console.warn(`viewer browser test skipped: ${CHROMIUM} is absent (apt-get install chromium)`);

describe.skipIf(!hasChromium)('viewer page in Chromium (skipped when /usr/bin/chromium is absent)', () => {
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'wsi-viewer-e2e-'));
    const made = await makeSlideAndOverlays(dir);
    svs = made.svs;
    // a second slide without mpp, to switch to
    await writeSvs(join(made.slidesDir, 'zeta.svs'), {
      source: syntheticTissue({ width: 900, height: 700, seed: 8 }),
      levels: [1],
      mpp: null,
    });
    const cmu = fixture('aperio/CMU-1-Small-Region.svs');
    v = await createViewerServer({
      slides: [made.slidesDir, ...(cmu ? [cmu] : [])],
      overlaysDir: made.outDir,
      port: 0,
      format: 'png',
    });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-background-networking', '--disable-dev-shm-usage'],
    });
    page = await browser.newPage({ viewport: { width: 1100, height: 700 } });
    page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(`console: ${m.text()}`);
    });
    page.on('response', async (r) => {
      if (TILE_RE.test(r.url()))
        served.set(r.url(), { status: r.status(), body: await r.body().catch(() => Buffer.alloc(0)) });
    });
  });

  afterAll(async () => {
    await browser?.close();
    await v?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('loads the page with the slide list, slide info and a scale bar', async () => {
    await page.goto(v.url);
    await waitLoaded(page);
    const names = await page.locator('#slides button').allTextContents();
    expect(names).toEqual(v.slides.map((s) => s.name));
    expect(await page.locator('#info dd[data-key=format]').textContent()).toBe('aperio');
    expect(await page.locator('#info dd[data-key=mpp]').textContent()).toContain('0.4990');
    expect(await page.locator('#levels tbody tr').count()).toBe(2);
    expect(await page.locator('#scalebar-label').textContent()).toMatch(/^\d+ (µm|mm)$/);
  });

  it('draws the visible area from tiles with the pixels @wsi/reader reads', async () => {
    const home = await drawnTiles(page);
    expect(home.length).toBeGreaterThan(0);
    for (const url of home.slice(0, 4)) await checkTile(url);
    // zoom to full resolution on a corner of the slide: the drawn tiles are those of the top level
    await page.evaluate(() => {
      const { viewer } = (window as unknown as PageWindow).wsiViewer;
      const vp = viewer.viewport;
      vp.zoomTo(vp.imageToViewportZoom(2), undefined, true);
      vp.panTo(vp.imageToViewportCoordinates(900, 700), true);
    });
    // wait for a frame drawn only from the top level (the loaded flag alone may still be the previous view's)
    await page.waitForFunction(
      () => {
        const item = (window as unknown as PageWindow).wsiViewer.viewer.world.getItemAt(0) as OsdItem;
        const urls = item.getTilesToDraw().map((i) => (i.tile.getUrl ? i.tile.getUrl() : (i.tile.url ?? '')));
        return item.getFullyLoaded() && urls.length > 0 && urls.every((u: string) => u.includes('_files/12/'));
      },
      null,
      { timeout: 30_000 },
    );
    const full = await drawnTiles(page);
    const levels = new Set(full.map((u) => Number(TILE_RE.exec(u)?.[1])));
    expect([...levels]).toContain(12);
    for (const url of full.filter((u) => TILE_RE.exec(u)?.[1] === '12').slice(0, 4)) await checkTile(url);
    expect(problems).toEqual([]);
  });

  it('toggles every overlay on and off', async () => {
    await page.evaluate(() => (window as unknown as PageWindow).wsiViewer.viewer.viewport.goHome(true));
    await waitLoaded(page);
    expect(await overlayPixels(page)).toBe(0);
    for (const kind of ['tissue', 'patches', 'annotations', 'scores']) {
      const key = `overlay${kind[0]?.toUpperCase()}${kind.slice(1)}`;
      await page.locator(`#ov-${kind}`).check();
      await page.waitForFunction((k) => document.body.dataset[k] === 'on', key);
      expect(await overlayPixels(page), kind).toBeGreaterThan(1000);
      await page.locator(`#ov-${kind}`).uncheck();
      await page.waitForFunction((k) => document.body.dataset[k] === 'off', key);
      expect(await overlayPixels(page), kind).toBe(0);
    }
    expect(await page.locator('#legend li').allTextContents()).toEqual(['Tumor', 'Stroma']);
  });

  it('switches slides from the list', async () => {
    await page.locator('#slides button', { hasText: 'zeta' }).click();
    await page.waitForFunction(() => document.querySelector('#info dd[data-key=name]')?.textContent === 'zeta');
    await waitLoaded(page);
    expect(await page.locator('#info dd[data-key=mpp]').textContent()).toBe('unknown');
    expect(await page.locator('#scalebar-label').textContent()).toMatch(/^\d+ px$/);
    expect(await page.locator('#ov-tissue').isDisabled()).toBe(true);
    expect(await page.locator('#slides button.active').textContent()).toBe('zeta');
    await page.locator('#slides button', { hasText: 'synth' }).click();
    await page.waitForFunction(() => document.querySelector('#info dd[data-key=name]')?.textContent === 'synth');
    await waitLoaded(page);
    expect(await page.locator('#ov-tissue').isDisabled()).toBe(false);
  });

  it('shows the heatmap with its colour bar and opacity slider, and keeps a screenshot', async () => {
    await page.locator('#ov-scores').check();
    await page.waitForFunction(() => document.body.dataset.overlayScores === 'on');
    expect(await page.locator('#heat-controls').isVisible()).toBe(true);
    expect(await page.locator('#heat-min').textContent()).toBe('0.00');
    const alphaAt = () =>
      page.evaluate(() => {
        const c = document.getElementById('overlay') as HTMLCanvasElement;
        const d = (c.getContext('2d') as CanvasRenderingContext2D).getImageData(0, 0, c.width, c.height).data;
        let max = 0;
        for (let i = 3; i < d.length; i += 4) max = Math.max(max, d[i] as number);
        return max;
      });
    await page.locator('#heat-opacity').fill('0.2');
    const faint = await alphaAt();
    await page.locator('#heat-opacity').fill('0.9');
    expect(await alphaAt()).toBeGreaterThan(faint);
    for (const kind of ['tissue', 'annotations']) await page.locator(`#ov-${kind}`).check();
    await page.waitForFunction(() => document.body.dataset.overlayAnnotations === 'on');
    await page.locator('#heat-opacity').fill('0.45');
    await mkdir(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, 'viewer.png') });
    expect(existsSync(join(ARTIFACTS, 'viewer.png'))).toBe(true);
    expect(problems).toEqual([]);
  });
});
