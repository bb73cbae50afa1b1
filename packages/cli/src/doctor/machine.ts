/**
 * The machine: cores and memory.
 */
import { availableParallelism, cpus, freemem, totalmem } from 'node:os';

/**
 * Cores and memory as `wsi doctor` reports them.
 *
 * @example
 * ```ts
 * const m: MachineInfo = machineInfo();
 * ```
 */
export interface MachineInfo {
  cores: number;
  cpu: string;
  totalMemoryBytes: number;
  freeMemoryBytes: number;
  platform: string;
  node: string;
}

/**
 * Reads the core count (what this process may use), the CPU model and free memory.
 *
 * @example
 * ```ts
 * machineInfo().cores; // 2
 * ```
 */
export function machineInfo(): MachineInfo {
  return {
    cores: availableParallelism(),
    cpu: cpus()[0]?.model.trim() ?? 'unknown',
    totalMemoryBytes: totalmem(),
    freeMemoryBytes: freemem(),
    platform: `${process.platform}-${process.arch}`,
    node: process.version,
  };
}
