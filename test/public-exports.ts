// The public exports of every published package, found by parsing (no type check: fast) each package's
// src/index.ts and following its `export … from` chains, with the TSDoc tags of each exported declaration.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';

/** One exported name of a package and where it is declared. */
export interface PublicExport {
  pkg: string;
  name: string;
  /** File (relative to the repository root) and 1-based line of its first declaration. */
  where: string;
  hasExample: boolean;
  hasDoc: boolean;
}

interface Decl {
  node: ts.Node;
  file: string;
  sf: ts.SourceFile;
}

/** The repository root. */
export const ROOT = resolve(__dirname, '..');

/** Published (non-private) package folders, by directory name. */
export function publicPackageDirs(root = ROOT): string[] {
  return readdirSync(join(root, 'packages')).filter((d) => {
    const p = join(root, 'packages', d, 'package.json');
    if (!existsSync(p)) return false;
    const pkg = JSON.parse(readFileSync(p, 'utf8')) as { private?: boolean };
    return pkg.private !== true && existsSync(join(root, 'packages', d, 'src', 'index.ts'));
  });
}

function resolveModule(from: string, spec: string): string | undefined {
  if (!spec.startsWith('.')) return undefined;
  const base = resolve(dirname(from), spec);
  for (const c of [base.replace(/\.js$/, '.ts'), `${base}.ts`, join(base, 'index.ts')]) if (existsSync(c)) return c;
  return undefined;
}

function hasExportModifier(node: ts.Node): boolean {
  return ts.canHaveModifiers(node) && (ts.getModifiers(node) ?? []).some((m) => m.kind === ts.SyntaxKind.ExportKeyword);
}

function declaredNames(node: ts.Statement): { name: string; node: ts.Node }[] {
  if (ts.isVariableStatement(node)) {
    return node.declarationList.declarations.flatMap((d) =>
      ts.isIdentifier(d.name) ? [{ name: d.name.text, node: d }] : [],
    );
  }
  if (
    (ts.isFunctionDeclaration(node) ||
      ts.isClassDeclaration(node) ||
      ts.isInterfaceDeclaration(node) ||
      ts.isTypeAliasDeclaration(node) ||
      ts.isEnumDeclaration(node) ||
      ts.isModuleDeclaration(node)) &&
    node.name &&
    ts.isIdentifier(node.name)
  ) {
    return [{ name: node.name.text, node }];
  }
  return [];
}

class ExportCollector {
  private readonly cache = new Map<string, Map<string, Decl[]>>();
  private readonly sources = new Map<string, ts.SourceFile>();

  source(file: string): ts.SourceFile {
    let sf = this.sources.get(file);
    if (!sf) {
      sf = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.ES2022, true);
      this.sources.set(file, sf);
    }
    return sf;
  }

  /** Local (top-level) declarations of a file by name, exported or not. */
  private locals(file: string): Map<string, Decl[]> {
    const sf = this.source(file);
    const out = new Map<string, Decl[]>();
    for (const st of sf.statements) {
      for (const { name, node } of declaredNames(st)) out.set(name, [...(out.get(name) ?? []), { node, file, sf }]);
    }
    return out;
  }

  /** Names a module imports, to follow `import { a } from './x.js'; export { a };`. */
  private imported(file: string, name: string): Decl[] | undefined {
    const sf = this.source(file);
    for (const st of sf.statements) {
      if (!ts.isImportDeclaration(st) || !ts.isStringLiteral(st.moduleSpecifier)) continue;
      const bindings = st.importClause?.namedBindings;
      if (!bindings || !ts.isNamedImports(bindings)) continue;
      for (const el of bindings.elements) {
        if (el.name.text !== name) continue;
        const target = resolveModule(file, st.moduleSpecifier.text);
        return target ? this.exports(target).get(el.propertyName?.text ?? el.name.text) : undefined;
      }
    }
    return undefined;
  }

  exports(file: string): Map<string, Decl[]> {
    const cached = this.cache.get(file);
    if (cached) return cached;
    const out = new Map<string, Decl[]>();
    this.cache.set(file, out);
    const sf = this.source(file);
    const locals = this.locals(file);
    for (const st of sf.statements) {
      if (ts.isExportDeclaration(st)) {
        const target =
          st.moduleSpecifier && ts.isStringLiteral(st.moduleSpecifier)
            ? resolveModule(file, st.moduleSpecifier.text)
            : undefined;
        if (st.moduleSpecifier && !target) continue; // an external package re-export: not ours to document
        if (!st.exportClause) {
          for (const [n, d] of this.exports(target as string)) if (n !== 'default' && !out.has(n)) out.set(n, d);
        } else if (ts.isNamedExports(st.exportClause)) {
          for (const el of st.exportClause.elements) {
            const original = el.propertyName?.text ?? el.name.text;
            const decls = target
              ? this.exports(target).get(original)
              : (locals.get(original) ?? this.imported(file, original));
            if (decls) out.set(el.name.text, decls);
          }
        }
        continue;
      }
      if (!hasExportModifier(st)) continue;
      for (const { name, node } of declaredNames(st)) out.set(name, [...(out.get(name) ?? []), { node, file, sf }]);
    }
    return out;
  }
}

function tagsOf(node: ts.Node): { doc: boolean; example: boolean } {
  const docs = ts.getJSDocCommentsAndTags(node);
  const tags = ts.getJSDocTags(node);
  return { doc: docs.length > 0, example: tags.some((t) => t.tagName.text === 'example') };
}

/** Every public export of every published package, with whether its TSDoc has an `@example`. */
export function publicExports(root = ROOT): PublicExport[] {
  const collector = new ExportCollector();
  const result: PublicExport[] = [];
  for (const dir of publicPackageDirs(root)) {
    const pkg = (JSON.parse(readFileSync(join(root, 'packages', dir, 'package.json'), 'utf8')) as { name: string })
      .name;
    const entry = join(root, 'packages', dir, 'src', 'index.ts');
    for (const [name, decls] of collector.exports(entry)) {
      const first = decls[0] as Decl;
      const line = first.sf.getLineAndCharacterOfPosition(first.node.getStart(first.sf)).line + 1;
      const tags = decls.map((d) => tagsOf(d.node));
      result.push({
        pkg,
        name,
        where: `${relative(root, first.file)}:${line}`,
        hasDoc: tags.some((t) => t.doc),
        hasExample: tags.some((t) => t.example),
      });
    }
  }
  return result;
}
