// Default import: Node's CommonJS export detection misses `ConfigResourceTypes` in kafkajs's index.js.
import kafkajs, { type Admin } from 'kafkajs';

/**
 * The broker's `log.dirs`, read with describeConfigs. Reading its segment files
 * needs the broker on this machine (a local one, not a remote SLUICE_TEST_BROKERS).
 */
export async function brokerLogDir(admin: Admin): Promise<string> {
  const { brokers } = await admin.describeCluster();
  const described = await admin.describeConfigs({
    resources: [
      {
        type: kafkajs.ConfigResourceTypes.BROKER,
        name: String(brokers[0]?.nodeId),
        configNames: ['log.dirs'],
      },
    ],
    includeSynonyms: false,
  });
  const dir = described.resources[0]?.configEntries.find(
    (entry) => entry.configName === 'log.dirs',
  )?.configValue;
  if (!dir) throw new Error('the broker did not say its log.dirs');
  return dir;
}
