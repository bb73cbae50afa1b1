import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (the folder holding `packages/`), found from this file's location. */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

/**
 * Where the shared, read-only test material lives: `$WSI_SHARED`, else `../shared` beside the repository.
 *
 * @example
 * ```ts
 * const svs = join(sharedDir(), 'fixtures/aperio/CMU-1-Small-Region.svs');
 * ```
 */
export function sharedDir(): string {
  return process.env.WSI_SHARED ? resolve(process.env.WSI_SHARED) : resolve(REPO_ROOT, '../shared');
}

/**
 * Absolute path of a fixture under `shared/fixtures`, or undefined when it is absent (users' machines).
 *
 * @example
 * ```ts
 * const p = fixture('aperio/CMU-1-Small-Region.svs');
 * describe.skipIf(!p)('CMU-1', () => { … });
 * ```
 */
export function fixture(relative: string): string | undefined {
  const p = resolve(sharedDir(), 'fixtures', relative);
  return existsSync(p) ? p : undefined;
}

/** The Debian interpreter that has python3-openslide, h5py, tifffile… (the pyenv `python3` on PATH does not). */
export const SYSTEM_PYTHON = '/usr/bin/python3';

const moduleCache = new Map<string, boolean>();

/**
 * True when `/usr/bin/python3` can import every named module; used to skip oracle tests with a clear message.
 *
 * @example
 * ```ts
 * const oracle = hasPythonModules(['openslide', 'numpy']);
 * describe.skipIf(!oracle)('against OpenSlide', () => { … });
 * ```
 */
export function hasPythonModules(modules: readonly string[]): boolean {
  const key = modules.join(',');
  let ok = moduleCache.get(key);
  if (ok === undefined) {
    const r = existsSync(SYSTEM_PYTHON)
      ? spawnSync(SYSTEM_PYTHON, ['-c', modules.map((m) => `import ${m}`).join('; ')], { stdio: 'ignore' })
      : { status: 1 };
    ok = r.status === 0;
    moduleCache.set(key, ok);
    if (!ok) console.warn(`[@wsi/testing] skipping: ${SYSTEM_PYTHON} cannot import ${key}`);
  }
  return ok;
}

let vipsCli: boolean | undefined;

/**
 * True when the libvips CLI (`vips`, Debian's libvips-tools) runs — the NDPI writer and some fixtures need it; used
 * to skip those tests with a clear message.
 *
 * @example
 * ```ts
 * describe.skipIf(!hasVipsCli())('writeNdpi files', () => { … });
 * ```
 */
export function hasVipsCli(): boolean {
  if (vipsCli === undefined) {
    vipsCli = spawnSync('vips', ['--version'], { stdio: 'ignore' }).status === 0;
    if (!vipsCli) console.warn('[@wsi/testing] skipping: the vips CLI does not run');
  }
  return vipsCli;
}

/**
 * Runs a Python snippet with `/usr/bin/python3` and parses the JSON it prints on its last stdout line.
 *
 * @example
 * ```ts
 * const info = runPythonJson<{ levels: number }>(
 *   'import openslide, json, sys; s = openslide.OpenSlide(sys.argv[1]); print(json.dumps({"levels": s.level_count}))',
 *   [path],
 * );
 * ```
 */
export function runPythonJson<T = unknown>(code: string, args: readonly string[] = [], timeoutMs = 120_000): T {
  const r = spawnSync(SYSTEM_PYTHON, ['-c', code, ...args], {
    encoding: 'utf8',
    timeout: timeoutMs,
    maxBuffer: 1 << 28,
  });
  if (r.status !== 0) {
    throw new Error(`python failed (${r.status ?? r.signal}): ${r.stderr || r.error?.message}`);
  }
  const lines = r.stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1] as string) as T;
}
