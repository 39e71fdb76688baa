// Issue 19, item 2: a job written in its own file outside the repo that fails to load says why —
// missing, a syntax error and where, what its top level threw and where — not only "cannot load".
// The import runs in a plain Node process: under vitest, `import()` goes through Vite's module
// runner, whose errors are not Node's.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DSL_URL, jobFolder } from '../support/job-files.ts';

const errors = new URL('../../src/errors/index.ts', import.meta.url).href;
const { dir, write: job } = jobFolder('sluice-job-load-');

/** importJob(path)'s error in a fresh Node process, after registering `secret`: its code, whether it has a cause, its message. */
function loadMessage(path: string, secret = ''): string {
  const script = `
    import { importJob } from '${DSL_URL}';
    import { registerSecret } from '${errors}';
    registerSecret(${JSON.stringify(secret)});
    await importJob(${JSON.stringify(path)}).then(
      () => console.log(JSON.stringify('the job loaded')),
      (error) => console.log(JSON.stringify({ code: error.code, cause: error.cause !== undefined, message: error.message })),
    );`;
  const result = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
  expect(result.stderr).toBe('');
  const answer = JSON.parse(result.stdout) as { code: string; cause: boolean; message: string };
  expect(answer).toMatchObject({ code: 'SLUICE_JOB_INVALID', cause: true });
  return answer.message;
}

describe('a job module that cannot be loaded', () => {
  it('does not exist', () => {
    const path = join(dir, 'nowhere.ts');
    expect(loadMessage(path)).toBe(`cannot load job module ${path}: the file does not exist`);
  });

  it('has a syntax error: file:line:column, the message and the line with a caret', () => {
    const path = job('syntax.ts', [
      `import { defineJob } from '${DSL_URL}';`,
      'export default defineJob((ctx) => {',
      '  ctx.stream().map((r) => r.value +).print();',
      '});',
    ]);
    expect(loadMessage(path)).toBe(
      [
        `cannot load job module ${path}: syntax error at ${path}:3:36: Expression expected`,
        '    ctx.stream().map((r) => r.value +).print();',
        '                                     ^',
      ].join('\n'),
    );
  });

  it('uses TypeScript that type stripping cannot run (an enum)', () => {
    const path = job('enum.ts', [
      `import { defineJob } from '${DSL_URL}';`,
      'enum Color { Red }',
      'export default defineJob((ctx) => { ctx.stream().print(); });',
    ]);
    expect(loadMessage(path)).toBe(
      [
        `cannot load job module ${path}: syntax error at ${path}:2:1: TypeScript enum is not supported in strip-only mode (Node.js runs TypeScript by stripping types only: no enum, namespace, parameter properties or import =)`,
        '  enum Color { Red }',
        '  ^^^^^^^^^^^^^^^^^^',
      ].join('\n'),
    );
  });

  it('has a JavaScript syntax error, which carries no place: node --check is named', () => {
    const path = job('broken.mjs', ['export default {', '  a: 1 +', '};']);
    expect(loadMessage(path)).toBe(
      `cannot load job module ${path}: SyntaxError: Unexpected token '}'; node --check ${path} shows where`,
    );
  });

  it("throws at its top level: the error and the user's own file:line", () => {
    const path = job('top-level.ts', [
      `import { defineJob } from '${DSL_URL}';`,
      'const topic = process.env.SLUICE_TEST_NO_SUCH_VARIABLE;',
      "if (!topic) throw new Error('set SLUICE_TEST_NO_SUCH_VARIABLE to the output topic');",
      'export default defineJob((ctx) => { ctx.stream().toKafka(topic); });',
    ]);
    expect(loadMessage(path)).toBe(
      `cannot load job module ${path}: Error: set SLUICE_TEST_NO_SUCH_VARIABLE to the output topic (at ${path}:3:19)`,
    );
  });

  it('throws in a helper it imports: the helper is named', () => {
    const helper = job('helper.ts', ["export const limit: number = JSON.parse('{');"]);
    const path = job('uses-helper.ts', [
      `import { defineJob } from '${DSL_URL}';`,
      "import { limit } from './helper.ts';",
      'export default defineJob((ctx) => { ctx.stream().filter(() => limit > 0).print(); });',
    ]);
    expect(loadMessage(path)).toBe(
      `cannot load job module ${path}: SyntaxError: Expected property name or '}' in JSON at position 1 (line 1 column 2) (at ${helper}:1:35)`,
    );
  });

  it('imports a file that does not exist: Node names it and the importer', () => {
    const path = job('bad-import.ts', ["export { x as default } from './missing-helper.ts';"]);
    expect(loadMessage(path)).toBe(
      `cannot load job module ${path}: Error: Cannot find module '${join(dir, 'missing-helper.ts')}' imported from ${path}`,
    );
  });

  it('throws something that is not an Error, or a message with a secret: bounded and redacted', () => {
    const path = job('throws-text.ts', [`throw 'token hunter2-job-load ${'x'.repeat(1000)}';`]);
    const message = loadMessage(path, 'hunter2-job-load');
    expect(message).toBe(
      `cannot load job module ${path}: its top level threw "token [redacted] ${'x'.repeat(199 - 'token hunter2-job-load '.length)}…`,
    );
  });
});
