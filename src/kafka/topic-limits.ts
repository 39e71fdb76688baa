// A topic's `max.message.bytes`: the most bytes of one record batch its brokers take.

import type { Admin } from 'kafkajs';

/** kafkajs's ConfigResourceTypes.TOPIC, which its ESM face does not export. */
const TOPIC_RESOURCE = 2;

/**
 * `topic`'s `max.message.bytes` as its brokers report it (the topic's own setting or the brokers'
 * default). Throws when it cannot be read or is not a positive integer; callers fall back to
 * DEFAULT_MAX_MESSAGE_BYTES as they see fit.
 */
export async function readMaxMessageBytes(admin: Admin, topic: string): Promise<number> {
  const { resources } = await admin.describeConfigs({
    resources: [{ type: TOPIC_RESOURCE, name: topic, configNames: ['max.message.bytes'] }],
    includeSynonyms: false,
  });
  const text = resources[0]?.configEntries.find(
    (entry) => entry.configName === 'max.message.bytes',
  )?.configValue;
  const limit = Number(text);
  if (text !== undefined && Number.isSafeInteger(limit) && limit > 0) return limit;
  throw new Error(`max.message.bytes is ${text === undefined ? 'missing' : `"${text}"`}`);
}
