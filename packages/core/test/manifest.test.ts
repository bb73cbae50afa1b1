import { describe, expect, it } from 'vitest';
import { isWsiError } from '../src/errors.js';
import { csvField, parseCsv, parseCsvRecords } from '../src/manifest/csv.js';
import { parseManifest } from '../src/manifest/manifest.js';

function errorOf(f: () => unknown): Error & { code?: string } {
  try {
    f();
  } catch (err) {
    if (isWsiError(err)) return err;
    throw err;
  }
  throw new Error('expected a WsiError');
}

describe('parseCsv', () => {
  it('handles quotes, doubled quotes, embedded commas and newlines', () => {
    expect(parseCsv('slide,label\n"a,b.svs",1\n"say ""hi""","x\ny"\n')).toEqual([
      ['slide', 'label'],
      ['a,b.svs', '1'],
      ['say "hi"', 'x\ny'],
    ]);
  });

  it('handles CRLF, CR, a BOM, blank lines, empty fields and a missing final newline', () => {
    expect(parseCsv('\uFEFFa,b\r\n1,2\r\n\r\n,\r3,""')).toEqual([
      ['a', 'b'],
      ['1', '2'],
      ['', ''],
      ['3', ''],
    ]);
    expect(parseCsv('')).toEqual([]);
  });

  it('rejects stray and unterminated quotes with the line', () => {
    expect(errorOf(() => parseCsv('a\nb"c\n', 'm.csv')).message).toBe(
      'm.csv: line 2: a quote inside an unquoted field',
    );
    expect(errorOf(() => parseCsv('a\n"open\n')).code).toBe('InvalidArgument');
  });

  it('reports the starting line of each record', () => {
    expect(parseCsvRecords('a\n\n"x\ny"\nz').map((r) => r.line)).toEqual([1, 3, 5]);
  });

  it('csvField quotes only when needed and round-trips', () => {
    expect(csvField('plain')).toBe('plain');
    expect(csvField(3)).toBe('3');
    const v = 'a,"b"\nc';
    expect(parseCsv(`${csvField(v)}\n`)).toEqual([[v]]);
  });
});

describe('parseManifest', () => {
  it('parses known columns, trims, and carries extra columns', () => {
    const m = parseManifest(
      '\uFEFFslide, mpp ,case_id,bag_id,label,fold,site\r\n"s/a,1.svs",0.25,P1,B1,1,2,Oslo\r\ns/b.svs,,P2,,,,\r\n',
    );
    expect(m.columns).toEqual(['slide', 'mpp', 'case_id', 'bag_id', 'label', 'fold', 'site']);
    expect(m.rows[0]).toEqual({
      slide: 's/a,1.svs',
      mpp: 0.25,
      caseId: 'P1',
      bagId: 'B1',
      label: '1',
      fold: 2,
      extra: { site: 'Oslo' },
      line: 2,
    });
    expect(m.rows[1]).toEqual({ slide: 's/b.svs', caseId: 'P2', extra: { site: '' }, line: 3 });
  });

  it('requires a slide column and a non-empty slide', () => {
    expect(errorOf(() => parseManifest('path,label\na.svs,1\n')).message).toMatch(/no 'slide' column/);
    expect(errorOf(() => parseManifest('')).code).toBe('InvalidArgument');
    expect(errorOf(() => parseManifest('slide,label\n,1\n')).message).toMatch(/line 2: empty 'slide'/);
    expect(errorOf(() => parseManifest('slide,slide\na,b\n')).message).toMatch(/appears twice/);
  });

  it('rejects bad mpp, bad fold and wrong field counts, naming the real line', () => {
    expect(errorOf(() => parseManifest('slide,mpp\na.svs,0.5\n\nb.svs,abc\n')).message).toBe(
      "manifest: line 4: mpp 'abc' is not a positive number",
    );
    expect(errorOf(() => parseManifest('slide,mpp\na.svs,-1\n')).code).toBe('InvalidArgument');
    expect(errorOf(() => parseManifest('slide,fold\na.svs,1.5\n')).message).toMatch(/fold '1.5'/);
    expect(errorOf(() => parseManifest('slide,fold\na.svs,-1\n')).code).toBe('InvalidArgument');
    expect(errorOf(() => parseManifest('slide,label\n"x\ny.svs",1\nb.svs,1,extra\n', 'm.csv')).message).toBe(
      'm.csv: line 4: 3 fields, the header has 2',
    );
  });
});
