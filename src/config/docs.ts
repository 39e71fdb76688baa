// Renders the configuration reference page from the option schema, with examples the loader checks.

import { ConfigError, loadConfig } from './load.ts';
import type { VariableDoc } from './option-types.ts';
import { configOptions, DEV_VARIABLES } from './options.ts';

/** A valid production setting; a test loads it, so the page never shows one that fails. */
export const EXAMPLE_ENV: Readonly<Record<string, string>> = {
  SLUICE_BROKERS: 'kafka-1:9092,kafka-2:9092',
  SLUICE_TOPICS: 'page-views',
  SLUICE_GROUP_ID: 'bytes-per-url',
  SLUICE_VALUE_FIELD: 'bytes',
  SLUICE_AGG: 'sum',
  SLUICE_SINK: 'kafka:bytes-per-url',
  SLUICE_WORKERS: '7',
};

/** A setting with three mistakes; the page shows the message the loader really gives for it. */
export const BAD_EXAMPLE_ENV: Readonly<Record<string, string>> = {
  SLUICE_WORKERS: '0',
  SLUICE_AGG: 'sum',
  SLUICE_TRIGER: 'available-now',
};

const INTRO = `# Configuration

Sluice is configured by environment variables with the prefix \`SLUICE_\`. They are validated
together at start-up: when anything is wrong, the process exits with code 2 and one
\`SLUICE_CONFIG_INVALID\` message that lists every problem, one per line, naming the variable, the
value given and what is allowed. A \`SLUICE_\` variable that Sluice does not know (a typo) is a
problem too. An empty value counts as unset; spaces around values and list entries are ignored.

This page is generated from the schema in \`src/config/options.ts\` by \`npm run docs:config\`.`;

const DEV_EXAMPLE = `Example:

\`\`\`sh
SLUICE_KAFKA_DIR=/tmp/k SLUICE_KAFKA_VERSION=4.3.1 npm run kafka -- start
\`\`\``;

/** A Markdown table padded the way Biome formats one, so the generated page passes `biome check`. */
function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((title, column) =>
    rows.reduce((width, row) => Math.max(width, (row[column] ?? '').length), title.length),
  );
  const line = (cells: readonly string[]): string =>
    `| ${cells.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join(' | ')} |`;
  return [line(header), line(widths.map((width) => '-'.repeat(width))), ...rows.map(line)].join('\n');
}

function variableTable(variables: readonly VariableDoc[]): string {
  return table(
    ['Variable', 'Type', 'Default', 'Meaning'],
    variables.map((variable) => [
      `\`${variable.env}\``,
      variable.type,
      variable.default,
      variable.description,
    ]),
  );
}

function shellExample(env: Readonly<Record<string, string>>): string {
  const flags = Object.entries(env).map(([name, value]) => `  -e ${name}=${value} \\`);
  return ['```sh', 'docker run --rm \\', ...flags, '  sluice', '```'].join('\n');
}

function badExample(): string {
  const command = Object.entries(BAD_EXAMPLE_ENV)
    .map(([name, value]) => `${name}=${value}`)
    .join(' ');
  let message: string;
  try {
    loadConfig(BAD_EXAMPLE_ENV, { cpus: 8 });
    throw new Error('BAD_EXAMPLE_ENV loaded without error');
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    message = `${error.code}: ${error.message}`;
  }
  return [
    'A run with mistakes, such as',
    '',
    '```sh',
    `${command} npx sluice run`,
    '```',
    '',
    'stops before it connects to anything, with exit code 2 and:',
    '',
    '```text',
    message,
    '```',
  ].join('\n');
}

/** Renders docs/configuration.md from the schema (`npm run docs:config` writes it). */
export function renderConfigDocs(): string {
  const variables = Object.values(configOptions({ cpus: 1 }));
  return [
    INTRO,
    '## Variables',
    variableTable(variables),
    '## Example',
    shellExample(EXAMPLE_ENV),
    badExample(),
    '## Development and tests',
    variableTable(DEV_VARIABLES),
    DEV_EXAMPLE,
  ]
    .join('\n\n')
    .concat('\n');
}
