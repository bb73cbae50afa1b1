import { defineConfig } from 'vitest/config';

// The core tests share no global state (each HTTP test file starts its own server on port 0), so one
// un-isolated thread pool keeps the suite fast on small machines.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    passWithNoTests: true,
    pool: 'threads',
    isolate: false,
  },
});
