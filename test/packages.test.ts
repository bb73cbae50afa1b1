// Repository-level checks: every package is shaped for publishing and imports on its own.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { publint } from 'publint';
import { describe, expect, it } from 'vitest';

const root = resolve(__dirname, '..');
const dirs = readdirSync(join(root, 'packages')).filter((d) => existsSync(join(root, 'packages', d, 'package.json')));
const manifests = dirs.map((d) => ({
  dir: join(root, 'packages', d),
  pkg: JSON.parse(readFileSync(join(root, 'packages', d, 'package.json'), 'utf8')),
}));

describe.each(manifests)('$pkg.name', ({ dir, pkg }) => {
  it('is an ESM package with a types-first exports map', () => {
    expect(pkg.type).toBe('module');
    expect(pkg.sideEffects).toBe(false);
    const dot = pkg.exports['.'];
    expect(Object.keys(dot)[0]).toBe('types');
    expect(pkg.engines.node).toBe('>=20.19');
    expect(pkg.license).toBe('Apache-2.0');
    expect(pkg.files).toContain('dist');
  });

  it('imports alone in a fresh Node process', () => {
    const r = spawnSync(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `const m = await import('${pkg.name}'); if (Object.keys(m).length === 0) process.exit(3);`,
      ],
      {
        cwd: dir,
        encoding: 'utf8',
      },
    );
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it('passes publint', async () => {
    const { messages } = await publint({ pkgDir: dir, strict: true, level: 'warning' });
    expect(messages.map((m) => `${m.code} ${JSON.stringify(m.path)}`)).toEqual([]);
  });

  it('keeps @wsi dependencies on the workspace version', () => {
    for (const [name, range] of Object.entries({ ...pkg.dependencies, ...pkg.devDependencies })) {
      if (!name.startsWith('@wsi/')) continue;
      const target = manifests.find((m) => m.pkg.name === name);
      expect(target, `${name} is a workspace package`).toBeDefined();
      expect(range).toBe(target?.pkg.version);
    }
  });
});

describe('README', () => {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  it('shows the two set-up commands', () => {
    expect(readme).toContain('npm ci && npm run demo');
    expect(readme).toContain('npm ci && npm test');
  });
  it('lists every public package', () => {
    for (const { pkg } of manifests) expect(readme).toContain(pkg.name);
  });
});
