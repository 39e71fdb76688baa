export { ErrorCode } from './codes.ts';
export { isSluiceError, ProblemsError, SluiceError } from './sluice-error.ts';
