import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { WSI_VERSION } from '../src/version.js';

describe('WSI_VERSION', () => {
  it("equals packages/core/package.json's version", () => {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
    expect(WSI_VERSION).toBe(pkg.version);
    expect(WSI_VERSION).toMatch(/^\d+\.\d+\.\d+(-[\w.]+)?$/);
  });
});
