/**
 * Removing the temporary files that a killed run left behind.
 */
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';

const TEMP = /\.tmp-(\d+)-[0-9a-f]+$/;

function alive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Deletes `*.tmp-<pid>-<hex>` files under `dir` (the atomic writers' temporary names) whose process is gone on
 * this machine. Only for a folder written by processes of this machine (`wsi run`); returns how many it removed.
 *
 * @example
 * ```ts
 * await removeStaleTempFiles('out'); // 2
 * ```
 */
export async function removeStaleTempFiles(dir: string, depth = 4): Promise<number> {
  let removed = 0;
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  for (const e of entries) {
    const p = join(dir, e.name);
    if (e.isDirectory()) {
      if (depth > 0) removed += await removeStaleTempFiles(p, depth - 1);
      continue;
    }
    const m = TEMP.exec(e.name);
    if (m && !alive(Number(m[1]))) {
      await rm(p, { force: true });
      removed++;
    }
  }
  return removed;
}
