/**
 * Removing the temporary files a killed worker left for one slide.
 */
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * The pattern of the atomic writers' temporary names for the outputs of slide `name`: `[.]<name>[_suffix].<ext>`
 * followed by `.tmp-<pid>-<hex>` (or `.<pid>.<hex>.tmp`).
 *
 * @example
 * ```ts
 * slideTempPattern('s1').test('.s1.h5.tmp-4242-0a1b2c3d'); // true
 * slideTempPattern('s1').test('.s10.h5.tmp-4242-0a1b2c3d'); // false
 * ```
 */
export function slideTempPattern(name: string): RegExp {
  return new RegExp(
    `^\\.?${escapeRegExp(name)}(_[A-Za-z0-9]+)?\\.[A-Za-z0-9]+(\\.tmp-\\d+(-[0-9a-f]+)?|\\.\\d+\\.[0-9a-f]+\\.tmp)$`,
  );
}

/**
 * Deletes the temporary files of slide `name` under `outDir` (down to `depth` folders). Called by a worker before it
 * runs a slide that was started before (its previous worker died): the job's lock makes this worker the only one
 * writing that slide, whatever machine the dead worker ran on — unlike a pid check, which only works on one machine.
 * Returns how many files it removed.
 *
 * @example
 * ```ts
 * await removeSlideTempFiles('/shared/out', 'slide-0042'); // 1
 * ```
 */
export async function removeSlideTempFiles(outDir: string, name: string, depth = 4): Promise<number> {
  const pattern = slideTempPattern(name);
  let removed = 0;
  const walk = async (dir: string, left: number): Promise<void> => {
    const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
    for (const e of entries) {
      const p = join(dir, e.name);
      if (e.isDirectory()) {
        if (left > 0) await walk(p, left - 1);
      } else if (pattern.test(e.name)) {
        await rm(p, { force: true });
        removed++;
      }
    }
  };
  await walk(outDir, depth);
  return removed;
}
