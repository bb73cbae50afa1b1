// Every public export of every published package has TSDoc with an `@example` (the API reference is built from
// these comments by TypeDoc: `npm run docs:api`).
import { describe, expect, it } from 'vitest';
import { publicExports } from './public-exports.js';

// Known gaps, each with the reason it is not fixed yet. Remove an entry when its export gets an example.
const KNOWN_GAPS = new Map<string, string>([]);

describe('TSDoc of the public API', () => {
  const all = publicExports();

  it('finds the exports of every published package', () => {
    const pkgs = new Set(all.map((e) => e.pkg));
    for (const name of ['@wsi/core', '@wsi/reader', '@wsi/cli']) expect(pkgs).toContain(name);
    // Names the entry points export by `export *` chains and by named re-exports.
    const names = new Set(all.map((e) => `${e.pkg} ${e.name}`));
    expect(names).toContain('@wsi/core WsiError');
    expect(names).toContain('@wsi/reader openSlide');
    expect(names).toContain('@wsi/cli buildProgram');
  });

  it('gives every public export an @example', () => {
    const missing = all
      .filter((e) => !e.hasExample && !KNOWN_GAPS.has(`${e.pkg} ${e.name}`))
      .map((e) => `${e.pkg} ${e.name} (${e.where})`);
    expect(missing).toEqual([]);
  });

  it('keeps the list of known gaps current', () => {
    const stillMissing = new Set(all.filter((e) => !e.hasExample).map((e) => `${e.pkg} ${e.name}`));
    expect([...KNOWN_GAPS.keys()].filter((k) => !stillMissing.has(k))).toEqual([]);
  });
});
