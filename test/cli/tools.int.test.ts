// sluice topics, lag and tail as child processes against the real broker, with exact outputs.
import { describe, expect, it } from 'vitest';
import { runCli, startCli } from '../support/cli.ts';
import { sharedClients, testBrokers, uniqueName } from '../support/kafka.ts';

const clients = sharedClients('cli-tools');
const env = (): Record<string, string> => ({ SLUICE_BROKERS: testBrokers().join(',') });
const on = (): string => `Kafka brokers ${testBrokers().join(',')} (SLUICE_BROKERS)`;

describe('sluice topics', () => {
  it('creates a topic, then describes it with its offsets, in text and JSON', async () => {
    const topic = uniqueName('tools-create');
    const created = await runCli(
      ['topics', 'create', topic, '--partitions', '3', '--config', 'retention.ms=86400000'],
      env(),
    );
    expect(created).toEqual({
      code: 0,
      stdout: `created topic ${topic}: 3 partitions, replication factor 1; config retention.ms=86400000\n`,
      stderr: '',
    });
    const configs = await clients.admin.describeConfigs({
      resources: [{ type: 2, name: topic, configNames: ['retention.ms'] }],
      includeSynonyms: false,
    });
    expect(configs.resources[0]?.configEntries[0]?.configValue).toBe('86400000');

    await clients.producer.send({
      topic,
      messages: [
        { partition: 0, value: 'a' },
        { partition: 0, value: 'b' },
        { partition: 2, value: 'c' },
      ],
    });
    const described = await runCli(['topics', 'describe', topic], env());
    expect(described).toEqual({
      code: 0,
      stdout: [
        `topic ${topic}: 3 partitions, replication factor 1`,
        'PARTITION  LEADER  REPLICAS  ISR  LOW  HIGH',
        '0          1       1         1    0    2',
        '1          1       1         1    0    0',
        '2          1       1         1    0    1',
        '',
      ].join('\n'),
      stderr: '',
    });
    const json = await runCli(['topics', 'describe', topic, '--json'], env());
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toEqual({
      topic,
      replicationFactor: 1,
      partitions: [
        { partition: 0, leader: 1, replicas: [1], isr: [1], low: 0, high: 2 },
        { partition: 1, leader: 1, replicas: [1], isr: [1], low: 0, high: 0 },
        { partition: 2, leader: 1, replicas: [1], isr: [1], low: 0, high: 1 },
      ],
    });

    const again = await runCli(['topics', 'create', topic, '--partitions', '1'], env());
    expect(again).toEqual({
      code: 1,
      stdout: '',
      stderr: `SLUICE_KAFKA: topic "${topic}" already exists on ${on()}\n`,
    });
  });

  it('lists the topic, internal topics only with --all', async () => {
    const topic = uniqueName('tools-list');
    // A fresh broker creates __consumer_offsets with the first offset commit: make one.
    await clients.admin.createTopics({ topics: [{ topic: `${topic}-seed` }], waitForLeaders: true });
    await clients.admin.setOffsets({
      groupId: uniqueName('tools-seed'),
      topic: `${topic}-seed`,
      partitions: [{ partition: 0, offset: '0' }],
    });
    expect((await runCli(['topics', 'create', topic, '--partitions', '2', '--json'], env())).stdout).toBe(
      `${JSON.stringify({ topic, partitions: 2, replicationFactor: 1, config: {} })}\n`,
    );
    const text = await runCli(['topics'], env());
    expect(text.code).toBe(0);
    const lines = text.stdout.split('\n');
    expect(lines[0]).toMatch(/^TOPIC +PARTITIONS {2}REPLICATION$/);
    expect(lines.find((line) => line.startsWith(`${topic} `))?.split(/ +/)).toEqual([topic, '2', '1']);
    expect(lines.some((line) => line.startsWith('__consumer_offsets'))).toBe(false);

    const all = await runCli(['topics', '--all', '--json'], env());
    const { topics } = JSON.parse(all.stdout) as { topics: { name: string }[] };
    expect(topics.find((t) => t.name === topic)).toEqual({
      name: topic,
      partitions: 2,
      replicationFactor: 1,
      internal: false,
    });
    expect(topics.find((t) => t.name === '__consumer_offsets')).toMatchObject({ internal: true });
  });

  it('refuses a config the broker does not know, exit 1', async () => {
    const topic = uniqueName('tools-bad-config');
    const result = await runCli(
      ['topics', 'create', topic, '--partitions', '1', '--config', 'no.such=1'],
      env(),
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      new RegExp(`^SLUICE_KAFKA: creating topic "${topic}" on Kafka brokers .* \\(SLUICE_BROKERS\\): .+\\n$`),
    );
    expect(await clients.admin.listTopics()).not.toContain(topic);
  });

  it('describes a missing topic with SLUICE_KAFKA (exit 1) and a bad argument with SLUICE_USAGE (exit 2)', async () => {
    const topic = uniqueName('tools-missing');
    expect(await runCli(['topics', 'describe', topic], env())).toEqual({
      code: 1,
      stdout: '',
      stderr: `SLUICE_KAFKA: topic "${topic}" does not exist on ${on()}\n`,
    });
    expect(await runCli(['topics', 'create', topic], env())).toEqual({
      code: 2,
      stdout: '',
      stderr: 'SLUICE_USAGE: --partitions is required for sluice topics create\n',
    });
  });
});

describe('sluice lag', () => {
  it('shows committed offsets, end offsets and lag after known commits', async () => {
    const topic = uniqueName('tools-lag');
    const group = uniqueName('tools-lag-group');
    await clients.admin.createTopics({ topics: [{ topic, numPartitions: 3 }], waitForLeaders: true });
    const messages = [0, 0, 0, 0, 0, 1, 1, 2].map((partition, n) => ({ partition, value: String(n) }));
    await clients.producer.send({ topic, messages });
    await clients.admin.setOffsets({
      groupId: group,
      topic,
      partitions: [
        { partition: 0, offset: '2' },
        { partition: 1, offset: '2' },
      ],
    });

    expect(await runCli(['lag', '--group', group], env())).toEqual({
      code: 0,
      stdout: [
        `group ${group}`,
        `TOPIC${' '.repeat(topic.length - 3)}PARTITION  COMMITTED  END  LAG`,
        `${topic}  0          2          5    3`,
        `${topic}  1          2          2    0`,
        'total lag: 3',
        '',
      ].join('\n'),
      stderr: '',
    });
    const json = await runCli(['lag', '--group', group, '--topic', topic, '--json'], env());
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toEqual({
      group,
      topic,
      partitions: [
        { topic, partition: 0, committed: 2, end: 5, lag: 3 },
        { topic, partition: 1, committed: 2, end: 2, lag: 0 },
        { topic, partition: 2, committed: null, end: 1, lag: null },
      ],
      totalLag: 3,
    });
  });

  it('says so for a group with nothing committed', async () => {
    const group = uniqueName('tools-lag-none');
    expect(await runCli(['lag', '--group', group], env())).toEqual({
      code: 0,
      stdout: `group ${group} has no committed offsets\n`,
      stderr: '',
    });
    expect(JSON.parse((await runCli(['lag', '--group', group, '--json'], env())).stdout)).toEqual({
      group,
      topic: null,
      partitions: [],
      totalLag: 0,
    });
  });

  it('fails with SLUICE_KAFKA naming SLUICE_BROKERS when no broker answers (exit 1)', async () => {
    expect(await runCli(['lag', '--group', 'g'], { SLUICE_BROKERS: '127.0.0.1:1' })).toEqual({
      code: 1,
      stdout: '',
      stderr:
        'SLUICE_KAFKA: cannot connect to Kafka brokers 127.0.0.1:1 (SLUICE_BROKERS): Connection error: connect ECONNREFUSED 127.0.0.1:1\n',
    });
  });

  it('exits 2 when SLUICE_BROKERS is unset', async () => {
    expect(await runCli(['lag', '--group', 'g'], {})).toEqual({
      code: 2,
      stdout: '',
      stderr: 'SLUICE_USAGE: SLUICE_BROKERS is required for sluice lag\n',
    });
  });
});

describe('sluice tail', () => {
  async function tailTopic(): Promise<string> {
    const topic = uniqueName('tools-tail');
    await clients.admin.createTopics({ topics: [{ topic, numPartitions: 2 }], waitForLeaders: true });
    await clients.producer.send({
      topic,
      messages: [
        { partition: 0, key: 'u1', value: '{"n":1,"tags":["a"]}', timestamp: '1767225600000' },
        { partition: 0, key: null, value: 'plain', timestamp: '1767225601000' },
        { partition: 0, key: 'u3', value: '{"n":3}', timestamp: '1767225602000' },
        { partition: 1, key: 'u4', value: '{"n":4}', timestamp: '1767225603000' },
      ],
    });
    return topic;
  }

  const announced =
    /^sluice tail: reading \S+ as consumer group (sluice-tail-[0-9a-f]{12}), which commits no offsets\n$/;

  it('prints known records pretty, stops after --max, and commits nothing', async () => {
    const topic = await tailTopic();
    const result = await runCli(['tail', topic, '--from-beginning', '--partition', '0', '--max', '2'], env());
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(
      [
        'partition 0 · offset 0 · 2026-01-01T00:00:00.000Z · key u1',
        '{',
        '  "n": 1,',
        '  "tags": [',
        '    "a"',
        '  ]',
        '}',
        'partition 0 · offset 1 · 2026-01-01T00:00:01.000Z · key (null)',
        'plain',
        '',
      ].join('\n'),
    );
    const group = announced.exec(result.stderr)?.[1];
    expect(group).toBeDefined();
    const offsets = await clients.admin.fetchOffsets({ groupId: group ?? '', topics: [topic] });
    expect(offsets[0]?.partitions.map((p) => p.offset)).toEqual(['-1', '-1']);
  });

  it('prints JSON Lines with --json', async () => {
    const topic = await tailTopic();
    const result = await runCli(
      ['tail', topic, '--from-beginning', '--partition', '0', '--max', '3', '--json'],
      env(),
    );
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(announced);
    const head = { topic, partition: 0 };
    expect(result.stdout).toBe(
      `${[
        {
          ...head,
          offset: 0,
          timestamp: 1767225600000,
          key: 'u1',
          keyFormat: 'text',
          value: { n: 1, tags: ['a'] },
          valueFormat: 'json',
          headers: [],
        },
        {
          ...head,
          offset: 1,
          timestamp: 1767225601000,
          key: null,
          keyFormat: 'null',
          value: 'plain',
          valueFormat: 'text',
          headers: [],
        },
        {
          ...head,
          offset: 2,
          timestamp: 1767225602000,
          key: 'u3',
          keyFormat: 'text',
          value: { n: 3 },
          valueFormat: 'json',
          headers: [],
        },
      ]
        .map((line) => JSON.stringify(line))
        .join('\n')}\n`,
    );
  });

  it('reads every partition with --key-only', async () => {
    const topic = await tailTopic();
    const result = await runCli(['tail', topic, '--from-beginning', '--max', '4', '--key-only'], env());
    expect(result.code).toBe(0);
    expect(result.stdout.split('\n').sort()).toEqual(['', '(null)', 'u1', 'u3', 'u4']);
  });

  it('ends on SIGINT with exit 0, and reads new records without --from-beginning', async () => {
    const topic = await tailTopic();
    const cli = startCli(['tail', topic, '--value-only'], env());
    await cli.waitFor(/commits no offsets/);
    // The announcement comes before the group is joined: send until a record shows up.
    for (let n = 0; !cli.output().includes('"late"'); n++) {
      await clients.producer.send({ topic, messages: [{ partition: 1, value: `{"late":${n}}` }] });
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    cli.child.kill('SIGINT');
    const result = await cli.done;
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^(\{\n {2}"late": \d+\n\}\n)+$/);
    expect(result.stdout).not.toContain('"n"');
  });

  it('refuses a partition the topic does not have (exit 2)', async () => {
    const topic = await tailTopic();
    expect(await runCli(['tail', topic, '--partition', '5'], env())).toEqual({
      code: 2,
      stdout: '',
      stderr: `SLUICE_USAGE: --partition must be a partition of topic ${topic} (0 to 1); got "5"\n`,
    });
  });
});
