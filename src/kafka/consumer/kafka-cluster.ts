/** kafkajs's own broker connections (TLS, SASL, API versions, metadata) for the raw fetch path. */
import { createRequire } from 'node:module';
import type { Kafka } from 'kafkajs';
import { ErrorCode, SluiceError } from '../../errors/index.ts';
import { type FetchResponse, readFetchResponse } from './fetch-response.ts';

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

/** The part of kafkajs's (internal) Cluster Sluice uses. */
type KafkajsCluster = {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  refreshMetadata(): Promise<void>;
  addMultipleTargetTopics(topics: string[]): Promise<void>;
  findLeaderForPartitions(topic: string, partitions: number[]): Record<string, number[]>;
  findBroker(request: { nodeId: string }): Promise<ClusterBroker>;
};

/** What the raw fetcher needs of a cluster: metadata, leaders, and Fetch requests to a broker. */
export type KafkaCluster = {
  disconnect(): Promise<void>;
  /** Looks the topics' partitions and leaders up (again). */
  refreshMetadata(topics: readonly string[]): Promise<void>;
  /** Leader node id → the partitions it leads (of those given), as of the last refresh. */
  leaders(topic: string, partitions: readonly number[]): Record<string, number[]>;
  fetch(nodeId: string, request: FetchRequest): Promise<FetchResponse>;
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
  const cluster = create.call(kafka, {
    metadataMaxAge: 300_000,
    allowAutoTopicCreation: false,
    maxInFlightRequests: null,
  }) as KafkajsCluster;
  return {
    disconnect: () => cluster.disconnect(),
    refreshMetadata: async (topics) => {
      await cluster.addMultipleTargetTopics([...topics]);
      await cluster.refreshMetadata();
    },
    leaders: (topic, partitions) => cluster.findLeaderForPartitions(topic, [...partitions]),
    fetch: async (nodeId, request) => sendFetch(await cluster.findBroker({ nodeId }), request),
  };
}

/** Room for the network beyond a fetch's wait before it counts as timed out (as kafkajs allows). */
const NETWORK_DELAY_MS = 100;

/** Sends a Fetch v11 request through `broker`; Sluice reads its response, kafkajs does not. */
function sendFetch(broker: ClusterBroker, request: FetchRequest): Promise<FetchResponse> {
  return broker.connectionPool.send({
    request: fetchV11(request),
    response: { decode: async (payload) => readFetchResponse(payload), parse: async (decoded) => decoded },
    requestTimeout: request.maxWaitTime + NETWORK_DELAY_MS,
  });
}
