/**
 * @wsi/mil — attention multiple-instance learning trained with onnxruntime-node (forward and backward graphs
 * derived by a small reverse-mode differentiator over @wsi/onnx graphs), exported to standard ONNX.
 *
 * @example
 * ```ts
 * import { trainFromManifest, predictFromManifest } from '@wsi/mil';
 * await trainFromManifest({ manifest: 'cohort.csv', features: 'feats/', out: 'runs/abmil', task: 'binary', folds: 5 });
 * await predictFromManifest({ model: 'runs/abmil', manifest: 'test.csv', features: 'feats/', out: 'preds.csv' });
 * ```
 * @packageDocumentation
 */

export * from './autodiff/backward.js';
export * from './autodiff/tracer.js';
export * from './data/bags.js';
export * from './data/folds.js';
export * from './data/manifest-bags.js';
export * from './data/sampling.js';
export * from './engine/checkpoint.js';
export * from './engine/graphs.js';
export * from './engine/mil-engine.js';
export * from './engine/optim.js';
export * from './engine/rng.js';
export * from './engine/session.js';
export * from './ensemble.js';
export * from './evaluation.js';
export * from './manifest-api.js';
export * from './metrics.js';
export * from './models/abmil.js';
export * from './models/biopsy-transformer.js';
export * from './models/clam-sb.js';
export * from './models/heads.js';
export * from './models/registry.js';
export * from './predict.js';
export * from './train.js';
export * from './train-fold.js';
