import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { renderConfigDocs } from '../../src/config/index.ts';

it('docs/configuration.md is what the schema renders', () => {
  const committed = readFileSync(new URL('../../docs/configuration.md', import.meta.url), 'utf8');
  expect(committed, 'docs/configuration.md is stale: run `npm run docs:config`').toBe(renderConfigDocs());
});
