export * from './hed.js';
export * from './image.js';
export * from './macenko.js';
export * from './reinhard.js';
