// Runs every runnable code example of the documentation (see test/doc-examples.ts for the `<!-- run -->`
// convention) against the built packages, on a small generated slide, so the docs cannot rot.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { basename, extname, join, resolve } from 'node:path';
import { fixture } from '@wsi/testing';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allExamples, type DocExample, extractExamples } from './doc-examples.js';

const root = resolve(__dirname, '..');
// Inside the repository so that `import '@wsi/…'` resolves through its node_modules, as for an installed user.
const work = join(root, '.tmp', `doc-examples-${process.pid}`);
const examples = allExamples(root);
const byFile = new Map<string, DocExample[]>();
for (const e of examples) byFile.set(e.file, [...(byFile.get(e.file) ?? []), e]);

function folderFor(file: string): string {
  return join(work, file.replace(/[^\w.-]+/g, '_'));
}

interface RunResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

function spawnAsync(cmd: string, args: string[], cwd: string, timeoutMs: number): Promise<RunResult> {
  const env = { ...process.env, PATH: `${join(root, 'node_modules', '.bin')}:${process.env.PATH ?? ''}` };
  return new Promise((done) => {
    const child = spawn(cmd, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => {
      stderr += `\n(killed after ${timeoutMs / 1000} s)`;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('close', (status) => {
      clearTimeout(timer);
      done({ status, stdout, stderr });
    });
  });
}

// At most two examples at once (a 2-core CI machine).
let running = 0;
const waiting: (() => void)[] = [];
async function limited<T>(fn: () => Promise<T>): Promise<T> {
  while (running >= 2) await new Promise<void>((r) => waiting.push(r));
  running++;
  try {
    return await fn();
  } finally {
    running--;
    waiting.shift()?.();
  }
}

async function run(example: DocExample, index: number): Promise<RunResult> {
  const dir = folderFor(example.file);
  const timeout = example.timeoutSeconds * 1000;
  if (example.lang === 'sh') return spawnAsync('bash', ['-euo', 'pipefail', '-c', example.code], dir, timeout);
  const js =
    example.lang === 'ts'
      ? ts.transpileModule(example.code, {
          compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
        }).outputText
      : example.code;
  const script = join(dir, `example-${index}.mjs`);
  writeFileSync(script, js);
  return spawnAsync(process.execPath, [script], dir, timeout);
}

describe('the `<!-- run -->` convention', () => {
  it('extracts marked blocks only, with their options', () => {
    const md = [
      '```ts',
      'not run',
      '```',
      '<!-- run fixture=aperio/x.svs timeout=5 -->',
      '',
      '```sh',
      'wsi info slide.svs',
      '```',
    ].join('\n');
    expect(extractExamples(md, 'x.md')).toEqual([
      { file: 'x.md', line: 6, lang: 'sh', code: 'wsi info slide.svs', fixture: 'aperio/x.svs', timeoutSeconds: 5 },
    ]);
    expect(() => extractExamples('<!-- run -->\ntext\n', 'y.md')).toThrow(/followed by a code block/);
  });

  it('marks a runnable minimal example in every published package README', () => {
    const withExample = new Set(examples.map((e) => e.file));
    for (const dir of ['core', 'h5', 'reader', 'patcher', 'annotator', 'embed', 'onnx', 'mil', 'viewer', 'cli']) {
      expect(withExample, `packages/${dir}/README.md`).toContain(`packages/${dir}/README.md`);
    }
  });
});

describe('documentation examples', () => {
  beforeAll(async () => {
    const { syntheticTissue, writeSvs } = await import('@wsi/testing');
    mkdirSync(work, { recursive: true });
    const slide = join(work, 'slide.svs');
    await writeSvs(slide, {
      source: syntheticTissue({ width: 2048, height: 1536, seed: 3 }),
      mpp: 0.5,
      appMag: 20,
      levels: [1, 4],
    });
    for (const file of byFile.keys()) {
      const dir = folderFor(file);
      mkdirSync(dir, { recursive: true });
      symlinkSync(slide, join(dir, 'slide.svs'));
    }
  });
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  // Files run two at a time (their blocks in order, in the file's own folder): most of an example's time is
  // process start-up and module loading, which overlaps well even on two cores.
  describe.concurrent('', () => {
    for (const [file, list] of byFile) {
      const lines = list.map((e) => `${e.line}`).join(', ');
      it(`${file} (lines ${lines})`, async () => {
        for (const [i, example] of list.entries()) {
          const path = example.fixture ? fixture(example.fixture) : undefined;
          if (example.fixture !== undefined && (path === undefined || !existsSync(path))) {
            console.warn(`${file}:${example.line}: skipped, shared fixture ${example.fixture} absent`);
            continue;
          }
          if (path) {
            const link = join(folderFor(file), `fixture${extname(basename(path))}`);
            if (!existsSync(link)) symlinkSync(path, link);
          }
          const r = await limited(() => run(example, i));
          const context = `${file}:${example.line}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`;
          expect(r.status, context).toBe(0);
        }
      });
    }
  });
});
