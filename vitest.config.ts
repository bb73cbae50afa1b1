import { existsSync, readdirSync } from 'node:fs';
import { defineConfig } from 'vitest/config';

// One vitest run over every package (one summary line for CI); each package also runs alone with `npx vitest run`.
const packages = readdirSync('packages').filter((d) => existsSync(`packages/${d}/package.json`));

export default defineConfig({
  test: {
    testTimeout: 120_000,
    hookTimeout: 120_000,
    projects: [
      ...packages.map((name) => ({
        extends: true,
        test: { name, root: `packages/${name}`, include: ['test/**/*.test.ts'] },
      })),
      { extends: true, test: { name: 'repo', root: '.', include: ['test/**/*.test.ts'] } },
    ],
  },
});
