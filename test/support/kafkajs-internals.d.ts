// Types for the kafkajs internals tests use as oracles of Kafka's wire format (the encoder, CRC-32C).

declare module 'kafkajs/src/protocol/recordBatch/crc32C/index.js' {
  const crc32C: (buffer: Buffer) => number;
  export default crc32C;
}

declare module 'kafkajs/src/protocol/recordBatch/record/v0/index.js' {
  const encodeRecord: (record: {
    offsetDelta?: number;
    timestampDelta?: number;
    key: Buffer | null;
    value: Buffer | null;
    headers?: Record<string, string>;
  }) => unknown;
  export default encodeRecord;
}

declare module 'kafkajs/src/protocol/recordBatch/v0/index.js' {
  const recordBatch: { RecordBatch: (batch: Record<string, unknown>) => Promise<{ buffer: Buffer }> };
  export default recordBatch;
}

declare module 'kafkajs/src/utils/long.js' {
  const Long: { fromString(text: string): unknown };
  export default Long;
}
