export { ErrorCode } from './codes.ts';
export { REDACTED, redactSetting, redactText, registerSecret, registerUrlSecrets } from './redact.ts';
export { isSluiceError, ProblemsError, SluiceError } from './sluice-error.ts';
