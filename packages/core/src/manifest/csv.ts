import { WsiError } from '../errors.js';

/**
 * Parses RFC 4180 CSV (quoted fields, doubled quotes, CRLF or LF, optional BOM) into rows of strings.
 * Blank lines are skipped. Used for manifests and score files, which must stay dependency-free in core.
 *
 * @example
 * ```ts
 * parseCsv('slide,label\n"a,b.svs",1\n'); // [['slide','label'],['a,b.svs','1']]
 * ```
 */
export function parseCsv(text: string, source = 'CSV'): string[][] {
  return parseCsvRecords(text, source).map((r) => r.cells);
}

/**
 * One CSV record and the 1-based line it starts on.
 *
 * @example
 * ```ts
 * const rec: CsvRecord = { cells: ['a.svs', '1'], line: 2 };
 * ```
 */
export interface CsvRecord {
  cells: string[];
  line: number;
}

/**
 * {@link parseCsv} keeping each record's starting line (records may span lines inside quotes, and blank lines
 * are skipped), for error messages that name the right line.
 *
 * @example
 * ```ts
 * parseCsvRecords('a\n\n"x\ny"\n'); // [{cells:['a'],line:1},{cells:['x\ny'],line:3}]
 * ```
 */
export function parseCsvRecords(text: string, source = 'CSV'): CsvRecord[] {
  const rows: CsvRecord[] = [];
  let row: string[] = [];
  let rowLine = 1;
  let field = '';
  let quoted = false;
  let line = 1;
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  let fieldStarted = false;
  const endRow = () => {
    row.push(field);
    if (!(row.length === 1 && row[0] === '' && !fieldStarted)) rows.push({ cells: row, line: rowLine });
    row = [];
    field = '';
    fieldStarted = false;
  };
  for (; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i++;
        } else quoted = false;
      } else {
        if (c === '\n' || (c === '\r' && text[i + 1] !== '\n')) line++;
        field += c;
      }
      continue;
    }
    if (c === '"') {
      if (field.length > 0) {
        throw new WsiError('InvalidArgument', `${source}: line ${line}: a quote inside an unquoted field`);
      }
      quoted = true;
      fieldStarted = true;
    } else if (c === ',') {
      row.push(field);
      field = '';
      fieldStarted = true;
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      endRow();
      line++;
      rowLine = line;
    } else {
      field += c;
      fieldStarted = true;
    }
  }
  if (quoted) throw new WsiError('InvalidArgument', `${source}: line ${line}: unterminated quoted field`);
  if (field.length > 0 || row.length > 0 || fieldStarted) endRow();
  return rows;
}

/**
 * Formats one CSV field, quoting when needed.
 *
 * @example
 * ```ts
 * csvField('a,b'); // '"a,b"'
 * ```
 */
export function csvField(value: string | number): string {
  const s = String(value);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}
