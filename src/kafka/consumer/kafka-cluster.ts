/** kafkajs's own broker connections (TLS, SASL, API versions, metadata) for the raw fetch path. */
import { createRequire } from 'node:module';
import type { Kafka } from 'kafkajs';
import { ErrorCode, SluiceError } from '../../errors/index.ts';
import type { FetchResponse } from './fetch-response.ts';

const require = createRequire(import.meta.url);

/** A request as kafkajs's connection sends it: the encoder, and how to read the answer. */
type ProtocolRequest<T> = {
  readonly request: object;
  readonly response: {
    decode(payload: Buffer): Promise<T>;
    parse(decoded: T): Promise<T>;
  };
  readonly requestTimeout: number;
};

type ClusterBroker = {
  readonly connectionPool: { send<T>(request: ProtocolRequest<T>): Promise<T> };
};

/** The part of kafkajs's (internal) Cluster the fetcher uses. */
export type KafkaCluster = {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  refreshMetadata(): Promise<void>;
  addMultipleTargetTopics(topics: string[]): Promise<void>;
  /** Leader node id → the partitions it leads (of those given). */
  findLeaderForPartitions(topic: string, partitions: number[]): Record<string, number[]>;
  findBroker(request: { nodeId: string }): Promise<ClusterBroker>;
};

/** What kafkajs's Fetch v11 request encoder takes. */
export type FetchRequest = {
  readonly replicaId: number;
  readonly maxWaitTime: number;
  readonly minBytes: number;
  readonly maxBytes: number;
  readonly isolationLevel: number;
  readonly topics: readonly {
    readonly topic: string;
    readonly partitions: readonly { partition: number; fetchOffset: string; maxBytes: number }[];
  }[];
};

const fetchV11 = require('kafkajs/src/protocol/requests/fetch/v11/request.js') as (
  request: FetchRequest,
) => object;

/**
 * A cluster of the client's own settings (brokers, TLS, SASL, logging), created the way kafkajs
 * creates one for its consumers. kafkajs 2.2.x keeps that factory under a private symbol; its
 * broker connections then carry Sluice's Fetch requests, whose responses Sluice reads itself.
 */
export function kafkaCluster(kafka: Kafka): KafkaCluster {
  const holder = kafka as unknown as Record<symbol, unknown>;
  const key = Object.getOwnPropertySymbols(kafka).find(
    (symbol) => symbol.description === 'private:Kafka:createCluster',
  );
  const create = key === undefined ? undefined : holder[key];
  if (typeof create !== 'function') {
    throw new SluiceError(
      ErrorCode.kafka,
      'the installed kafkajs does not create clusters the way kafkajs 2.2 does; Sluice needs kafkajs 2.2.x',
    );
  }
  return create.call(kafka, {
    metadataMaxAge: 300_000,
    allowAutoTopicCreation: false,
    maxInFlightRequests: null,
  }) as KafkaCluster;
}

/** Room for the network beyond a fetch's wait before it counts as timed out (as kafkajs allows). */
const NETWORK_DELAY_MS = 100;

/** Sends a Fetch v11 request through `broker`; its response is read by `decode` and nothing else. */
export function sendFetch(
  broker: ClusterBroker,
  request: FetchRequest,
  decode: (payload: Buffer) => FetchResponse,
): Promise<FetchResponse> {
  return broker.connectionPool.send({
    request: fetchV11(request),
    response: { decode: async (payload) => decode(payload), parse: async (decoded) => decoded },
    requestTimeout: request.maxWaitTime + NETWORK_DELAY_MS,
  });
}
