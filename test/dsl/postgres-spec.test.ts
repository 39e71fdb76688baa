import { describe, expect, it } from 'vitest';
import { postgresSinkSpec } from '../../src/dsl/postgres-spec.ts';

const text = { type: 'text', value: (value: string) => value };

describe('toPostgres options', () => {
  it('defaults to the window columns keyed by key and window', () => {
    const spec = postgresSinkSpec({ table: 'counts' });
    expect(spec.columns.map((column) => `${column.name} ${column.type}`)).toStrictEqual([
      'key text',
      'window_start timestamptz',
      'window_end timestamptz',
      'value double precision',
    ]);
    expect(spec.keys).toStrictEqual(['key', 'window_start', 'window_end']);
    expect(spec.table).toStrictEqual({ schema: undefined, name: 'counts' });
    expect(spec.createTable).toBe(false);
  });

  it.each([
    [
      { table: 'a.b.c' },
      'table must be name or schema.name, each a letter or "_" then letters, digits or "_"; got "a.b.c"',
    ],
    [
      { table: 't', connection: 'not a url' },
      'connection must be a URL such as postgres://user@host:5432/db; got a text that is not',
    ],
    [
      { table: 't', columns: { word: text } },
      'keys must name the columns of the upsert (INSERT … ON CONFLICT (keys))',
    ],
    [{ table: 't', columns: { word: text }, keys: ['other'] }, 'keys other are not among the columns'],
    [{ table: 't', columns: { word: text }, keys: ['word', 'word'] }, 'keys must not repeat a column'],
    [
      { table: 't', columns: { 'my word': text }, keys: ['my word'] },
      'column "my word" is not a plain identifier',
    ],
    [
      { table: 't', columns: { word: { type: 'text; drop', value: text.value } }, keys: ['word'] },
      'column word has type "text; drop", which is not a SQL type name',
    ],
    [{ table: 't', columns: {}, keys: ['x'] }, 'columns must name at least one column'],
  ])('%j', (options, message) => {
    expect(() => postgresSinkSpec(options)).toThrow(`toPostgres: ${message}`);
  });
});
