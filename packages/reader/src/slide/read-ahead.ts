/**
 * Sequential read-ahead of tile bytes: when a tile directly follows the previous one read from the same image in
 * the file (a row-major grid scan of a tile-ordered TIFF), the bytes of the next contiguous tiles are read with it
 * in one request, and the following tile reads are served from that span. The span grows with the run of
 * sequential requests (2, 4, … 32 tiles), so random access (where two neighbouring tiles are often read together)
 * reads at most one extra tile.
 */
import type { TiffImage } from '../tiff/image.js';
import { TAG } from '../tiff/tags.js';

/** Bytes read ahead in one request at most. */
const SPAN_BYTES = 512 << 10;
/** Tiles covered by one span at most. */
const SPAN_TILES = 32;
/** Bytes between two tiles that still count as following each other (writers word-align tile data). */
const MAX_GAP = 64;
/** Spans kept (finished or in flight). */
const KEEP = 4;

interface Span {
  start: number;
  end: number;
  bytes: Promise<Uint8Array>;
}

/**
 * Reads one image's tile bytes, coalescing a sequential scan into large reads.
 *
 * @example
 * ```ts
 * const ra = new TileReadAhead(slide.levelImage(0));
 * const bytes = await ra.read(3, 0); // same bytes as image.readTileBytes(3, 0)
 * ```
 */
export class TileReadAhead {
  readonly #img: TiffImage;
  #spans: Span[] = [];
  #lastEnd = -Infinity;
  /** Consecutive sequential requests: the span doubles with each (2, 4, … SPAN_TILES tiles), as a kernel read-ahead window does. */
  #run = 0;
  #arrays: Promise<[ArrayLike<number>, ArrayLike<number>]> | undefined;
  /** Reads issued to the byte source (for tests and benchmarks). */
  reads = 0;

  constructor(img: TiffImage) {
    this.#img = img;
  }

  /** The stored bytes of tile (col, row) (a view the caller must not modify), or null for a missing tile. */
  async read(col: number, row: number, signal?: AbortSignal): Promise<Uint8Array | null> {
    const img = this.#img;
    const loc = await img.tileLocation(col, row, signal); // checks the tile's own range against the file
    if (loc.length === 0) return null;
    this.#arrays ??= Promise.all([
      img.ifd.loadArray(img.tiled ? TAG.TileOffsets : TAG.StripOffsets, img.tileCount),
      img.ifd.loadArray(img.tiled ? TAG.TileByteCounts : TAG.StripByteCounts, img.tileCount),
    ]);
    const [offsets, counts] = await this.#arrays;
    // from here to the span's registration nothing awaits, so concurrent readers of the next tiles find it
    const start = loc.offset;
    const end = start + loc.length;
    const sequential = start >= this.#lastEnd && start - this.#lastEnd <= MAX_GAP;
    this.#lastEnd = end;
    this.#run = sequential ? this.#run + 1 : 0;
    for (const s of this.#spans) {
      if (s.start <= start && end <= s.end) {
        const bytes = await s.bytes;
        return bytes.subarray(start - s.start, end - s.start);
      }
    }
    if (!sequential) {
      this.reads++;
      return img.ifd.ctx.source.read(start, loc.length, { signal });
    }
    // extend through the next tiles of the grid while they follow each other in the file
    let spanEnd = end;
    const size = img.ifd.ctx.size;
    const tiles = Math.min(SPAN_TILES, 2 ** this.#run);
    for (let n = 1, i = row * img.tilesAcross + col + 1; n < tiles && i < img.tileCount; n++, i++) {
      const o = offsets[i] as number;
      const c = counts[i] as number;
      if (c === 0 || o < spanEnd || o - spanEnd > MAX_GAP || o + c - start > SPAN_BYTES || o + c > size) break;
      spanEnd = o + c;
    }
    // the span is shared by later tiles: it is not tied to this caller's signal
    const span: Span = { start, end: spanEnd, bytes: img.ifd.ctx.source.read(start, spanEnd - start) };
    span.bytes.catch(() => {
      this.#spans = this.#spans.filter((s) => s !== span);
    });
    this.reads++;
    this.#spans.push(span);
    if (this.#spans.length > KEEP) this.#spans.shift();
    const bytes = await span.bytes;
    return bytes.subarray(0, loc.length);
  }
}
