// Repository-level checks: every package is shaped for publishing and imports on its own.
import { execFile, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { publint } from 'publint';
import { describe, expect, it } from 'vitest';

const root = resolve(__dirname, '..');
const dirs = readdirSync(join(root, 'packages')).filter((d) => existsSync(join(root, 'packages', d, 'package.json')));
const manifests = dirs.map((d) => ({
  dir: join(root, 'packages', d),
  pkg: JSON.parse(readFileSync(join(root, 'packages', d, 'package.json'), 'utf8')),
}));

const execFileAsync = promisify(execFile);

/** The files `npm pack` would put in the tarball (a dry run: nothing is written). */
async function npmPackFiles(dir: string): Promise<string[]> {
  const { stdout } = await execFileAsync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
    cwd: dir,
    maxBuffer: 16 << 20,
  });
  const [report] = JSON.parse(stdout) as { files: { path: string }[] }[];
  return (report?.files ?? []).map((f) => f.path).sort();
}

// Every public package is packed once, three at a time, the first time one is asked for (npm's start-up dominates).
let packs: Map<string, Promise<string[]>> | undefined;
function packedFiles(dir: string): Promise<string[]> {
  if (!packs) {
    packs = new Map();
    const queue = manifests.filter((m) => m.pkg.private !== true).map((m) => m.dir);
    const started = new Map<string, (files: Promise<string[]>) => void>();
    for (const d of queue) packs.set(d, new Promise((r) => started.set(d, r)));
    const worker = async (): Promise<void> => {
      for (let d = queue.shift(); d !== undefined; d = queue.shift()) {
        const files = npmPackFiles(d);
        started.get(d)?.(files);
        await files.catch(() => {});
      }
    };
    for (let i = 0; i < 3; i++) void worker();
  }
  return packs.get(dir) ?? npmPackFiles(dir);
}

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

  it.skipIf(pkg.private === true)(
    'packs only dist, README, LICENSE, package.json and its declared assets',
    async () => {
      const files = await packedFiles(dir);
      // Folders other than dist that the package declares in `files` on purpose (the viewer's static page).
      const assets = (pkg.files as string[]).filter((f) => f !== 'dist' && !f.startsWith('!'));
      const allowed = (p: string) =>
        p === 'package.json' ||
        p === 'README.md' ||
        p === 'LICENSE' ||
        p === 'CHANGELOG.md' ||
        p.startsWith('dist/') ||
        assets.some((a) => p === a || p.startsWith(`${a}/`));
      expect(files.filter((p) => !allowed(p))).toEqual([]);
      const junk = /(^|\/)(test|tests|__tests__|fixtures?|bench)(\/|$)|\.test\.|\.map$|\.tsbuildinfo$/;
      expect(files.filter((p) => junk.test(p))).toEqual([]);
      expect(files).toContain('README.md');
      expect(files).toContain('LICENSE');
      expect(files).toContain('dist/index.js');
      expect(files).toContain('dist/index.d.ts');
    },
  );

  it.skipIf(pkg.private === true)('has a README with what it is for, how to install it and an example', () => {
    const readme = readFileSync(join(dir, 'README.md'), 'utf8');
    expect(readme.startsWith(`# ${pkg.name}`)).toBe(true);
    expect(readme).toContain(`npm install ${pkg.name}`);
    expect(readme).toMatch(/```(ts|js|sh)\n/);
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

describe('releases', () => {
  it('has a changeset naming every public package, with a valid bump', () => {
    const dir = join(root, '.changeset');
    const named = new Map<string, string>();
    for (const f of readdirSync(dir).filter((n) => n.endsWith('.md') && n !== 'README.md')) {
      const front = /^---\n([\s\S]*?)\n---/.exec(readFileSync(join(dir, f), 'utf8'))?.[1] ?? '';
      for (const m of front.matchAll(/^"?(@wsi\/[\w-]+)"?:\s*(\w+)\s*$/gm)) named.set(m[1] as string, m[2] as string);
    }
    for (const { pkg } of manifests) {
      if (pkg.private === true) continue;
      expect(['major', 'minor', 'patch'], `${pkg.name} in a changeset`).toContain(named.get(pkg.name));
    }
    const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
    expect(config.access).toBe('public');
    expect(config.changelog).toBeTruthy();
  });
});
