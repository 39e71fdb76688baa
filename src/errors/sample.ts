/** Characters of a value in an error message: enough to recognise it, never the whole value. */
export const SAMPLE_CHARS = 200;

/** Characters of an error's message carried in results, logs and dead-letter headers. */
export const MESSAGE_CHARS = 500;

const CUT = '…';

type Frame = {
  readonly value: object;
  /** Own enumerable keys of an object (only as many as can show), or undefined for an array. */
  readonly keys: string[] | undefined;
  readonly length: number;
  index: number;
};

/**
 * `text` when it has at most `maxChars` characters; otherwise its start and how long it was.
 *
 * @example
 * clipText('x'.repeat(1000), 10); // 'xxxxxxxxxx… (1000 chars)'
 */
export function clipText(text: string, maxChars = MESSAGE_CHARS): string {
  return text.length <= maxChars ? text : `${text.slice(0, maxChars)}${CUT} (${text.length} chars)`;
}

/** An error's message (or what was thrown, as text), clipped; never throws. */
export function errorText(error: unknown, maxChars = MESSAGE_CHARS): string {
  try {
    return clipText(error instanceof Error ? error.message : String(error), maxChars);
  } catch {
    return `<${typeof error} that cannot be shown>`;
  }
}

/**
 * A JSON-like text of `value` of at most `maxChars` characters, ending in `…` when cut. Built
 * with an explicit stack, not recursion, and it stops as soon as the text is long enough: a value
 * nested 20,000 deep or a string of 1 MB costs about `maxChars` of work. Unlike JSON it shows
 * what JSON cannot (`undefined`, `NaN`, `12n`, `<Uint8Array 5 bytes>`); it never throws.
 *
 * @example
 * sampleValue({ url: [[[[1]]]] }, 12); // '{"url":[[[[1…'
 */
export function sampleValue(value: unknown, maxChars = SAMPLE_CHARS): string {
  try {
    return sample(value, maxChars);
  } catch {
    return `<${typeof value} that cannot be shown>`;
  }
}

function sample(value: unknown, maxChars: number): string {
  const stack: Frame[] = [];
  let out = '';
  const open = (item: unknown): void => {
    const leaf = leafText(item, maxChars);
    if (leaf !== undefined) {
      out += leaf;
      return;
    }
    const object = item as object;
    if (Array.isArray(object)) {
      out += '[';
      stack.push({ value: object, keys: undefined, length: object.length, index: 0 });
      return;
    }
    // Each shown key costs at least 3 characters ("":), so no more than maxChars / 3 can show.
    const keys: string[] = [];
    for (const key in object) {
      if (!Object.hasOwn(object, key)) continue;
      keys.push(key);
      if (keys.length > maxChars / 3) break;
    }
    out += '{';
    stack.push({ value: object, keys, length: keys.length, index: 0 });
  };

  open(value);
  while (stack.length > 0 && out.length <= maxChars) {
    const frame = stack[stack.length - 1] as Frame;
    if (frame.index >= frame.length) {
      out += frame.keys ? '}' : ']';
      stack.pop();
      continue;
    }
    if (frame.index > 0) out += ',';
    const index = frame.index++;
    if (frame.keys) {
      const key = frame.keys[index] as string;
      out += `${JSON.stringify(key.length > maxChars ? key.slice(0, maxChars) : key)}:`;
      open((frame.value as Record<string, unknown>)[key]);
    } else {
      open((frame.value as unknown[])[index]);
    }
  }
  return stack.length > 0 || out.length > maxChars ? `${out.slice(0, maxChars)}${CUT}` : out;
}

/** The whole text of a value that holds no others, or undefined for an array or object. */
function leafText(value: unknown, maxChars: number): string | undefined {
  switch (typeof value) {
    case 'string':
      // Cut before quoting: quoting a 1 MB string would copy all of it.
      return JSON.stringify(value.length > maxChars ? value.slice(0, maxChars) : value);
    case 'number':
    case 'boolean':
    case 'symbol':
      return String(value);
    case 'bigint':
      return `${value}n`;
    case 'undefined':
      return 'undefined';
    case 'function':
      return `<function ${value.name}>`;
  }
  if (value === null) return 'null';
  if (ArrayBuffer.isView(value)) return `<${value.constructor.name} ${value.byteLength} bytes>`;
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? 'Invalid Date' : value.toISOString();
  return undefined;
}
