// Issue 19, item 2, as a user meets it: `sluice run` of a job file outside the repo, on the built-in
// generator (no broker), prints why the job does not load, and where a user function threw.
import { describe, expect, it } from 'vitest';
import { type CliResult, runCli } from '../support/cli.ts';
import { DSL_URL, jobFolder } from '../support/job-files.ts';

const { write: job } = jobFolder('sluice-job-errors-');

/** `sluice run <path>` on the generator, available-now over 5 events per partition. */
function sluiceRun(path: string): Promise<CliResult> {
  return runCli(['run', path], {
    SLUICE_TRIGGER: 'available-now',
    SLUICE_GENERATOR_EVENTS: '5',
    SLUICE_WORKERS: '1',
    SLUICE_LOG_LEVEL: 'fatal',
  });
}

describe('sluice run with a job of your own', () => {
  it('that has a syntax error: exit 1, file:line:column, the message and the line', async () => {
    const path = job('typo.ts', [
      `import { defineJob } from '${DSL_URL}';`,
      'export default defineJob((ctx) => {',
      '  ctx.stream().map((r) => r.value +).print();',
      '});',
    ]);
    expect(await sluiceRun(path)).toEqual({
      code: 1,
      stdout: '',
      stderr: [
        `SLUICE_JOB_INVALID: cannot load job module ${path}: syntax error at ${path}:3:36: Expression expected`,
        '    ctx.stream().map((r) => r.value +).print();',
        '                                     ^',
        '',
      ].join('\n'),
    });
  });

  it('whose map throws: the record origin and the line in the job file that threw', async () => {
    const path = job('throws.ts', [
      `import { defineJob } from '${DSL_URL}';`,
      'type Click = { url: string };',
      'export default defineJob((ctx) => {',
      '  ctx',
      '    .stream<Click>()',
      "    .map((r) => { if (r.value.url.startsWith('/')) throw new Error('no page ' + r.value.url); return 1; })",
      '    .print();',
      '});',
    ]);
    const result = await sluiceRun(path);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      new RegExp(
        `^SLUICE_USER_FUNCTION: no page /\\S+ \\(at topic generator, partition \\d+, offset 0; thrown at ${path.replaceAll('.', '\\.')}:6:58\\)\\n$`,
      ),
    );
  });
});
