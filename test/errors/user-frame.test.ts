import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { userFrame } from '../../src/errors/index.ts';

const src = fileURLToPath(new URL('../../src/', import.meta.url));

describe('userFrame', () => {
  it("skips Node's, Sluice's src/ and node_modules frames and gives the first other one as path:line:column", () => {
    const stack = [
      'TypeError: boom',
      '    at JSON.parse (<anonymous>)',
      `    at file://${src}dsl/synchronous.ts:34:35`,
      '    at Object.fn [as push] (file:///srv/app/node_modules/lib/index.js:1:2)',
      '    at node:internal/modules/esm/module_job:561:25',
      '    at charge (file:///home/me/jobs/my%20job.ts:17:9)',
      `    at runOnMain (${src}task/pipeline.ts:177:64)`,
    ].join('\n');
    expect(userFrame(stack)).toBe('/home/me/jobs/my job.ts:17:9');
  });

  it('takes plain paths (CommonJS frames) and anonymous frames', () => {
    expect(userFrame('Error: x\n    at /opt/jobs/a.js:3:4')).toBe('/opt/jobs/a.js:3:4');
    expect(userFrame('Error: x\n    at async Promise.all (index 0)\n    at /opt/b.ts:1:1')).toBe(
      '/opt/b.ts:1:1',
    );
  });

  it('is undefined when every frame is Sluice, Node or a library', () => {
    expect(
      userFrame(`Error: x\n    at f (${src}core/key.ts:1:1)\n    at node:internal/x:1:1`),
    ).toBeUndefined();
    expect(userFrame('no frames at all')).toBeUndefined();
  });
});
