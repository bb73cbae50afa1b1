import { WsiError } from '../errors.js';
import { parseCsvRecords } from './csv.js';

/**
 * One row of a manifest (docs/formats.md).
 *
 * @example
 * ```ts
 * const row: ManifestRow = parseManifest('slide,label\na.svs,1\n').rows[0]!;
 * console.log(row.slide, row.label, row.line); // a.svs 1 2
 * ```
 */
export interface ManifestRow {
  /** Slide path or URL (required). */
  slide: string;
  /** Microns per pixel override for slides without it. */
  mpp?: number;
  /** Patient/case id for grouped splits. */
  caseId?: string;
  /** Bag id grouping several slides (a biopsy). */
  bagId?: string;
  /** Label as written (an integer class for MIL, a stage, or a value). */
  label?: string;
  /** Fixed fold. */
  fold?: number;
  /** Every other column, carried through to outputs. */
  extra: Record<string, string>;
  /** 1-based line of the row in the file, for error messages. */
  line: number;
}

/**
 * A parsed manifest.
 *
 * @example
 * ```ts
 * const m: Manifest = parseManifest(await readFile('cohort.csv', 'utf8'), 'cohort.csv');
 * console.log(m.columns, m.rows.length);
 * ```
 */
export interface Manifest {
  /** Header names as written. */
  columns: string[];
  rows: ManifestRow[];
}

const KNOWN = new Set(['slide', 'mpp', 'case_id', 'bag_id', 'label', 'fold']);

/**
 * Parses a manifest CSV: a header row with a required `slide` column and optional `mpp`, `case_id`, `bag_id`,
 * `label`, `fold`; other columns are carried through in `extra`. Errors name the line.
 *
 * @example
 * ```ts
 * const m = parseManifest('slide,label,case_id\nslides/a.svs,1,P1\n');
 * m.rows[0].slide; // 'slides/a.svs'
 * ```
 */
export function parseManifest(text: string, source = 'manifest'): Manifest {
  const table = parseCsvRecords(text, source);
  const header = table[0]?.cells;
  if (!header)
    throw new WsiError('InvalidArgument', `${source}: empty manifest (a header row with 'slide' is required)`);
  const columns = header.map((h) => h.trim());
  const dup = columns.find((c, i) => columns.indexOf(c) !== i);
  if (dup !== undefined) throw new WsiError('InvalidArgument', `${source}: column '${dup}' appears twice`);
  const idx = (name: string) => columns.indexOf(name);
  if (idx('slide') < 0) {
    throw new WsiError('InvalidArgument', `${source}: no 'slide' column (header: ${columns.join(',')})`);
  }
  const rows: ManifestRow[] = [];
  for (let r = 1; r < table.length; r++) {
    const { cells, line } = table[r] as { cells: string[]; line: number };
    if (cells.length !== columns.length) {
      throw new WsiError(
        'InvalidArgument',
        `${source}: line ${line}: ${cells.length} fields, the header has ${columns.length}`,
      );
    }
    const get = (name: string) => {
      const i = idx(name);
      const v = i >= 0 ? (cells[i] as string).trim() : '';
      return v === '' ? undefined : v;
    };
    const slide = get('slide');
    if (!slide) throw new WsiError('InvalidArgument', `${source}: line ${line}: empty 'slide'`);
    const row: ManifestRow = { slide, extra: {}, line };
    const mpp = get('mpp');
    if (mpp !== undefined) {
      const v = Number(mpp);
      if (!(Number.isFinite(v) && v > 0)) {
        throw new WsiError('InvalidArgument', `${source}: line ${line}: mpp '${mpp}' is not a positive number`);
      }
      row.mpp = v;
    }
    const fold = get('fold');
    if (fold !== undefined) {
      const v = Number(fold);
      if (!(Number.isInteger(v) && v >= 0)) {
        throw new WsiError('InvalidArgument', `${source}: line ${line}: fold '${fold}' is not a non-negative integer`);
      }
      row.fold = v;
    }
    const caseId = get('case_id');
    if (caseId !== undefined) row.caseId = caseId;
    const bagId = get('bag_id');
    if (bagId !== undefined) row.bagId = bagId;
    const label = get('label');
    if (label !== undefined) row.label = label;
    columns.forEach((c, i) => {
      if (!KNOWN.has(c)) row.extra[c] = cells[i] as string;
    });
    rows.push(row);
  }
  return { columns, rows };
}
