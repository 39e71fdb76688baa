export { ErrorCode } from './codes.ts';
export { isSluiceError, SluiceError } from './sluice-error.ts';
