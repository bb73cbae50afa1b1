/**
 * Jobs that misbehave on purpose, so tests can check that the pool catches each kind of failure.
 */
import { WsiError } from '@wsi/core';
import { type CaseFailure, step } from './outcome.js';

/**
 * Runs one self-test behaviour.
 *
 * @example
 * ```ts
 * await runSelfTest('typed'); // [] — a WsiError is a pass
 * ```
 */
export async function runSelfTest(
  what: 'hang' | 'crash' | 'throw' | 'typed' | 'grow' | 'unhandled',
): Promise<CaseFailure[]> {
  switch (what) {
    case 'hang':
      await new Promise(() => {});
      return [];
    case 'crash':
      process.exit(70);
      return [];
    case 'grow': {
      const held = Array.from({ length: 6 }, () => new Uint8Array(16 << 20).fill(1));
      await new Promise((r) => setTimeout(r, 30));
      return held.length > 0 ? [] : [];
    }
    case 'unhandled':
      void Promise.reject(new TypeError('background failure'));
      return [];
    case 'typed': {
      const f = await step('typed', () => {
        throw new WsiError('CorruptFile', 'a typed refusal');
      });
      return f ? [f] : [];
    }
    case 'throw': {
      const f = await step('throw', () => (undefined as unknown as { x: number }).x);
      return f ? [f] : [];
    }
  }
}
