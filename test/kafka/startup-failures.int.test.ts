import { describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.ts';
import { testBrokers, uniqueName } from '../support/kafka.ts';

// Each of these once left Kafka connections open, so the process printed its error and never exited.
describe('a run that cannot start exits 1 with one clear line', () => {
  it('when SLUICE_TOPICS names a topic that does not exist', async () => {
    const missing = uniqueName('missing');
    const result = await runCli(['run'], {
      SLUICE_BROKERS: testBrokers().join(','),
      SLUICE_TOPICS: missing,
      SLUICE_TRIGGER: 'available-now',
      SLUICE_LOG_LEVEL: 'fatal',
    });
    expect(result.code).toBe(1);
    expect(result.stderr.trim()).toBe(
      `SLUICE_KAFKA: SLUICE_TOPICS names a topic that does not exist: ${missing}`,
    );
  });

  it('when no broker answers', async () => {
    const result = await runCli(['run'], {
      SLUICE_BROKERS: '127.0.0.1:1',
      SLUICE_TOPICS: 'clicks',
      SLUICE_LOG_LEVEL: 'fatal',
    });
    expect(result.code).toBe(1);
    expect(result.stderr.trim()).toBe(
      'SLUICE_KAFKA: cannot connect to Kafka brokers 127.0.0.1:1 (SLUICE_BROKERS): Connection error: connect ECONNREFUSED 127.0.0.1:1',
    );
  });

  it('when the configuration is invalid: exit 2, every problem listed', async () => {
    const result = await runCli(['run'], { SLUICE_WORKERS: '0', SLUICE_AGG: 'median' });
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(
      'SLUICE_CONFIG_INVALID: SLUICE_WORKERS must be an integer >= 1; got "0"\nSLUICE_AGG must be one of count, sum, min, max, avg; got "median"\n',
    );
  });
});
