// Writes docs/configuration.md from the configuration schema: `npm run docs:config`.
import { writeFileSync } from 'node:fs';
import { renderConfigDocs } from '../src/config/index.ts';

const target = new URL('../docs/configuration.md', import.meta.url);
writeFileSync(target, renderConfigDocs());
console.log(`wrote ${target.pathname}`);
