export { anonymizeSlide, type AnonymizeOptions, type AnonymizeReport } from './anonymize.js';
export { scrubDescription, APERIO_IDENTIFYING_KEYS, PHILIPS_IDENTIFYING_ATTRIBUTES, DROPPED_TAGS } from './scrub.js';
export { copyTiffPages, type CopyPage } from './tiff-copy.js';
