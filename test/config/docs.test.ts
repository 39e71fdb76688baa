import { describe, expect, it } from 'vitest';
import { BAD_EXAMPLE_ENV, EXAMPLE_ENV } from '../../src/config/docs.ts';
import {
  ConfigError,
  configOptions,
  DEV_VARIABLES,
  loadConfig,
  renderConfigDocs,
} from '../../src/config/index.ts';

const docs = renderConfigDocs();

/** The variable names in the first column of the table under `heading`, in order. */
function tableVariables(heading: string): string[] {
  const section = docs.split(`\n## ${heading}\n`)[1]?.split('\n## ')[0] ?? '';
  return [...section.matchAll(/^\| `(SLUICE_\w+)` /gm)].map((match) => match[1] ?? '');
}

describe('renderConfigDocs', () => {
  it('lists every engine variable once, in schema order, with its default and meaning', () => {
    const options = Object.values(configOptions({ cpus: 1 }));
    expect(tableVariables('Variables')).toEqual(options.map((option) => option.env));
    expect(options).toHaveLength(72);
    for (const option of options) {
      expect(docs).toContain(`| \`${option.env}\``);
      expect(option.description).toMatch(/^[A-Z].*\.$/);
    }
    expect(docs).toMatch(/^\| `SLUICE_WORKERS` +\| integer ≥ 1 +\| CPUs − 1, at least 1 +\| Worker threads/m);
    expect(docs).toMatch(
      /^\| `SLUICE_TRIGGER` +\| `micro-batch`, `continuous` or `available-now` +\| `micro-batch` +\|/m,
    );
  });

  it('lists the development variables under their own heading', () => {
    expect(tableVariables('Development and tests')).toEqual([
      'SLUICE_TEST_BROKERS',
      'SLUICE_TEST_KAFKA_VERSION',
      'SLUICE_KAFKA_DIR',
      'SLUICE_KAFKA_VERSION',
      'SLUICE_CACHE_DIR',
      'SLUICE_TEST_KILLS',
      'SLUICE_TEST_PG',
      'SLUICE_BENCH_BROKERS',
    ]);
    expect(DEV_VARIABLES.map((variable) => variable.env)).toEqual(tableVariables('Development and tests'));
  });

  it('pads every table row to the same width, as Biome formats Markdown', () => {
    const tables = docs.split('\n\n').filter((block) => block.startsWith('|'));
    expect(tables.map((table) => table.split('\n').length)).toEqual([2 + 72, 2 + 8]);
    for (const table of tables) {
      expect(new Set(table.split('\n').map((row) => row.length)).size).toBe(1);
    }
  });

  it('says how validation fails: one error, exit code 2', () => {
    expect(docs).toContain('exits with code 2');
    expect(docs).toContain('`SLUICE_CONFIG_INVALID`');
  });

  it('shows an example that loads and a bad example with its real message', () => {
    expect(() => loadConfig(EXAMPLE_ENV, { cpus: 8 })).not.toThrow();
    for (const [name, value] of Object.entries(EXAMPLE_ENV))
      expect(docs).toContain(`  -e ${name}=${value} \\`);
    let problems: readonly string[] = [];
    try {
      loadConfig(BAD_EXAMPLE_ENV, { cpus: 8 });
    } catch (error) {
      if (error instanceof ConfigError) problems = error.problems;
    }
    expect(problems).toHaveLength(3);
    expect(docs).toContain(`\`\`\`text\nSLUICE_CONFIG_INVALID: ${problems.join('\n')}\n\`\`\``);
  });

  it('ends with exactly one newline', () => {
    expect(docs.endsWith('```\n')).toBe(true);
    expect(docs.endsWith('\n\n')).toBe(false);
  });
});
