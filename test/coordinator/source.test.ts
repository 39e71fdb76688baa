import { describe, expect, it } from 'vitest';
import { pollForData } from '../../src/coordinator/index.ts';

describe('pollForData', () => {
  it('never resolves synchronously, and at once when its signal aborts', async () => {
    const controller = new AbortController();
    let done = false;
    const wait = pollForData(60_000, controller.signal).then(() => {
      done = true;
    });
    await Promise.resolve();
    expect(done).toBe(false);
    controller.abort();
    await wait;
    expect(done).toBe(true);
  });

  it('asks again within 10 ms however long the wait may be', async () => {
    const wait = pollForData(60_000, new AbortController().signal).then(() => 'asked again');
    const later = new Promise((resolve) => setTimeout(resolve, 1_000, 'still waiting'));
    expect(await Promise.race([wait, later])).toBe('asked again');
  });
});
