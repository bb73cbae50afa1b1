/**
 * A GKeyFile-style INI parser (what OpenSlide reads Slidedat.ini with): `[group]` headers, `key = value` lines,
 * `#` comments, groups and keys kept in file order, a UTF-8 BOM ignored.
 */
import { WsiError } from '@wsi/core';

/** Groups in file order, each a map of keys in file order. */
export type IniFile = Map<string, Map<string, string>>;

/**
 * Parses INI text. Lines outside a group or without `=` → `CorruptFile` naming `fileName`.
 *
 * @example
 * ```ts
 * parseIni('[GENERAL]\nSLIDE_ID = abc\n', 'Slidedat.ini').get('GENERAL')?.get('SLIDE_ID'); // 'abc'
 * ```
 */
export function parseIni(text: string, fileName: string): IniFile {
  const out: IniFile = new Map();
  let group: Map<string, string> | undefined;
  const lines = text.replace(/^\ufeff/, '').split(/\r?\n/);
  lines.forEach((raw, i) => {
    const line = raw.replace(/^[ \t]+/, '');
    if (line === '' || line.startsWith('#')) return;
    if (line.startsWith('[')) {
      const end = line.indexOf(']');
      if (end < 0) throw new WsiError('CorruptFile', `${fileName}: line ${i + 1}: unterminated group header`);
      const name = line.slice(1, end);
      group = out.get(name) ?? new Map();
      out.set(name, group);
      return;
    }
    const eq = line.indexOf('=');
    if (eq < 0 || !group)
      throw new WsiError('CorruptFile', `${fileName}: line ${i + 1}: not a key = value line inside a group`);
    group.set(
      line.slice(0, eq).trimEnd(),
      line
        .slice(eq + 1)
        .replace(/^[ \t]+/, '')
        .replace(/\r$/, ''),
    );
  });
  return out;
}

/**
 * Typed access to an {@link IniFile} with errors that name the file, group and key.
 *
 * @example
 * ```ts
 * const r = new IniReader(parseIni(text, 'Slidedat.ini'), 'Slidedat.ini');
 * r.int('GENERAL', 'IMAGENUMBER_X'); // throws CorruptFile "Slidedat.ini: [GENERAL] has no IMAGENUMBER_X" when absent
 * ```
 */
export class IniReader {
  constructor(
    readonly ini: IniFile,
    readonly fileName: string,
  ) {}

  hasGroup(group: string): boolean {
    return this.ini.has(group);
  }

  /** The group, or `CorruptFile` ("Slidedat.ini: no [GROUP] group"). */
  group(group: string): Map<string, string> {
    const g = this.ini.get(group);
    if (!g)
      throw new WsiError('CorruptFile', `${this.fileName}: no [${group}] group`, {
        details: { file: this.fileName, group },
      });
    return g;
  }

  value(group: string, key: string): string {
    const v = this.group(group).get(key);
    if (v === undefined) {
      throw new WsiError('CorruptFile', `${this.fileName}: [${group}] has no ${key}`, {
        details: { file: this.fileName, group, key },
      });
    }
    return v;
  }

  optional(group: string, key: string): string | undefined {
    return this.ini.get(group)?.get(key);
  }

  /** An integer as g_key_file_get_integer reads it. */
  int(group: string, key: string): number {
    const v = this.value(group, key).trim();
    if (!/^[+-]?\d+$/.test(v) || !Number.isSafeInteger(Number(v))) {
      throw new WsiError('CorruptFile', `${this.fileName}: [${group}] ${key} = "${v}" is not an integer`);
    }
    return Number(v);
  }

  double(group: string, key: string): number {
    const v = this.value(group, key).trim();
    const n = Number(v);
    if (v === '' || !Number.isFinite(n))
      throw new WsiError('CorruptFile', `${this.fileName}: [${group}] ${key} = "${v}" is not a number`);
    return n;
  }
}
