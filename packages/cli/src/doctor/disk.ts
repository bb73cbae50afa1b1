/**
 * Sequential read throughput of the disk holding a file.
 */
import { open } from 'node:fs/promises';

/**
 * A disk read measurement.
 *
 * @example
 * ```ts
 * const d: DiskMeasure = await measureDiskRead('slide.svs');
 * ```
 */
export interface DiskMeasure {
  path: string;
  bytesRead: number;
  seconds: number;
  megabytesPerSecond: number;
  /** Reads of a file that was just written or read may come from the page cache (faster than the disk). */
  note: string;
}

/**
 * Reads a file sequentially in 4 MiB blocks (one buffer reused) for up to `seconds` or `maxBytes`.
 *
 * @throws WsiError-like Node errors when the file cannot be opened.
 * @example
 * ```ts
 * const { megabytesPerSecond } = await measureDiskRead('/data/slides/a.svs', { seconds: 2 });
 * ```
 */
export async function measureDiskRead(
  path: string,
  o: { seconds?: number; maxBytes?: number; note?: string } = {},
): Promise<DiskMeasure> {
  const budget = (o.seconds ?? 2) * 1000;
  const max = o.maxBytes ?? 1024 * 2 ** 20;
  const fh = await open(path, 'r');
  const buf = Buffer.allocUnsafe(4 * 2 ** 20);
  let bytes = 0;
  const t0 = performance.now();
  try {
    while (bytes < max && performance.now() - t0 < budget) {
      const { bytesRead } = await fh.read(buf, 0, buf.length, bytes);
      if (bytesRead === 0) break;
      bytes += bytesRead;
    }
  } finally {
    await fh.close();
  }
  const seconds = Math.max(1e-6, (performance.now() - t0) / 1000);
  return {
    path,
    bytesRead: bytes,
    seconds: Math.round(seconds * 1000) / 1000,
    megabytesPerSecond: Math.round((bytes / 1e6 / seconds) * 10) / 10,
    note: o.note ?? 'may include page-cache hits if the file was read recently',
  };
}
