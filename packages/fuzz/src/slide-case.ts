/**
 * Runs one slide recipe: materialise the mutated seed (a mutating ByteSource over the seed's bytes, or a per-case
 * MIRAX folder), then open, read properties and levels, read regions at a few spots and levels, the thumbnail and
 * the associated images. Every step must return or reject with a WsiError.
 */
import { mkdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { MemorySource } from '@wsi/core';
import { type OpenedSlide, openSlide, thumbnail } from '@wsi/reader';
import { MutatedSource, mutateBytes } from './mutations.js';
import { type CaseFailure, step } from './outcome.js';
import type { SlideRecipe } from './recipe.js';
import { Rng } from './rng.js';
import { folderFiles, miraxFiles, SLIDE_TARGETS, seedPath } from './seeds.js';

const bytesCache = new Map<string, Promise<Uint8Array>>();

function seedBytes(path: string): Promise<Uint8Array> {
  let p = bytesCache.get(path);
  if (!p) {
    p = readFile(path).then((b) => new Uint8Array(b.buffer, b.byteOffset, b.byteLength));
    bytesCache.set(path, p);
  }
  return p;
}

let caseCounter = 0;

/** Writes a per-case MIRAX slide: mutated companions as files, unchanged ones as symlinks to the seed. */
async function miraxCase(seed: string, recipe: SlideRecipe, work: string): Promise<{ path: string; dir: string }> {
  const id = `c${process.pid}-${caseCounter++}`;
  const dir = join(work, id);
  const folder = join(dir, 'slide');
  await mkdir(folder, { recursive: true });
  const seedFolder = seed.slice(0, -'.mrxs'.length);
  for (const name of await miraxFiles(seed)) {
    const muts = recipe.edits[name];
    if (muts && muts.length > 0)
      await writeFile(join(folder, name), await mutateBytes(await seedBytes(join(seedFolder, name)), muts));
    else await symlink(join(seedFolder, name), join(folder, name));
  }
  const path = join(dir, 'slide.mrxs');
  const mrxsMuts = recipe.edits['.mrxs'];
  if (mrxsMuts && mrxsMuts.length > 0) await writeFile(path, await mutateBytes(await seedBytes(seed), mrxsMuts));
  else await symlink(seed, path);
  return { path, dir };
}

/** Writes a per-case DICOM series folder: mutated instances as files, the others as symlinks to the seed's. */
async function folderCase(seed: string, recipe: SlideRecipe, work: string): Promise<{ path: string; dir: string }> {
  const dir = join(work, `c${process.pid}-${caseCounter++}`);
  await mkdir(dir, { recursive: true });
  for (const name of await folderFiles(seed)) {
    const muts = recipe.edits[name];
    if (muts && muts.length > 0)
      await writeFile(join(dir, name), await mutateBytes(await seedBytes(join(seed, name)), muts));
    else await symlink(join(seed, name), join(dir, name));
  }
  return { path: dir, dir };
}

function seedKind(id: string): string | undefined {
  for (const specs of Object.values(SLIDE_TARGETS)) for (const s of specs) if (s.id === id) return s.kind;
  return undefined;
}

/**
 * Exercises an open slide: properties, levels, regions, thumbnail, associated images. Returns the failures.
 *
 * @example
 * ```ts
 * const failures = await exerciseSlide(slide, new Rng(1));
 * ```
 */
export async function exerciseSlide(
  slide: OpenedSlide,
  rng: Rng,
  outcomes?: Record<string, number>,
): Promise<CaseFailure[]> {
  const failures: CaseFailure[] = [];
  const add = (f: CaseFailure | undefined) => {
    if (f) failures.push(f);
  };
  add(
    await step(
      'info',
      () => {
        JSON.stringify({
          f: slide.format,
          p: slide.properties,
          l: slide.levels,
          m: slide.mpp,
          a: slide.associatedImages,
        });
        slide.bestLevelForDownsample(4);
      },
      outcomes,
    ),
  );
  const levels = slide.levels;
  if (levels.length === 0) return failures;
  const l0 = levels[0];
  const last = levels.length - 1;
  const spots: { x: number; y: number; level: number; width: number; height: number }[] = [
    { x: 0, y: 0, level: 0, width: 256, height: 256 },
    { x: 0, y: 0, level: last, width: 512, height: 512 },
  ];
  const lv = rng.int(levels.length);
  if (l0) {
    spots.push({
      x: rng.int(l0.width),
      y: rng.int(l0.height),
      level: lv,
      width: 1 + rng.int(300),
      height: 1 + rng.int(300),
    });
    spots.push({ x: l0.width - 100, y: l0.height - 50, level: 0, width: 200, height: 200 });
  }
  for (const r of spots) add(await step(`readRegion(${r.level})`, () => slide.readRegion(r), outcomes));
  // the thumbnail decodes a whole level: one case in three, to keep cases fast
  if (rng.chance(0.35)) add(await step('thumbnail', () => thumbnail(slide, 128), outcomes));
  if (slide.associatedImages.length > 0) {
    const name = rng.pick(slide.associatedImages);
    add(await step(`associated(${name})`, () => slide.readAssociatedImage(name), outcomes));
  }
  return failures;
}

/**
 * Replays one recipe end to end; `work` is a scratch folder (MIRAX cases), `seedDir` holds generated seeds.
 * Resolves to the failures (empty for a pass) — never rejects for what the slide does.
 *
 * @example
 * ```ts
 * const failures = await runSlideRecipe(recipe, { seedDir: '/tmp/seeds', work: '/tmp/work' });
 * ```
 */
export async function runSlideRecipe(
  recipe: SlideRecipe,
  dirs: { seedDir: string; work: string },
  outcomes?: Record<string, number>,
): Promise<CaseFailure[]> {
  const seed = await seedPath(recipe.seed, dirs.seedDir);
  if (!seed) return [];
  const rng = new Rng(recipe.caseSeed ^ 0x5bd1e995);
  let slide: OpenedSlide | undefined;
  let cleanup: string | undefined;
  const failures: CaseFailure[] = [];
  try {
    const f = await step(
      'open',
      async () => {
        const kind = seedKind(recipe.seed);
        if (kind === 'mirax' || kind === 'dicom-folder') {
          const { path, dir } = await (kind === 'mirax' ? miraxCase : folderCase)(seed, recipe, dirs.work);
          cleanup = dir;
          slide = await openSlide(path);
        } else {
          const base = new MemorySource(await seedBytes(seed), recipe.seed);
          slide = await openSlide(await MutatedSource.create(base, recipe.edits[''] ?? []));
        }
      },
      outcomes,
    );
    if (f) failures.push(f);
    if (slide) failures.push(...(await exerciseSlide(slide, rng, outcomes)));
  } finally {
    if (slide) {
      const s = slide as OpenedSlide;
      const f = await step('close', () => s.close());
      if (f) failures.push(f);
    }
    if (cleanup) await rm(cleanup, { recursive: true, force: true });
  }
  return failures;
}
