export * from './batch.js';
export * from './patch-dataset.js';
export * from './sources.js';
export * from './tensor.js';
