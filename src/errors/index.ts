export { ErrorCode } from './codes.ts';
export { clipText, errorText, MESSAGE_CHARS, SAMPLE_CHARS, sampleValue } from './sample.ts';
export { isSluiceError, ProblemsError, SluiceError } from './sluice-error.ts';
