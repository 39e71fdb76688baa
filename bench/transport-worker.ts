/**
 * Worker side of bench/transport.bench.ts: receives one partition batch per message in one of
 * the compared transports, decodes every value as JSON and counts records by `status` (the
 * kind of small partial a worker slot returns), then replies.
 */

import { parentPort } from 'node:worker_threads';
import { decode } from '@msgpack/msgpack';
import { BatchView } from '../src/task/batch-view.ts';

export type ClonedMessage = {
  readonly key: Uint8Array | null;
  readonly value: Uint8Array | null;
  readonly offset: string;
  readonly timestamp: string;
};

export type TransportRequest =
  | {
      readonly type: 'view';
      readonly id: number;
      readonly buffer: SharedArrayBuffer | ArrayBuffer;
      readonly byteLength: number;
      /** Transfer the (ArrayBuffer) batch back with the reply so the main thread can reuse it. */
      readonly returnBuffer: boolean;
    }
  | { readonly type: 'clone'; readonly id: number; readonly messages: readonly ClonedMessage[] }
  | { readonly type: 'msgpack'; readonly id: number; readonly payload: Uint8Array }
  /** [topic, partition, offsets, timestamps, keys, values] */
  | { readonly type: 'msgpack-all'; readonly id: number; readonly payload: Uint8Array };

export type TransportReply = {
  readonly id: number;
  readonly records: number;
  /** [status, count] pairs. */
  readonly counts: [number, number][];
  readonly buffer: ArrayBuffer | null;
  /**
   * This thread's CPU time so far (user + system, µs). The difference between two replies is
   * the worker's whole cost of one batch, including deserialising the message, which happens
   * before the 'message' handler runs.
   */
  readonly cpuMicros: number;
};

const port = parentPort;
if (port === null) {
  throw new Error('transport-worker.ts runs as a worker thread');
}
const textDecoder = new TextDecoder();

function countValue(counts: Map<number, number>, value: Uint8Array | null): void {
  if (value === null) return;
  const status = (JSON.parse(textDecoder.decode(value)) as { status: number }).status;
  counts.set(status, (counts.get(status) ?? 0) + 1);
}

port.on('message', (request: TransportRequest) => {
  const counts = new Map<number, number>();
  let records = 0;
  let buffer: ArrayBuffer | null = null;
  switch (request.type) {
    case 'view': {
      const batch = new BatchView(request.buffer, request.byteLength);
      for (let i = 0; i < batch.count; i++) {
        const status = (batch.valueJson(i) as { status: number }).status;
        counts.set(status, (counts.get(status) ?? 0) + 1);
      }
      records = batch.count;
      if (request.returnBuffer && request.buffer instanceof ArrayBuffer) buffer = request.buffer;
      break;
    }
    case 'clone': {
      for (const message of request.messages) countValue(counts, message.value);
      records = request.messages.length;
      break;
    }
    case 'msgpack': {
      const values = decode(request.payload) as (Uint8Array | null)[];
      for (const value of values) countValue(counts, value);
      records = values.length;
      break;
    }
    case 'msgpack-all': {
      const fields = decode(request.payload) as [
        string,
        number,
        string[],
        string[],
        unknown[],
        (Uint8Array | null)[],
      ];
      const values = fields[5];
      for (const value of values) countValue(counts, value);
      records = values.length;
      break;
    }
  }
  const cpu = process.threadCpuUsage();
  const reply: TransportReply = {
    id: request.id,
    records,
    counts: [...counts],
    buffer,
    cpuMicros: cpu.user + cpu.system,
  };
  port.postMessage(reply, buffer === null ? [] : [buffer]);
});
