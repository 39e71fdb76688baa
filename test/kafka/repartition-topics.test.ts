import type { Admin } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { buildGraph, defineJob, Plan } from '../../src/dsl/index.ts';
import { RepartitionTopics } from '../../src/kafka/index.ts';

const plan = new Plan(
  buildGraph(
    defineJob((ctx) => {
      ctx
        .stream<string>()
        .map((r): [string, number] => [String(r.value), 1])
        .updateStateByKey<number>((values, state) => (state ?? 0) + values.length)
        .print();
    }),
    {},
  ),
);

const kafkaError = (type: string, retriable: boolean, message: string) =>
  Object.assign(new Error(message), { type, retriable });

/** An admin whose createTopics answers as scripted, then whose metadata lists the topics with `partitions`. */
function admin(answers: (Error | null)[], partitions = 3) {
  const calls: string[][] = [];
  const fake = {
    createTopics: async ({ topics }: { topics: { topic: string }[] }) => {
      calls.push(topics.map(({ topic }) => topic));
      const answer = answers.shift();
      if (answer) throw answer;
      return true;
    },
    fetchTopicMetadata: async ({ topics }: { topics: string[] }) => ({
      topics: topics.map((name) => ({
        name,
        partitions: Array.from({ length: partitions }, (_, partition) => ({ partition })),
      })),
    }),
  };
  return { admin: fake as unknown as Admin, calls };
}

function topics(admin: Admin, retry?: { warnings: string[] }) {
  return new RepartitionTopics({
    admin,
    sender: { send: async () => undefined },
    groupId: 'g',
    nodes: plan.keyedStates,
    partitions: 3,
    ...(retry
      ? {
          retry: {
            timeoutMs: 10_000,
            brokers: ['b:9092'],
            firstDelayMs: 1,
            log: { warn: (_object: object, message: string) => void retry.warnings.push(message) },
          },
        }
      : {}),
  });
}

describe('RepartitionTopics.ensure', () => {
  const NAME = 'g-updateStateByKey-2-repartition';

  it('asks again when the broker does not know the new topic yet; the second ask finds it there', async () => {
    const { admin: fake, calls } = admin([
      kafkaError('UNKNOWN_TOPIC_OR_PARTITION', true, 'This server does not host this topic-partition'),
      kafkaError('TOPIC_ALREADY_EXISTS', false, 'Topic with this name already exists'),
    ]);
    const warnings: string[] = [];
    await topics(fake, { warnings }).ensure();
    expect(calls).toEqual([[NAME], [NAME]]);
    expect(warnings).toEqual([`Kafka unavailable while creating the repartition topics ${NAME}; retrying`]);
  });

  it('without a retry budget, the first such error stops the start, naming the topics', async () => {
    const { admin: fake } = admin([
      kafkaError('UNKNOWN_TOPIC_OR_PARTITION', true, 'This server does not host this topic-partition'),
    ]);
    await expect(topics(fake).ensure()).rejects.toMatchObject({
      code: 'SLUICE_REPARTITION',
      message: `cannot create the repartition topics ${NAME}: This server does not host this topic-partition`,
    });
  });

  it('an existing topic of another partition count stops the start, even after a retry', async () => {
    const { admin: fake } = admin([kafkaError('TOPIC_ALREADY_EXISTS', false, 'exists')], 2);
    await expect(topics(fake, { warnings: [] }).ensure()).rejects.toMatchObject({
      code: 'SLUICE_REPARTITION',
      message: expect.stringContaining(`${NAME} has 2`),
    });
  });
});
