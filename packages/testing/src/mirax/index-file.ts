/**
 * Index.dat of a MIRAX slide: the version `01.02` and the slide id, then two little-endian int32 roots — the
 * hierarchical root (one pointer per zoom level → `[0][first page]`, pages `[count][next][count × (image index,
 * offset, length, file number)]`) and the non-hierarchical root (one pointer per record → `[0][page]`, page
 * `[1][0][0][0][offset][length][file number]`).
 */

/**
 * Where one stored image (or non-hierarchical blob) lives.
 *
 * @example
 * ```ts
 * const r: MiraxRecord = { image: 9, offset: 1024, length: 30000, file: 1 };
 * ```
 */
export interface MiraxRecord {
  /** Level-0 image index `y × IMAGENUMBER_X + x` (hierarchical records only). */
  image?: number;
  offset: number;
  length: number;
  file: number;
}

/**
 * Builds Index.dat bytes.
 *
 * @example
 * ```ts
 * const bytes = buildIndexDat('ab12', [[{ image: 0, offset: 16, length: 900, file: 0 }]], [], 256);
 * ```
 */
export function buildIndexDat(
  slideId: string,
  levels: readonly MiraxRecord[][],
  nonhier: readonly MiraxRecord[],
  pageSize = 256,
): Uint8Array {
  const words: number[] = [];
  const head = new TextEncoder().encode(`01.02${slideId}`);
  const base = head.length;
  const at = () => base + words.length * 4;
  // roots, patched below
  const rootAt = words.length;
  words.push(0, 0);
  const hierRoot = at();
  const hierSlots = words.length;
  for (let i = 0; i < levels.length; i++) words.push(0);
  const nonhierRoot = at();
  const nonhierSlots = words.length;
  for (let i = 0; i < nonhier.length; i++) words.push(0);
  words[rootAt] = hierRoot;
  words[rootAt + 1] = nonhierRoot;
  levels.forEach((records, li) => {
    words[hierSlots + li] = at();
    const firstPtr = words.length + 1;
    words.push(0, 0);
    let prevNext = firstPtr;
    for (let start = 0; start < Math.max(1, records.length); start += pageSize) {
      words[prevNext] = at();
      const page = records.slice(start, start + pageSize);
      words.push(page.length);
      prevNext = words.length;
      words.push(0);
      for (const r of page) words.push(r.image ?? 0, r.offset, r.length, r.file);
    }
  });
  nonhier.forEach((r, i) => {
    words[nonhierSlots + i] = at();
    const ptr = words.length + 1;
    words.push(0, 0);
    words[ptr] = at();
    words.push(1, 0, 0, 0, r.offset, r.length, r.file);
  });
  const out = new Uint8Array(base + words.length * 4);
  out.set(head, 0);
  const view = new DataView(out.buffer);
  for (let i = 0; i < words.length; i++) view.setInt32(base + i * 4, words[i]!, true);
  return out;
}
