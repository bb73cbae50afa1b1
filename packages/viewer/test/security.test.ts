// The server only ever serves registered slides, its own page files and overlays inside the overlays folder:
// every way of naming something else is a 4xx, and the server keeps answering afterwards.
import { copyFile, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkPath } from '../src/http.js';
import { registerSlides } from '../src/registry.js';
import { createViewerServer, type ViewerServer } from '../src/server.js';
import { makeSlideAndOverlays, rawGet } from './helpers.js';

let dir: string;
let outside: string;
let v: ViewerServer;
let id: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'wsi-viewer-sec-'));
  outside = await mkdtemp(join(tmpdir(), 'wsi-viewer-outside-'));
  const { slidesDir, outDir, svs } = await makeSlideAndOverlays(dir);
  // a slide outside the served folder, reachable only through a symlink inside it
  await copyFile(svs, join(outside, 'secret.svs'));
  await symlink(join(outside, 'secret.svs'), join(slidesDir, 'escape.svs'));
  await writeFile(join(outside, 'leak.geojson'), '{"type":"FeatureCollection","features":[]}');
  await mkdir(join(outDir, 'annotations'), { recursive: true });
  await symlink(join(outside, 'leak.geojson'), join(outDir, 'segmentation', 'escape.geojson'));
  v = await createViewerServer({ slides: [slidesDir], overlaysDir: outDir, port: 0 });
  id = (v.slides[0] as { id: string }).id;
});

afterAll(async () => {
  await v?.close();
  await rm(dir, { recursive: true, force: true });
  await rm(outside, { recursive: true, force: true });
});

describe('registration', () => {
  it('refuses a symlink that leaves the served folder', async () => {
    expect(v.slides.map((s) => s.name)).toEqual(['synth']);
    expect(v.skipped).toEqual([
      { path: expect.stringContaining('escape.svs'), reason: 'link leaves the served folder' },
    ]);
  });

  it('takes an explicitly named file even through a link, and rejects missing paths', async () => {
    const r = await registerSlides([join(dir, 'slides', 'escape.svs')]);
    expect(r.slides[0]?.name).toBe('escape'); // named as listed, opened at its real path
    expect(r.slides[0]?.path).toContain('secret.svs');
    await expect(registerSlides([join(dir, 'nope.svs')])).rejects.toMatchObject({ code: 'NotFound' });
  });
});

describe('request paths', () => {
  it('checkPath refuses traversal, encoded dots and slashes, backslashes and doubled slashes', () => {
    for (const p of [
      '/../etc/passwd',
      '/static/../package.json',
      '/static/%2e%2e/%2e%2e/package.json',
      '/static/%2E%2E%2Fpackage.json',
      '/static/..%5cpackage.json',
      '//etc/passwd',
      '/static/a%00.js',
      '/%zz',
      'etc/passwd',
      '/./index.html',
    ])
      expect(checkPath(p), p).toBe(400);
    expect(checkPath(`/${'a'.repeat(5000)}`)).toBe(414);
    expect(checkPath('/api/slides?x=../..')).toBe('/api/slides');
  });

  it.each([
    ['/../../../../etc/passwd', 400],
    ['/static/../../package.json', 400],
    ['/static/%2e%2e/%2e%2e/package.json', 400],
    [`/slides/${'0'.repeat(16)}_files/%2e%2e/%2e%2e/x.jpeg`, 400],
    ['//etc/passwd', 400],
    ['/etc/passwd', 404],
    ['/static/osd/../../../../../../etc/passwd', 400],
    ['/slides/%2Ftmp%2Fa.svs.dzi', 400],
    ['/api/slides/..%2f..%2fetc', 400],
  ])('GET %s → %i', async (path, status) => {
    const r = await rawGet(v.port, path);
    expect(r.status).toBe(status);
    expect(r.body.toString()).not.toContain('root:');
  });

  it('serves only registered ids: unknown and symlinked-out slides are 404', async () => {
    const { slideId } = await import('../src/registry.js');
    const escaped = slideId(join(outside, 'secret.svs'));
    for (const p of [
      `/slides/${escaped}.dzi`,
      `/api/slides/${escaped}`,
      `/slides/${'f'.repeat(16)}_files/0/0_0.jpeg`,
      '/slides/synth.dzi',
      `/slides/${id.toUpperCase()}.dzi`,
    ])
      expect((await rawGet(v.port, p)).status, p).toBe(404);
  });

  it('ignores an overlay file that links out of the overlays folder', async () => {
    const { findOverlays } = await import('../src/overlays.js');
    const { realpath } = await import('node:fs/promises');
    expect(await findOverlays(await realpath(join(dir, 'out')), 'escape')).toEqual({});
    expect((await rawGet(v.port, `/api/slides/${id}/overlays/nope`)).status).toBe(404);
  });
});

describe('oversized requests', () => {
  it.each([
    [`/slides/ID_files/99/0_0.jpeg`, 404],
    [`/slides/ID_files/12/99999_0.jpeg`, 404],
    [`/slides/ID_files/12/0_99999.jpeg`, 404],
    [`/slides/ID_files/1234/0_0.jpeg`, 404],
    [`/slides/ID_files/12/123456789012345678901234567890_0.jpeg`, 404],
    [`/slides/ID_files/12/-1_0.jpeg`, 404],
    [`/slides/ID_files/12/1e3_0.jpeg`, 404],
    [`/slides/ID_files/12/0_0.png`, 404],
  ])('GET %s → %i', async (path, status) => {
    expect((await rawGet(v.port, path.replace('ID', id))).status).toBe(status);
  });

  it('refuses long URLs (414), huge headers (431), other methods (405) and foreign Host headers (421)', async () => {
    expect((await rawGet(v.port, `/api/slides?${'q'.repeat(4000)}`)).status).toBe(414);
    expect((await rawGet(v.port, '/api/slides', { 'X-Big': 'b'.repeat(32 * 1024) })).status).toBe(431);
    expect((await rawGet(v.port, '/api/slides', { Host: 'evil.example:80' })).status).toBe(421);
    const res = await fetch(`${v.url}api/slides`, { method: 'POST', body: 'x' });
    expect(res.status).toBe(405);
  });

  it('answers a malformed request line with 400 and keeps serving', async () => {
    const reply = await new Promise<string>((resolve) => {
      const sock = connect(v.port, '127.0.0.1', () => sock.write('GARBAGE \x01\x02 HTTP/9\r\n\r\n'));
      let text = '';
      sock.on('data', (d) => {
        text += d.toString();
      });
      sock.on('close', () => resolve(text));
    });
    expect(reply).toMatch(/^HTTP\/1\.1 400/);
    expect((await rawGet(v.port, '/api/slides')).status).toBe(200);
  });
});
