// errors/: SluiceError with its stable codes, redaction of secrets, bounded samples; every thread.

export { ErrorCode } from './codes.ts';
export { REDACTED, redactSetting, redactText, registerSecret, registerUrlSecrets } from './redact.ts';
export { clipText, errorText, SAMPLE_CHARS, sampleValue } from './sample.ts';
export {
  isErrorCode,
  isSlotErrorData,
  MAX_CAUSES,
  reviveSlotError,
  type SlotErrorData,
  slotErrorData,
  slotFailure,
} from './slot-error.ts';
export { isSluiceError, ProblemsError, SluiceError } from './sluice-error.ts';
export { filePath, stackOf, userFrame } from './user-frame.ts';
