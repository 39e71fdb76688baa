// Parsers for one variable each (integers, topics, brokers, sinks, files) with their docs' type and default.

import { accessSync, constants, readFileSync, statSync } from 'node:fs';
import { z } from 'zod';
import { registerUrlSecrets } from '../errors/index.ts';
import { Secret } from './secret.ts';
import type { SinkConfig, TopicSelection } from './types.ts';

/**
 * One variable's parser and what the docs table says about the values it takes. The parser gets the
 * trimmed value, or `undefined` when the variable is unset or empty. Issue messages are fragments
 * such as `must be an integer >= 1`; the loader prefixes the variable and appends the value given.
 */
export interface Field<T> {
  readonly schema: z.ZodType<T, string | undefined>;
  /** The docs' Type column (Markdown). */
  readonly type: string;
  /** The docs' Default column (Markdown). */
  readonly default: string;
}

const UNSET = 'unset';
const INTEGER = /^[+-]?\d+$/;
// Kafka's own rule (kafka.common.internals.Topic): ASCII letters, digits, '.', '_', '-'; not '.' or '..'.
const TOPIC_NAME = /^(?!\.\.?$)[\w.-]{1,249}$/;
const TOPIC_RULE = 'a Kafka topic name (up to 249 ASCII letters, digits, ".", "_" and "-")';
const HOST_PORT = /^(?:\[[\da-fA-F:.]+\]|[^\s:/[\]]+):(\d{1,5})$/;
const JOB_NAME = /^[A-Za-z][\w-]*$/;
const JOB_MODULE = /\.m?[jt]s$/;
// Names the PostgreSQL sink quotes as given: `table` or `schema.table`, each part a plain identifier.
const PG_TABLE = /^[A-Za-z_]\w{0,62}(?:\.[A-Za-z_]\w{0,62})?$/;
const PG_URL = /^postgres(?:ql)?:\/\//;
// A DNS name (Docker's service names may hold "_"); a leading "." stands for the domain and its subdomains.
const HOST_NAME = /^\.?[\w-]+(?:\.[\w-]+)*$/;

const code = (value: string | number): string => `\`${value}\``;

function orList(values: readonly string[]): string {
  return values.length < 2 ? values.join('') : `${values.slice(0, -1).join(', ')} or ${values.at(-1)}`;
}

/** Adds our own message as the value's issue; a transform returns the result to bail out. */
function reject(ctx: z.RefinementCtx, message: string): never {
  ctx.addIssue({ code: 'custom', message });
  return z.NEVER;
}

/** Splits a comma-separated list, trimming entries; an empty entry is a problem (then `undefined`). */
function entries(raw: string, ctx: z.RefinementCtx): string[] | undefined {
  const items = raw.split(',').map((item) => item.trim());
  if (!items.includes('')) return items;
  ctx.addIssue({ code: 'custom', message: 'must not contain empty entries' });
  return undefined;
}

function isHostPort(entry: string): boolean {
  const port = HOST_PORT.exec(entry)?.[1];
  return port !== undefined && Number(port) >= 1 && Number(port) <= 65535;
}

/** How an allowed integer range reads in messages: "an integer from 1 to 65535", "an integer >= 1". */
export function integerRangeText(range: { readonly min?: number; readonly max?: number }): string {
  const { min, max } = range;
  if (min !== undefined && max !== undefined) return `an integer from ${min} to ${max}`;
  return min !== undefined ? `an integer >= ${min}` : 'an integer';
}

function integerSchema(range: { readonly min?: number; readonly max?: number }) {
  const message = `must be ${integerRangeText(range)}`;
  return z
    .string()
    .regex(INTEGER, message)
    .transform(Number)
    .pipe(
      z
        .number()
        .min(range.min ?? Number.MIN_SAFE_INTEGER, message)
        .max(range.max ?? Number.MAX_SAFE_INTEGER, message),
    );
}

function integerType(range: { readonly min?: number; readonly max?: number }): string {
  const { min, max } = range;
  if (min !== undefined && max !== undefined) return `integer ${min}–${max}`;
  return min !== undefined ? `integer ≥ ${min}` : 'integer';
}

/** A safe integer in `[min, max]`; both bounds are optional. */
export function integer(
  range: { readonly min?: number; readonly max?: number },
  fallback: number,
): Field<number> {
  return {
    schema: integerSchema(range).default(fallback),
    type: integerType(range),
    default: code(fallback),
  };
}

/** Like `integer`, without a default: unset stays `undefined`. */
export function optionalInteger(range: {
  readonly min?: number;
  readonly max?: number;
}): Field<number | undefined> {
  return { schema: integerSchema(range).optional(), type: integerType(range), default: UNSET };
}

/** One of a fixed list of words. */
export function choice<const V extends readonly [string, ...string[]]>(
  values: V,
  fallback: V[number],
): Field<V[number]> {
  const schema = z.enum(values, `must be one of ${values.join(', ')}`).default(fallback);
  return { schema, type: orList(values.map(code)), default: code(fallback) };
}

/** One of a fixed list of words, or unset. */
export function optionalChoice<const V extends readonly [string, ...string[]]>(
  values: V,
): Field<V[number] | undefined> {
  const schema = z.enum(values, `must be one of ${values.join(', ')}`).optional();
  return { schema, type: orList(values.map(code)), default: UNSET };
}

/** Any text; with a fallback it is never undefined. */
export function text(type: string, fallback: string): Field<string> {
  return { schema: z.string().default(fallback), type, default: code(fallback) };
}

export function optionalText(type: string): Field<string | undefined> {
  return { schema: z.string().optional(), type, default: UNSET };
}

export function optionalTopic(): Field<string | undefined> {
  return {
    schema: z.string().regex(TOPIC_NAME, `must be ${TOPIC_RULE}`).optional(),
    type: 'topic',
    default: UNSET,
  };
}

export function brokerList(): Field<readonly string[] | undefined> {
  const schema = z
    .string()
    .transform((raw, ctx) => {
      const brokers = entries(raw, ctx);
      if (brokers === undefined) return z.NEVER;
      const bad = brokers.find((broker) => !isHostPort(broker));
      return bad === undefined
        ? brokers
        : reject(ctx, `entry ${JSON.stringify(bad)} must be host:port with a port from 1 to 65535`);
    })
    .optional();
  return { schema, type: code('host:port[,host:port…]'), default: UNSET };
}

/** Host names a Host header may carry: `name` or `.domain`; unset is none. */
export function hostNameList(): Field<readonly string[]> {
  const schema = z
    .string()
    .transform((raw, ctx) => {
      const names = entries(raw, ctx);
      if (names === undefined) return z.NEVER;
      const bad = names.find((name) => !HOST_NAME.test(name));
      return bad === undefined
        ? names
        : reject(
            ctx,
            `entry ${JSON.stringify(bad)} must be a host name such as sluice.example.com, or .example.com for a domain and its subdomains (no scheme, no port)`,
          );
    })
    .default([]);
  return { schema, type: code('name[,.domain…]'), default: 'none' };
}

/** `a,b,c` is a list of topic names; `/regex/` a pattern, tested unanchored as kafkajs does. */
export function topicSelection(): Field<TopicSelection | undefined> {
  const schema = z
    .string()
    .transform((raw, ctx): TopicSelection => {
      if (raw.startsWith('/')) {
        if (raw.length < 3 || !raw.endsWith('/')) {
          return reject(ctx, 'must be a comma-separated list of topic names or a /regex/');
        }
        try {
          return { type: 'pattern', pattern: new RegExp(raw.slice(1, -1)) };
        } catch {
          return reject(ctx, 'pattern must be a valid JavaScript regular expression');
        }
      }
      const topics = entries(raw, ctx);
      if (topics === undefined) return z.NEVER;
      const bad = topics.find((topic) => !TOPIC_NAME.test(topic));
      return bad === undefined
        ? { type: 'list', topics }
        : reject(ctx, `entry ${JSON.stringify(bad)} must be ${TOPIC_RULE}`);
    })
    .optional();
  return { schema, type: `${code('topic[,topic…]')} or ${code('/regex/')}`, default: UNSET };
}

/** `postgres://user@host:port/db?table=name`: the connection without `table`, and the table. */
function postgresSink(raw: string, ctx: z.RefinementCtx): SinkConfig {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return reject(ctx, 'must be a PostgreSQL URL such as postgres://user@host:5432/db?table=results');
  }
  registerUrlSecrets(url);
  if (url.hostname === '' && !url.searchParams.has('host')) {
    return reject(ctx, 'must name a host: postgres://user@host:5432/db?table=results');
  }
  const table = url.searchParams.get('table');
  if (table === null || table === '') {
    return reject(ctx, 'must name the table: postgres://user@host:5432/db?table=results');
  }
  if (!PG_TABLE.test(table)) {
    return reject(ctx, `table ${JSON.stringify(table)} must be name or schema.name (letters, digits, "_")`);
  }
  url.searchParams.delete('table');
  return { type: 'postgres', url: url.toString(), table };
}

export function sink(): Field<SinkConfig> {
  const schema = z
    .string()
    .transform((raw, ctx): SinkConfig => {
      if (PG_URL.test(raw)) return postgresSink(raw, ctx);
      const colon = raw.indexOf(':');
      const kind = colon < 0 ? raw : raw.slice(0, colon);
      const target = colon < 0 ? '' : raw.slice(colon + 1).trim();
      if (kind === 'console' && colon < 0) return { type: 'console' };
      if (kind === 'file' && target !== '') return { type: 'file', dir: target };
      if (kind === 'kafka' && target !== '') {
        return TOPIC_NAME.test(target)
          ? { type: 'kafka', topic: target }
          : reject(ctx, `topic ${JSON.stringify(target)} must be ${TOPIC_RULE}`);
      }
      return reject(ctx, 'must be console, file:<dir>, kafka:<topic> or postgres://…?table=<table>');
    })
    .default({ type: 'console' });
  return {
    schema,
    type: orList(['console', 'file:<dir>', 'kafka:<topic>', 'postgres://…?table=<table>'].map(code)),
    default: code('console'),
  };
}

/** A built-in job's name, or a module path (kept as given; the runtime resolves it). */
export function job(fallback: string): Field<string> {
  const schema = z
    .string()
    .refine(
      (raw) => JOB_MODULE.test(raw) || JOB_NAME.test(raw),
      'must be a built-in job name or the path of a job module (.ts, .mts, .js or .mjs)',
    )
    .default(fallback);
  return { schema, type: 'job name or path', default: code(fallback) };
}

/** `true` or `false`. */
export function flag(fallback: boolean): Field<boolean> {
  const schema = z
    .enum(['true', 'false'], 'must be true or false')
    .transform((raw) => raw === 'true')
    .default(fallback);
  return { schema, type: `${code('true')} or ${code('false')}`, default: code(String(fallback)) };
}

/** Why `path` cannot be read, in the words of the error (`ENOENT: no such file or directory`). */
function unreadable(path: string): string | undefined {
  try {
    if (!statSync(path).isFile()) return 'is not a file';
    accessSync(path, constants.R_OK);
    return undefined;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code === 'ENOENT' ? 'does not exist' : `cannot be read (${code ?? String(error)})`;
  }
}

/** The path of a file that exists and can be read now; it is read again when it is used. */
export function readableFile(): Field<string | undefined> {
  const schema = z
    .string()
    .transform((path, ctx) => {
      const problem = unreadable(path);
      return problem === undefined ? path : reject(ctx, `names a file that ${problem}`);
    })
    .optional();
  return { schema, type: 'path', default: UNSET };
}

/** A secret given inline; it never appears in a message, a log line or a dump. */
export function secret(): Field<Secret | undefined> {
  return {
    schema: z
      .string()
      .transform((raw) => new Secret(raw))
      .optional(),
    type: 'secret',
    default: UNSET,
  };
}

/**
 * A secret read from the file the variable names (a Docker or Kubernetes secret), once at start.
 * One trailing newline is dropped: `echo pw > file` should give `pw`.
 */
export function secretFile(): Field<Secret | undefined> {
  const schema = z
    .string()
    .transform((path, ctx) => {
      const problem = unreadable(path);
      if (problem !== undefined) return reject(ctx, `names a file that ${problem}`);
      const value = readFileSync(path, 'utf8').replace(/\r?\n$/, '');
      return value === '' ? reject(ctx, 'names an empty file') : new Secret(value);
    })
    .optional();
  return { schema, type: 'path', default: UNSET };
}
