// Fields of a JSON value as the built-in jobs read them: own properties only, a wrong type is a decode error.

import { ErrorCode, SluiceError, sampleValue } from '../errors/index.ts';

/** Field `name` of a JSON object value; a decode error when the value is no object or lacks it. */
export function field(value: unknown, name: string): unknown {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new SluiceError(ErrorCode.decode, `value is not a JSON object`);
  }
  // Own properties only: `constructor` or `__proto__` must not find what every object inherits.
  if (!Object.hasOwn(value, name)) throw new SluiceError(ErrorCode.decode, `field ${name} is missing`);
  return (value as Record<string, unknown>)[name];
}

/** A key field: a string, number or boolean. */
export function keyField(value: unknown, name: string): string | number | boolean {
  const key = field(value, name);
  if (typeof key === 'string' || typeof key === 'number' || typeof key === 'boolean') return key;
  throw new SluiceError(
    ErrorCode.decode,
    `field ${name} must be a string, number or boolean; got ${sampleValue(key)}`,
  );
}
