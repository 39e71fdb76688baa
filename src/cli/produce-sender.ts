// `sluice produce`'s sends: a few produce requests in flight with acks=-1, and what was acknowledged.

import type { CompressionTypes, Message, Producer } from 'kafkajs';

// Enough sends in flight to keep the broker busy while the next batch is built; bounded so a slow
// broker slows the input down instead of queueing the whole run in memory.
export const MAX_IN_FLIGHT = 4;
const PROGRESS_MS = 500;

/** What every `sluice produce` summary starts with. */
export type SendTotals = {
  readonly topic: string;
  /** Records the broker acknowledged. */
  readonly count: number;
  /** Acknowledged records per Kafka partition id, every partition of the topic listed. */
  readonly partitions: Readonly<Record<string, number>>;
  /** From the first send to the last acknowledgement. */
  readonly elapsedMs: number;
};

/**
 * Sends batches of messages that name their partition, at most 4 requests at a time (or
 * `maxInFlight`), and counts
 * what the broker acknowledged per partition. The first failure is kept; later batches are not
 * sent once one failed.
 */
export class BatchSender {
  readonly #producer: Producer;
  readonly #topic: string;
  readonly #compression: CompressionTypes;
  readonly #maxInFlight: number;
  readonly #inFlight = new Set<Promise<void>>();
  readonly #acked: number[];
  #count = 0;
  #failure: { readonly error: unknown } | undefined;

  constructor(
    producer: Producer,
    topic: string,
    compression: CompressionTypes,
    partitionCount: number,
    maxInFlight = MAX_IN_FLIGHT,
  ) {
    this.#maxInFlight = maxInFlight;
    this.#producer = producer;
    this.#topic = topic;
    this.#compression = compression;
    this.#acked = new Array<number>(partitionCount).fill(0);
  }

  /** Messages acknowledged so far. */
  get count(): number {
    return this.#count;
  }

  /** Whether a send failed: its error is thrown by `drain`. */
  get failed(): boolean {
    return this.#failure !== undefined;
  }

  /** Resolves once another request may go out. */
  async room(): Promise<void> {
    while (this.#inFlight.size >= this.#maxInFlight) await Promise.race(this.#inFlight);
  }

  /** Sends `messages`, each with its `partition` set; counted once acknowledged. */
  send(messages: Message[]): void {
    const perPartition = new Map<number, number>();
    for (const { partition = 0 } of messages)
      perPartition.set(partition, (perPartition.get(partition) ?? 0) + 1);
    const sending: Promise<void> = this.#producer
      .send({ topic: this.#topic, acks: -1, compression: this.#compression, messages })
      .then(
        () => {
          this.#count += messages.length;
          for (const [partition, n] of perPartition)
            this.#acked[partition] = (this.#acked[partition] ?? 0) + n;
        },
        (error: unknown) => {
          this.#failure ??= { error };
        },
      )
      .finally(() => this.#inFlight.delete(sending));
    this.#inFlight.add(sending);
  }

  /** Waits for every request in flight; throws `failed(error)` for the first that failed. */
  async drain(failed: (error: unknown) => Error): Promise<void> {
    await Promise.all(this.#inFlight);
    if (this.#failure !== undefined) throw failed(this.#failure.error);
  }

  /** The totals since `start` (a performance.now() time), and the records per second they make. */
  totals(start: number): { readonly totals: SendTotals; readonly perSecond: number } {
    const elapsedMs = Math.round(performance.now() - start);
    const count = this.#count;
    const partitions = Object.fromEntries(this.#acked.map((n, partition) => [String(partition), n]));
    return {
      totals: { topic: this.#topic, count, partitions, elapsedMs },
      perSecond: elapsedMs > 0 ? Math.round((count * 1000) / elapsedMs) : count,
    };
  }
}

/**
 * Rewrites a progress line on `stream` every 500 ms (`clicks: 52000 events acknowledged, 104013/s`)
 * until the returned function is called, which writes the last one and a newline. Nothing without
 * a stream.
 */
export function showProgress(
  stream: NodeJS.WritableStream | undefined,
  topic: string,
  unit: 'events' | 'records',
  acknowledged: () => number,
  start: number,
): () => void {
  if (stream === undefined) return () => {};
  const show = (): void => {
    const count = acknowledged();
    const perSecond = Math.round((count * 1000) / Math.max(performance.now() - start, 1));
    stream.write(`\r${topic}: ${count} ${unit} acknowledged, ${perSecond}/s\x1b[K`);
  };
  const timer = setInterval(show, PROGRESS_MS);
  timer.unref();
  return () => {
    clearInterval(timer);
    show();
    stream.write('\n');
  };
}
