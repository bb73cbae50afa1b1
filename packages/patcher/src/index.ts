/**
 * @wsi/patcher — see the package README. This package is being built; its API lands with its issue.
 * @packageDocumentation
 */
export const PACKAGE_NAME = '@wsi/patcher';
