/**
 * A slide's `<name>`, the key of every output file (docs/formats.md):
 * - a local file: its basename minus its last extension (`/data/TCGA-01.svs` → `TCGA-01`,
 *   `a.ome.tif` → `a.ome`);
 * - a folder (a DICOM series): the folder's name;
 * - an `http(s)://` URL: the last path segment without query or fragment, percent-decoded, minus its last
 *   extension, as for a file;
 * - a `dicomweb+http(s)://…/series/UID` URL: the series UID, whole.
 *
 * @example
 * ```ts
 * slideName('/slides/CMU-1.svs'); // 'CMU-1'
 * slideName('https://bucket/x/CMU-1.svs?X-Amz-Signature=…'); // 'CMU-1'
 * slideName('/dicom/study-7/', { isDirectory: true }); // 'study-7'
 * ```
 */
export function slideName(location: string, options: { isDirectory?: boolean } = {}): string {
  const dicomweb = /^dicomweb\+https?:\/\//i.test(location);
  const url = dicomweb || /^https?:\/\//i.test(location);
  let path = location;
  if (url) {
    path = location.replace(/[?#].*$/s, '');
    path = path.replace(/^[a-z+]+:\/\/[^/]*/i, '');
  }
  const segments = path.split(/[\\/]+/).filter((s) => s.length > 0);
  let last = segments[segments.length - 1] ?? '';
  if (url) {
    try {
      last = decodeURIComponent(last);
    } catch {
      /* keep the raw segment */
    }
  }
  if (dicomweb || options.isDirectory || location.endsWith('/') || location.endsWith('\\')) return last;
  const dot = last.lastIndexOf('.');
  return dot > 0 ? last.slice(0, dot) : last;
}
