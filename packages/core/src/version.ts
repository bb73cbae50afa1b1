/**
 * The `@wsi` release this build belongs to, written into every file we produce (`wsi_version`).
 * Kept in step with package.json by a test.
 *
 * @example
 * ```ts
 * import { WSI_VERSION } from '@wsi/core';
 * console.log(WSI_VERSION);
 * ```
 */
export const WSI_VERSION = '0.1.0';
