/** kafkajs's own broker connections (TLS, SASL, API versions, metadata) for the raw fetch path. */
import { createRequire } from 'node:module';
import type { Kafka } from 'kafkajs';
import { ErrorCode, SluiceError } from '../../errors/index.ts';
import { apiVersionsV3Body, type BrokerFeatures, readApiVersionsV3 } from '../broker-release.ts';
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
  /** Sends record batches already written (one per partition) to their leader `nodeId`. */
  produce(nodeId: string, request: ProduceRequest): Promise<ProduceResponse>;
  /** Broker `nodeId`'s ApiVersions v3 answer: its features and the cluster's (KIP-584). */
  features(nodeId: string, software: ClientSoftware): Promise<BrokerFeatures>;
};

/** What a client tells brokers of itself in ApiVersions (KIP-511). */
export type ClientSoftware = { readonly name: string; readonly version: string };

/** A Produce (v7) of record batches written elsewhere: at most one batch per partition. */
export type ProduceRequest = {
  readonly topic: string;
  /** -1: every in-sync replica; 1: the leader. */
  readonly acks: number;
  readonly timeoutMs: number;
  readonly partitions: readonly (readonly [number, Uint8Array])[];
};

/** Each partition's error code (0: none) in a Produce response. */
export type ProduceResponse = readonly { readonly partition: number; readonly errorCode: number }[];

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

const { errorCodes } = require('kafkajs/src/protocol/error.js') as {
  errorCodes: readonly { type: string; code: number; retriable: boolean }[];
};

/** kafkajs's table has the pre-2.7 name of code 6; Kafka (and its docs) say NOT_LEADER_OR_FOLLOWER now. */
const RENAMED: Readonly<Record<string, string>> = { NOT_LEADER_FOR_PARTITION: 'NOT_LEADER_OR_FOLLOWER' };

/** Kafka's name of an error code and whether asking again may mend it, from kafkajs's table. */
export function kafkaError(code: number): { readonly name: string; readonly retriable: boolean } {
  const known = errorCodes.find((entry) => entry.code === code);
  const name = known ? (RENAMED[known.type] ?? known.type) : `error code ${code}`;
  return { name, retriable: known?.retriable === true };
}

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
    produce: async (nodeId, request) => sendProduce(await cluster.findBroker({ nodeId }), request),
    features: async (nodeId, software) => sendApiVersions(await cluster.findBroker({ nodeId }), software),
  };
}

const API_VERSIONS = 18;
const API_VERSIONS_TIMEOUT_MS = 10_000;

/** Sends ApiVersions v3 (kafkajs speaks v2, which has no features) and reads its answer. */
function sendApiVersions(broker: ClusterBroker, software: ClientSoftware): Promise<BrokerFeatures> {
  const body = apiVersionsV3Body(software.name, software.version);
  return broker.connectionPool.send({
    request: {
      apiKey: API_VERSIONS,
      apiVersion: 3,
      apiName: 'ApiVersions',
      encode: async () => new Encoder().writeBuffer(body),
    },
    response: { decode: async (payload) => readApiVersionsV3(payload), parse: async (decoded) => decoded },
    requestTimeout: API_VERSIONS_TIMEOUT_MS,
  });
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

type KafkajsEncoder = {
  writeString(value: string | null): KafkajsEncoder;
  writeInt16(value: number): KafkajsEncoder;
  writeInt32(value: number): KafkajsEncoder;
  writeBuffer(value: Buffer): KafkajsEncoder;
  writeArray(values: readonly KafkajsEncoder[]): KafkajsEncoder;
};
const Encoder = require('kafkajs/src/protocol/encoder.js') as new () => KafkajsEncoder;
const PRODUCE = 0;

/**
 * Sends a Produce v7 request of the given record batches, non-transactional, and reads the
 * partitions' error codes from its response. v7 (Kafka 2.1 on; 4.x takes v3 and later) is the
 * first a broker takes zstd batches in (KIP-110); its request is v3's.
 */
function sendProduce(broker: ClusterBroker, request: ProduceRequest): Promise<ProduceResponse> {
  const partitions = request.partitions.map(([partition, batch]) =>
    new Encoder()
      .writeInt32(partition)
      .writeInt32(batch.length)
      .writeBuffer(Buffer.from(batch.buffer, batch.byteOffset, batch.byteLength)),
  );
  const encoded = {
    apiKey: PRODUCE,
    apiVersion: 7,
    apiName: 'Produce',
    encode: async () =>
      new Encoder()
        .writeString(null)
        .writeInt16(request.acks)
        .writeInt32(request.timeoutMs)
        .writeArray([new Encoder().writeString(request.topic).writeArray(partitions)]),
  };
  return broker.connectionPool.send({
    request: encoded,
    response: { decode: async (payload) => readProduceResponse(payload), parse: async (decoded) => decoded },
    requestTimeout: request.timeoutMs + NETWORK_DELAY_MS,
  });
}

/**
 * Produce v7's response: per topic, per partition its index, error code, base offset, append time
 * and log start offset.
 */
export function readProduceResponse(payload: Buffer): ProduceResponse {
  const view = new DataView(payload.buffer, payload.byteOffset, payload.byteLength);
  const out: { partition: number; errorCode: number }[] = [];
  let at = 0;
  const topics = view.getInt32(at);
  at += 4;
  for (let t = 0; t < topics; t++) {
    at += 2 + view.getInt16(at); // topic name
    const partitions = view.getInt32(at);
    at += 4;
    for (let p = 0; p < partitions; p++) {
      out.push({ partition: view.getInt32(at), errorCode: view.getInt16(at + 4) });
      at += 4 + 2 + 8 + 8 + 8; // index, error code, base offset, log append time, log start offset
    }
  }
  return out;
}
