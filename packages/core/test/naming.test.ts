import { describe, expect, it } from 'vitest';
import { slideName } from '../src/naming.js';

describe('slideName', () => {
  it.each([
    ['/slides/CMU-1.svs', 'CMU-1'],
    ['/data/TCGA-01.svs', 'TCGA-01'],
    ['a.ome.tif', 'a.ome'],
    ['relative/dir/x.ndpi', 'x'],
    ['C:\\slides\\win.svs', 'win'],
    ['noext', 'noext'],
    ['https://bucket/x/CMU-1.svs?X-Amz-Signature=abc', 'CMU-1'],
    ['https://host/a/My%20Slide.svs#frag', 'My Slide'],
    ['HTTP://host/bad%zz.svs', 'bad%zz'],
    ['dicomweb+https://host/studies/1.2/series/1.2.840.99', '1.2.840.99'],
    ['/dicom/study-7/', 'study-7'],
  ])('%s → %s', (input, name) => {
    expect(slideName(input)).toBe(name);
  });

  it('keeps the whole name of a folder', () => {
    expect(slideName('/dicom/study-7/', { isDirectory: true })).toBe('study-7');
    expect(slideName('/dicom/series.v2', { isDirectory: true })).toBe('series.v2');
  });
});
