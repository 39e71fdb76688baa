import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { describeKafka } from '../../../src/kafka/index.ts';
import { testKafka } from '../../support/kafka.ts';

// CI runs this file on Kafka 4.x and again on 3.9.1 (`.ci/run`): each broker names its own release.
describe('describeKafka against the real broker', () => {
  const client = testKafka('sluice-describe');
  const admin = client.admin();
  beforeAll(() => admin.connect());
  afterAll(() => admin.disconnect());

  it('reads the cluster, and the release from the highest metadata.version the broker supports', async () => {
    const info = await describeKafka(client, admin, { name: 'sluice', version: '0.1.0' });
    const { clusterId, brokers } = await admin.describeCluster();
    expect(info.clusterId).toBe(clusterId);
    expect(info.brokers).toBe(brokers.length);
    expect(info.releaseProblem).toBeUndefined();
    const version = inject('kafkaVersion');
    // A broker given by SLUICE_TEST_BROKERS without SLUICE_TEST_KAFKA_VERSION: any release line.
    const line = version ? version.split('.').slice(0, 2).join('.') : (info.release ?? 'none');
    expect(info.release).toBe(line);
    expect(line).toMatch(/^\d+\.\d+$/);
    // A new single-node cluster is finalized at the release's own latest metadata.version.
    expect(info.metadataVersion).toMatch(new RegExp(`^${line.replace('.', '\\.')}-IV\\d+$`));
  });

  it('says why when the broker refuses the request (a client software name Kafka does not take)', async () => {
    const info = await describeKafka(client, admin, { name: 'not a valid name!', version: '0.1.0' });
    expect(info.release).toBeNull();
    expect(info.metadataVersion).toBeNull();
    expect(info.releaseProblem).toBe('the broker answered ApiVersions with error code 42');
  });
});
