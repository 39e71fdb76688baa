import { type Admin, type Kafka, KafkaJSNonRetriableError } from 'kafkajs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { loadConfig } from '../../../src/config/index.ts';
import type { OffsetRange } from '../../../src/core/index.ts';
import { toOffset } from '../../../src/core/index.ts';
import { DirectSource } from '../../../src/kafka/index.ts';

// The direct source on a scripted kafkajs consumer: what it commits, and how it holds the
// group's rejoin while the engine checkpoints the partitions being revoked.

const EVENTS = {
  GROUP_JOIN: 'join',
  CRASH: 'crash',
  REBALANCING: 'rebalancing',
  FETCH: 'fetch',
  HEARTBEAT: 'heartbeat',
  COMMIT_OFFSETS: 'commit',
} as const;
type Listener = (event: { payload: { memberAssignment: Record<string, number[]> } }) => void;

function fakeKafka() {
  const listeners = new Map<string, Listener[]>();
  const notify = (name: string, memberAssignment: Record<string, number[]>): void => {
    for (const listener of listeners.get(name) ?? []) listener({ payload: { memberAssignment } });
  };
  const commits: string[][] = [];
  const paused: { topic: string }[][] = [];
  let refuse: string | undefined;
  let wrapped = false;
  const consumer = {
    events: EVENTS,
    on: (name: string, listener: Listener) =>
      void listeners.set(name, [...(listeners.get(name) ?? []), listener]),
    commitOffsets: async (offsets: { topic: string; partition: number; offset: string }[]) => {
      if (refuse) {
        const error = Object.assign(new Error(`The broker says ${refuse}`), { type: refuse });
        // As kafkajs's retrier hands on a protocol error it does not retry.
        throw wrapped ? Object.assign(new KafkaJSNonRetriableError(error), { cause: error }) : error;
      }
      commits.push(offsets.map(({ topic, partition, offset }) => `${topic}-${partition}@${offset}`));
      // As kafkajs's offset manager does once the broker took the commit.
      notify(EVENTS.COMMIT_OFFSETS, {});
    },
    seek: () => {},
    pause: (topics: { topic: string }[]) => void paused.push(topics),
    resume: () => {},
  };
  const admin = {
    fetchTopicOffsets: async () =>
      [0, 1, 2].map((partition) => ({ partition, low: '0', high: '100', offset: '100' })),
    fetchOffsets: async () => [{ topic: 't', partitions: [] }],
  };
  const emit = (name: string, memberAssignment: Record<string, number[]> = {}): void =>
    notify(name, memberAssignment);
  return {
    kafka: { consumer: () => consumer } as unknown as Kafka,
    admin: admin as unknown as Admin,
    commits,
    paused,
    emit,
    refuse: (type: string | undefined, asKafkajsRetrierThrows = false) => {
      refuse = type;
      wrapped = asKafkajsRetrierThrows;
    },
  };
}

function setup() {
  const fake = fakeKafka();
  const logged: string[] = [];
  const log = {
    info: (_object: object, message: string) => void logged.push(message),
    warn: (_object: object, message: string) => void logged.push(`warn: ${message}`),
    error: (_object: object, message: string) => void logged.push(`error: ${message}`),
    debug: () => {},
  };
  const config = loadConfig({ SLUICE_BROKERS: '127.0.0.1:1', SLUICE_TOPICS: 't', SLUICE_GROUP_ID: 'g' });
  const source = new DirectSource({ kafka: fake.kafka, admin: fake.admin, config, log, bounded: false });
  let revocations = 0;
  let finish: () => void = () => {};
  source.onRevoking(() => {
    revocations++;
    return new Promise<void>((resolve) => {
      finish = resolve;
    });
  });
  return { ...fake, source, logged, revocations: () => revocations, finish: () => finish() };
}

const range = (partition: number, untilOffset: bigint): OffsetRange => ({
  topic: 't',
  partition,
  fromOffset: toOffset(0n),
  untilOffset: toOffset(untilOffset),
});

const settle = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));

afterEach(() => {
  vi.restoreAllMocks();
});

describe('direct source: revocation', () => {
  it('holds the rejoin until the revocation checkpoint is done, then owns nothing until the next assignment', async () => {
    const { source, emit, commits, logged, revocations, finish, paused } = setup();
    emit('join', { t: [0, 1] });
    // kafkajs's consumer keeps the membership only: every assigned topic is paused in it at once.
    expect(paused).toEqual([[{ topic: 't' }]]);
    await source.ready();
    await source.commit([range(0, 5n), range(1, 6n)]);
    expect(commits).toEqual([['t-0@5', 't-1@6']]);

    expect(() => emit('rebalancing')).toThrow('revocation checkpoint in progress');
    expect(() => emit('rebalancing')).toThrow('revocation checkpoint in progress');
    await settle();
    expect(revocations()).toBe(1);
    // Still in the old generation, which takes commits while the group prepares the rebalance.
    await source.commit([range(0, 7n)]);
    expect(commits.at(-1)).toEqual(['t-0@7']);
    expect(await source.next()).toEqual([]);

    finish();
    await settle();
    expect(() => emit('rebalancing')).not.toThrow();
    expect(logged).toContain('partitions revoked');
    await source.commit([range(0, 8n), range(1, 8n)]);
    expect(commits).toHaveLength(2);
    // A second emission of the same rebalance starts nothing new.
    expect(() => emit('rebalancing')).not.toThrow();
    expect(revocations()).toBe(1);

    emit('join', { t: [1, 2] });
    await settle();
    await source.commit([range(0, 9n), range(1, 9n), range(2, 3n)]);
    expect(commits.at(-1)).toEqual(['t-1@9', 't-2@3']);
  });

  it('rejoins without the checkpoint once the hold has lasted 5 s, with a warning', async () => {
    const { source, emit, commits, logged } = setup();
    emit('join', { t: [0] });
    await source.ready();
    const now = Date.now();
    expect(() => emit('rebalancing')).toThrow('revocation checkpoint in progress');
    vi.spyOn(Date, 'now').mockReturnValue(now + 5_001);
    expect(() => emit('rebalancing')).not.toThrow();
    expect(logged).toContain(
      'warn: the revocation checkpoint is taking too long: rejoining the group without it',
    );
    await source.commit([range(0, 4n)]);
    expect(commits).toEqual([]);
  });

  it('a commit the group refuses because this member left its generation is a warning, not a failure', async () => {
    const { source, emit, commits, logged, refuse } = setup();
    emit('join', { t: [0] });
    await source.ready();
    refuse('ILLEGAL_GENERATION');
    await source.commit([range(0, 4n)]);
    expect(commits).toEqual([]);
    expect(logged).toContain(
      'warn: offsets not committed: this member is no longer in the group generation that owned them',
    );
    refuse('OFFSET_METADATA_TOO_LARGE');
    await expect(source.commit([range(0, 4n)])).rejects.toThrow('OFFSET_METADATA_TOO_LARGE');
  });

  it('so is one that kafkajs wraps in KafkaJSNonRetriableError (a member whose session expired while it stalled)', async () => {
    const { source, emit, commits, logged, refuse } = setup();
    emit('join', { t: [0] });
    await source.ready();
    refuse('UNKNOWN_MEMBER_ID', true);
    await source.commit([range(0, 4n)]);
    expect(commits).toEqual([]);
    expect(logged).toEqual([
      'partitions assigned',
      'warn: offsets not committed: this member is no longer in the group generation that owned them',
      'offsets kept: the consumer is rejoining the group; committed once its partitions are assigned again',
    ]);
  });
});
