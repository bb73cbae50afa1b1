// The pool catches every kind of failure: a hang (timeout), a crash, memory growth, an untyped throw, a background
// rejection — and a typed WsiError is a pass.
import { afterAll, describe, expect, it } from 'vitest';
import { WorkerPool } from '../src/pool.js';

describe('WorkerPool limits', () => {
  const pool = new WorkerPool({ size: 2, timeoutMs: 6000, memoryMb: 64 });
  afterAll(() => pool.close());

  it('classifies each misbehaviour and keeps going', async () => {
    const kinds = async (what: 'hang' | 'crash' | 'throw' | 'typed' | 'grow' | 'unhandled') =>
      (await pool.run({ type: 'selftest', what })).failures.map((f) => f.kind);
    const [hang, crash, thrown, typed, grow, unhandled] = await Promise.all([
      kinds('hang'),
      kinds('crash'),
      kinds('throw'),
      kinds('typed'),
      kinds('grow'),
      kinds('unhandled'),
    ]);
    expect(hang).toEqual(['timeout']);
    expect(crash).toEqual(['crash']);
    expect(thrown).toEqual(['exception']);
    expect(typed).toEqual([]);
    expect(grow).toEqual(['memory']);
    expect(unhandled).toEqual(['uncaught']);
    // the pool replaced the dead workers
    expect((await pool.run({ type: 'selftest', what: 'typed' })).failures).toEqual([]);
  });
});
