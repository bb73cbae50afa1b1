// Runnable code examples in the documentation: a fenced ```ts, ```js or ```sh block preceded (on the line before,
// blank lines allowed) by an HTML comment `<!-- run -->`. Options in the comment:
//   <!-- run fixture=aperio/CMU-1-Small-Region.svs -->  also needs that shared fixture (skipped when absent); it is
//                                                       linked as `fixture.<ext>` in the example's folder
//   <!-- run timeout=60 -->                             seconds allowed (default 30)
// Every runnable block of one Markdown file runs in order in one folder that starts with `slide.svs`, a small
// generated Aperio slide (2048 × 1536 px, 0.5 µm/px, 20×, two levels), so later blocks may use earlier outputs.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

/** One runnable block. */
export interface DocExample {
  /** Markdown file, relative to the repository root. */
  file: string;
  /** 1-based line of the opening fence. */
  line: number;
  lang: 'ts' | 'js' | 'sh';
  code: string;
  fixture?: string;
  timeoutSeconds: number;
}

const RUN_MARKER = /^<!--\s*run\b([^>]*)-->\s*$/;
const FENCE = /^```(\w+)?\s*$/;

/** The runnable blocks of one Markdown text. */
export function extractExamples(markdown: string, file: string): DocExample[] {
  const lines = markdown.split('\n');
  const out: DocExample[] = [];
  let pending: { fixture?: string; timeoutSeconds: number } | undefined;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    const marker = RUN_MARKER.exec(line.trim());
    if (marker) {
      const opts = marker[1] ?? '';
      const fixture = /fixture=(\S+)/.exec(opts)?.[1];
      const timeout = Number(/timeout=(\d+)/.exec(opts)?.[1] ?? 30);
      pending = { ...(fixture ? { fixture } : {}), timeoutSeconds: timeout };
      continue;
    }
    const fence = FENCE.exec(line);
    if (fence) {
      const start = i;
      const body: string[] = [];
      for (i++; i < lines.length && !/^```\s*$/.test(lines[i] as string); i++) body.push(lines[i] as string);
      const lang = fence[1];
      if (pending) {
        if (lang !== 'ts' && lang !== 'js' && lang !== 'sh') {
          throw new Error(`${file}:${start + 1}: <!-- run --> before a \`${lang ?? 'plain'}\` block`);
        }
        out.push({ file, line: start + 1, lang, code: body.join('\n'), ...pending });
      }
      pending = undefined;
      continue;
    }
    if (pending && line.trim() !== '') {
      throw new Error(`${file}:${i + 1}: <!-- run --> must be followed by a code block`);
    }
  }
  return out;
}

/** Markdown files whose examples are checked: the README, docs/ (not the generated API), package and example READMEs. */
export function documentationFiles(root: string): string[] {
  const files = [join(root, 'README.md')];
  const docs = join(root, 'docs');
  const walk = (dir: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) {
        if (p !== join(docs, 'api')) walk(p);
      } else if (e.name.endsWith('.md')) files.push(p);
    }
  };
  if (existsSync(docs)) walk(docs);
  for (const group of ['packages', 'examples']) {
    const base = join(root, group);
    if (!existsSync(base)) continue;
    for (const d of readdirSync(base)) {
      const readme = join(base, d, 'README.md');
      if (existsSync(readme)) files.push(readme);
    }
  }
  return files.map((f) => relative(root, f)).sort();
}

/** Every runnable block of the documentation. */
export function allExamples(root: string): DocExample[] {
  return documentationFiles(root).flatMap((f) => extractExamples(readFileSync(join(root, f), 'utf8'), f));
}
