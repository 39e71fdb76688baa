// Numbers as the report prints them: `,` for thousands and `.` for decimals on every machine
// (toLocaleString would follow the locale of whoever runs the bench).

const NOT_A_NUMBER = '–';

function group(digits: string): string {
  return digits.replace(/\B(?=(\d{3})+$)/g, ',');
}

/**
 * `value` with at most `digits` decimals, trailing zeros dropped, and `,` between thousands.
 *
 * @example formatNumber(1234.56, 1) === '1,234.6'; formatNumber(12, 1) === '12'
 */
export function formatNumber(value: number, digits = 0): string {
  if (!Number.isFinite(value)) return NOT_A_NUMBER;
  const fixed = Math.abs(value).toFixed(digits);
  const [whole = '0', fraction = ''] = fixed.split('.');
  const trimmed = fraction.replace(/0+$/, '');
  const text = trimmed === '' ? group(whole) : `${group(whole)}.${trimmed}`;
  return value < 0 && Number(fixed) !== 0 ? `-${text}` : text;
}

/** Milliseconds with up to one decimal; a positive time that would round to 0 prints as `<0.1`. */
export function formatMs(value: number): string {
  if (value > 0 && value < 0.05) return '<0.1';
  return formatNumber(value, 1);
}
