/**
 * The page's files: the viewer's own `static/` folder and OpenSeadragon's build from node_modules, loaded into
 * memory once under a fixed table of URL paths — a request can only name one of these, never a file path.
 */
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * One file the server sends as it is.
 *
 * @example
 * ```ts
 * const a: StaticAsset = { body: Buffer.from('<!doctype html>'), type: 'text/html; charset=utf-8', etag: '"…"' };
 * ```
 */
export interface StaticAsset {
  body: Buffer;
  type: string;
  etag: string;
}

const TYPES: Record<string, string> = {
  html: 'text/html; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
  png: 'image/png',
  svg: 'image/svg+xml',
};

function asset(body: Buffer, name: string): StaticAsset {
  const ext = name.slice(name.lastIndexOf('.') + 1);
  const etag = `"${createHash('sha256').update(body).digest('hex').slice(0, 20)}"`;
  return { body, type: TYPES[ext] ?? 'application/octet-stream', etag };
}

/**
 * The folder of OpenSeadragon's built files (`openseadragon.min.js`, `images/`), found with `require.resolve`.
 *
 * @example
 * ```ts
 * openSeadragonDir(); // …/node_modules/openseadragon/build/openseadragon
 * ```
 */
export function openSeadragonDir(): string {
  return dirname(createRequire(import.meta.url).resolve('openseadragon'));
}

/**
 * The viewer's own page folder (`static/` of this package).
 *
 * @example
 * ```ts
 * viewerStaticDir(); // …/packages/viewer/static
 * ```
 */
export function viewerStaticDir(): string {
  return fileURLToPath(new URL('../static/', import.meta.url));
}

/**
 * Loads the page's files into a URL path → asset table: `/`, `/static/<file>` (the viewer's page files) and
 * `/static/osd/openseadragon.min.js`, `/static/osd/images/<button>.png`.
 *
 * @example
 * ```ts
 * const assets = await loadStaticAssets();
 * assets.get('/')?.type; // 'text/html; charset=utf-8'
 * ```
 */
export async function loadStaticAssets(): Promise<Map<string, StaticAsset>> {
  const out = new Map<string, StaticAsset>();
  const own = viewerStaticDir();
  for (const name of await readdir(own)) {
    if (!/^[\w.-]+\.(html|js|css|svg|png)$/.test(name)) continue;
    out.set(`/static/${name}`, asset(await readFile(join(own, name)), name));
  }
  const index = out.get('/static/index.html');
  if (index) {
    out.set('/', index);
    out.set('/index.html', index);
  }
  const osd = openSeadragonDir();
  out.set('/static/osd/openseadragon.min.js', asset(await readFile(join(osd, 'openseadragon.min.js')), 'x.js'));
  for (const name of await readdir(join(osd, 'images')).catch(() => [] as string[])) {
    if (/^[\w-]+\.png$/.test(name))
      out.set(`/static/osd/images/${name}`, asset(await readFile(join(osd, 'images', name)), name));
  }
  return out;
}
