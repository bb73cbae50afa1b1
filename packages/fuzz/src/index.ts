/**
 * @wsi/fuzz (private) — the fuzzing harness: seeded mutations over real and generated slides, field-aware
 * corruptors (TIFF, NDPI, MIRAX, DICOM), a worker pool with time and memory limits, property targets for the pure
 * parsers and a misbehaving HTTP server for the range byte source.
 *
 * @example
 * ```ts
 * import { WorkerPool, runTarget } from '@wsi/fuzz';
 * const pool = new WorkerPool({ size: 2 });
 * const s = await runTarget(pool, 'svs', { cases: 100, ms: 20_000 }, { seedDir: '/tmp/seeds', work: '/tmp/work' });
 * await pool.close();
 * ```
 * @packageDocumentation
 */
export * from './dicom-fields.js';
export * from './http-case.js';
export * from './mutations.js';
export * from './mutator.js';
export * from './outcome.js';
export * from './pool.js';
export { PROPERTY_TARGETS, runProperty } from './props/index.js';
export * from './recipe.js';
export * from './rng.js';
export * from './runner.js';
export * from './seeds.js';
export * from './selftest.js';
export * from './slide-case.js';
export * from './tasks.js';
export * from './tiff-fields.js';
