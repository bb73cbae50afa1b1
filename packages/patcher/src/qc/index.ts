export * from './measure.js';
export * from './rules.js';
export * from './slide-qc.js';
