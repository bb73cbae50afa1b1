/**
 * The slides a viewer serves: registered once at start from paths and folders, each under an opaque id. Folder
 * entries whose real path leaves the folder (symlinks pointing out) are refused, so a request can only ever reach
 * a file the operator listed.
 */
import { createHash } from 'node:crypto';
import { lstat, readdir, realpath, stat } from 'node:fs/promises';
import { extname, join, resolve, sep } from 'node:path';
import { slideName, WsiError } from '@wsi/core';

/**
 * One served slide.
 *
 * @example
 * ```ts
 * const s: RegisteredSlide = { id: '3f2a…', name: 'CMU-1', path: '/data/CMU-1.svs' };
 * ```
 */
export interface RegisteredSlide {
  /** Opaque id used in URLs: 16 hex digits of SHA-256 of the real path. */
  id: string;
  /** The slide's `<name>` (docs/formats.md) from its path as listed (not the link target): finds its overlays. */
  name: string;
  /** Real (symlink-resolved) absolute path. Never sent to clients. */
  path: string;
}

/**
 * What {@link registerSlides} found.
 *
 * @example
 * ```ts
 * const { slides, skipped } = await registerSlides(['slides/']);
 * ```
 */
export interface Registration {
  slides: RegisteredSlide[];
  /** Entries left out, with why (outside the folder, not a slide). */
  skipped: { path: string; reason: string }[];
}

/**
 * File extensions taken as slides when a folder is listed.
 *
 * @example
 * ```ts
 * SLIDE_EXTENSIONS.includes(extname('a.ndpi')); // true: listed when a folder is served
 * ```
 */
export const SLIDE_EXTENSIONS: readonly string[] = [
  '.svs',
  '.tif',
  '.tiff',
  '.ndpi',
  '.mrxs',
  '.scn',
  '.bif',
  '.qptiff',
  '.btf',
  '.svslide',
];

/**
 * Whether `child` is `root` or inside it (both real, absolute paths).
 *
 * @example
 * ```ts
 * isInside('/data', '/data/a.svs'); // true
 * isInside('/data', '/etc/passwd'); // false
 * ```
 */
export function isInside(root: string, child: string): boolean {
  return child === root || child.startsWith(root.endsWith(sep) ? root : root + sep);
}

/**
 * The opaque id of a slide path.
 *
 * @example
 * ```ts
 * slideId('/data/CMU-1.svs'); // 16 hex digits
 * ```
 */
export function slideId(realPath: string): string {
  return createHash('sha256').update(realPath).digest('hex').slice(0, 16);
}

async function hasDicom(dir: string): Promise<boolean> {
  const entries = await readdir(dir).catch(() => [] as string[]);
  return entries.some((e) => e.toLowerCase().endsWith('.dcm'));
}

/** Slide entries of a folder: the path as listed (names the slide) and its real path (what is opened). */
async function listFolder(dir: string, out: Registration): Promise<{ given: string; real: string }[]> {
  const root = await realpath(dir);
  const found: { given: string; real: string }[] = [];
  const entries = (await readdir(root, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name));
  for (const e of entries) {
    const p = join(root, e.name);
    const real = await realpath(p).catch(() => undefined);
    if (real === undefined) {
      out.skipped.push({ path: p, reason: 'dangling link' });
      continue;
    }
    const isSlideFile = SLIDE_EXTENSIONS.includes(extname(e.name).toLowerCase());
    const st = await stat(real);
    const isSeries = st.isDirectory() && (await hasDicom(real));
    if (!isSlideFile && !isSeries) continue;
    if (!isInside(root, real)) {
      out.skipped.push({ path: p, reason: 'link leaves the served folder' });
      continue;
    }
    if (isSlideFile && !st.isFile()) continue;
    found.push({ given: join(dir, e.name), real });
  }
  if (found.length === 0 && (await hasDicom(root))) found.push({ given: dir, real: root });
  return found;
}

/**
 * Registers slides from files and folders (a folder lists its slide files and DICOM series sub-folders, one level
 * deep; a folder holding `.dcm` files and nothing else is one DICOM series). A missing path → `NotFound`.
 *
 * @example
 * ```ts
 * const { slides } = await registerSlides(['a.svs', '/data/cohort']);
 * console.log(slides.map((s) => `${s.id} ${s.name}`));
 * ```
 */
export async function registerSlides(inputs: readonly string[]): Promise<Registration> {
  const out: Registration = { slides: [], skipped: [] };
  const seen = new Set<string>();
  for (const input of inputs) {
    const abs = resolve(input);
    const st = await lstat(abs).catch(() => undefined);
    if (!st) throw new WsiError('NotFound', `no such slide or folder: ${input}`);
    const real = await realpath(abs);
    const paths = (await stat(real)).isDirectory() ? await listFolder(abs, out) : [{ given: abs, real }];
    for (const { given, real: p } of paths) {
      if (seen.has(p)) continue;
      seen.add(p);
      out.slides.push({ id: slideId(p), name: slideName(given), path: p });
    }
  }
  return out;
}
