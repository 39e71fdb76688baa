// An input of a job: the topics `ctx.stream(topics, { format })` reads, by name or pattern, and how their values decode.

import { clipText, ErrorCode, SluiceError } from '../errors/index.ts';

/** How an input's record values are decoded: JSON, UTF-8 text, or left as bytes (`Uint8Array`). */
export type InputFormat = 'json' | 'string' | 'bytes';

const FORMATS: readonly InputFormat[] = ['json', 'string', 'bytes'];

/** What an input reads: named topics or a pattern, and the format of their values. */
export type InputSpec =
  | {
      readonly type: 'topics';
      readonly topics: readonly string[];
      readonly format: InputFormat;
      /** `ctx.table(topic)`: the topic is read as a table (latest value per key), from its start. */
      readonly table?: true;
    }
  | { readonly type: 'pattern'; readonly pattern: RegExp; readonly format: InputFormat };

/** The options of a named input. */
export type StreamOptions = {
  /** How values are decoded; `json` by default. */
  readonly format?: InputFormat;
};

// Kafka's own rule for topic names (Topic.validate): these characters, at most 249, not . or ..
const TOPIC_NAME = /^[a-zA-Z0-9._-]{1,249}$/;

function invalid(message: string, operator: string): SluiceError {
  return new SluiceError(ErrorCode.jobInvalid, `${operator}: ${message}`);
}

/**
 * Validates what `ctx.stream(topics, options)` was given.
 *
 * @example
 * inputSpec(['orders', 'returns'], { format: 'json' }); // { type: 'topics', topics: [...], format: 'json' }
 */
export function inputSpec(topics: unknown, options: unknown = {}, operator = 'ctx.stream'): InputSpec {
  if (typeof options !== 'object' || options === null)
    throw invalid('options must be an object like { format: "json" }', operator);
  const format: unknown = (options as { format?: unknown }).format ?? 'json';
  if (!FORMATS.includes(format as InputFormat)) {
    throw invalid(
      `format must be one of ${FORMATS.join(', ')}; got ${clipText(String(format), 40)}`,
      operator,
    );
  }
  if (topics instanceof RegExp) {
    // A global or sticky pattern keeps state between tests: it would match every other topic.
    if (topics.global || topics.sticky)
      throw invalid(
        `the topic pattern ${clipText(String(topics), 80)} must not have the g or y flag`,
        operator,
      );
    return { type: 'pattern', pattern: topics, format: format as InputFormat };
  }
  const names = typeof topics === 'string' ? [topics] : topics;
  if (!Array.isArray(names) || names.length === 0) {
    throw invalid('give a topic name, an array of them, or a RegExp of topic names', operator);
  }
  for (const name of names) {
    if (typeof name !== 'string' || !TOPIC_NAME.test(name) || name === '.' || name === '..') {
      throw invalid(
        `${clipText(JSON.stringify(name) ?? String(name), 80)} is not a Kafka topic name (letters, digits, '.', '_' and '-', 1 to 249 characters)`,
        operator,
      );
    }
  }
  return { type: 'topics', topics: [...new Set(names as string[])], format: format as InputFormat };
}

/** An input as the job's signature and messages name it: `orders,returns:json` or `/^logs-.*$/:string`. */
export function describeInput(input: InputSpec): string {
  const what = input.type === 'topics' ? input.topics.join(',') : String(input.pattern);
  return `${input.type === 'topics' && input.table ? 'table ' : ''}${what}:${input.format}`;
}

/**
 * Validates what `ctx.table(topic, options)` was given: one topic by name.
 *
 * @example
 * tableSpec('customers', { format: 'json' }); // { type: 'topics', topics: ['customers'], format: 'json', table: true }
 */
export function tableSpec(topic: unknown, options: unknown = {}): InputSpec {
  if (typeof topic !== 'string') {
    throw new SluiceError(
      ErrorCode.jobInvalid,
      `ctx.table: give one topic by name; got ${clipText(String(topic instanceof RegExp ? topic : typeof topic), 80)}`,
    );
  }
  const spec = inputSpec(topic, options, 'ctx.table');
  return { ...(spec as Extract<InputSpec, { type: 'topics' }>), table: true };
}

/** Whether `input` reads `topic`. */
export function readsTopic(input: InputSpec, topic: string): boolean {
  return input.type === 'topics' ? input.topics.includes(topic) : input.pattern.test(topic);
}
