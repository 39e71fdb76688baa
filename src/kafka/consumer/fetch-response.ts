/** A Fetch response (v11) read for the raw path: partition headers and record-set byte ranges, no records. */
import { ErrorCode, SluiceError } from '../../errors/index.ts';

/** One aborted transaction of a read_committed fetch: its producer and first offset. */
export type AbortedTransaction = { readonly producerId: bigint; readonly firstOffset: bigint };

export type FetchedPartition = {
  readonly topic: string;
  readonly partition: number;
  readonly errorCode: number;
  readonly highWatermark: bigint;
  readonly lastStableOffset: bigint;
  readonly logStartOffset: bigint;
  /** Null when the fetch read uncommitted records or no aborted transaction overlaps the records. */
  readonly abortedTransactions: readonly AbortedTransaction[] | null;
  /** The record set as the broker sent it: a view into the response, not a copy. */
  readonly records: Uint8Array;
};

export type FetchResponse = {
  /** kafkajs's connection reads this to throttle its next request (KIP-219). */
  readonly clientSideThrottleTime: number;
  readonly errorCode: number;
  readonly partitions: readonly FetchedPartition[];
};

const NO_RECORDS = new Uint8Array(0);
const utf8 = new TextDecoder();

/**
 * Reads a Fetch v11 response body (after the correlation id). Per partition it reads the fixed
 * header fields and keeps the record set as a view into `payload`; records stay undecoded. Throws
 * SLUICE_KAFKA when the response is shorter than its fields say.
 */
export function readFetchResponse(payload: Uint8Array): FetchResponse {
  const reader = new Reader(payload);
  const clientSideThrottleTime = reader.int32();
  const errorCode = reader.int16();
  reader.int32(); // session id: Sluice sends full fetch requests
  const partitions: FetchedPartition[] = [];
  const topics = reader.int32();
  for (let t = 0; t < topics; t++) {
    const topic = reader.string();
    const count = reader.int32();
    for (let p = 0; p < count; p++) {
      const partition = reader.int32();
      const partitionError = reader.int16();
      const highWatermark = reader.int64();
      const lastStableOffset = reader.int64();
      const logStartOffset = reader.int64();
      const abortedCount = reader.int32();
      let abortedTransactions: AbortedTransaction[] | null = null;
      if (abortedCount >= 0) {
        abortedTransactions = [];
        for (let a = 0; a < abortedCount; a++) {
          abortedTransactions.push({ producerId: reader.int64(), firstOffset: reader.int64() });
        }
      }
      reader.int32(); // preferred read replica: Sluice reads from leaders
      const size = reader.int32();
      const records = size <= 0 ? NO_RECORDS : reader.bytes(size);
      partitions.push({
        topic,
        partition,
        errorCode: partitionError,
        highWatermark,
        lastStableOffset,
        logStartOffset,
        abortedTransactions,
        records,
      });
    }
  }
  return { clientSideThrottleTime, errorCode, partitions };
}

/** Big-endian reads with bounds checks over a response body. */
class Reader {
  #at = 0;
  readonly #bytes: Uint8Array;
  readonly #view: DataView;

  constructor(bytes: Uint8Array) {
    this.#bytes = bytes;
    this.#view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  #take(count: number): number {
    const at = this.#at;
    if (count < 0 || at + count > this.#bytes.length) {
      throw new SluiceError(
        ErrorCode.kafka,
        `malformed Fetch response: a field of ${count} bytes at byte ${at} runs past its ${this.#bytes.length} bytes`,
      );
    }
    this.#at = at + count;
    return at;
  }

  int16(): number {
    return this.#view.getInt16(this.#take(2));
  }

  int32(): number {
    return this.#view.getInt32(this.#take(4));
  }

  int64(): bigint {
    return this.#view.getBigInt64(this.#take(8));
  }

  string(): string {
    const length = this.int16();
    const at = this.#take(Math.max(0, length));
    return utf8.decode(this.#bytes.subarray(at, at + Math.max(0, length)));
  }

  bytes(count: number): Uint8Array {
    const at = this.#take(count);
    return this.#bytes.subarray(at, at + count);
  }
}
