export { type AnonymizeOptions, type AnonymizeReport, anonymizeSlide } from './anonymize.js';
export { APERIO_IDENTIFYING_KEYS, DROPPED_TAGS, PHILIPS_IDENTIFYING_ATTRIBUTES, scrubDescription } from './scrub.js';
export { type CopyPage, copyTiffPages } from './tiff-copy.js';
