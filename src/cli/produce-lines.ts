// `sluice produce --from-file`: the lines of a file or stdin as records, in batches that fit the topic.

import type { Message, Producer } from 'kafkajs';
import { compressionType } from '../codecs/index.ts';
import type { Compression } from '../config/index.ts';
import { ErrorCode, errorText, SluiceError } from '../errors/index.ts';
import {
  createPartitioner,
  type PartitionerName,
  RECORD_BATCH_OVERHEAD,
  recordSize,
} from '../kafka/index.ts';
import { readLines } from './line-reader.ts';
import { type LineRecord, lineRecord } from './line-record.ts';
import type { LineFormat, LinesOptions, ProduceOptions } from './produce-args.ts';
import { BatchSender, type SendTotals, showProgress } from './produce-sender.ts';

/** Skipped lines named on stderr one by one; the rest are only counted. */
const SKIPS_SHOWN = 20;

/** What `sluice produce --from-file` prints on stdout when it ends: one JSON line. */
export type LinesSummary = SendTotals & {
  readonly recordsPerSecond: number;
  /** `stdin`, or the file's path. */
  readonly from: string;
  readonly format: LineFormat;
  /** Lines read (the last one without a line end too). */
  readonly lines: number;
  /** Empty lines, skipped. */
  readonly emptyLines: number;
  /** Bad lines skipped under --on-error skip. */
  readonly skipped: number;
  readonly partitioner: PartitionerName;
  readonly compression: Compression;
};

export type LinesIo = {
  /** Aborting stops reading; what is in flight is still awaited and counted. */
  readonly signal?: AbortSignal;
  readonly progress?: NodeJS.WritableStream;
  /** Gets one line per skipped line (the first 20), without a newline. */
  readonly warn?: (line: string) => void;
};

export type LinesTarget = {
  readonly producer: Producer;
  readonly partitionCount: number;
  /** The topic's max.message.bytes: no line, and no produce request's records, larger. */
  readonly maxMessageBytes: number;
  /** The SLUICE_KAFKA error for a failed send. */
  readonly failed: (error: unknown) => Error;
};

/**
 * Writes each line of `input` as one record, batched into produce requests (acks=-1) of at most
 * `--batch-size` records and the topic's max.message.bytes. Empty lines are skipped. A bad line
 * (see `lineRecord`; or a record larger than the topic takes) stops the run with SLUICE_DECODE
 * naming its number, after the lines before it were written, or is skipped under --on-error skip.
 */
export async function sendLines(
  options: ProduceOptions & { readonly lines: LinesOptions },
  input: AsyncIterable<Buffer | string>,
  target: LinesTarget,
  io: LinesIo = {},
): Promise<LinesSummary> {
  const { lines: spec, topic } = options;
  const { maxMessageBytes, partitionCount } = target;
  const headers = options.headers ?? {};
  const partitioner = createPartitioner(options.partitioner);
  // One request at a time: kafkajs does not keep concurrent send() calls in order, and a file's
  // lines must reach each partition in their order.
  const sender = new BatchSender(
    target.producer,
    topic,
    compressionType(options.compression),
    partitionCount,
    1,
  );
  const from = spec.from === '-' ? 'stdin' : spec.from;
  // The records of one request stay within one record batch's room, so every partition's does.
  const room = maxMessageBytes - RECORD_BATCH_OVERHEAD;
  let batch: Message[] = [];
  let used = 0;
  let read = 0;
  let emptyLines = 0;
  let skipped = 0;
  let stop: SluiceError | undefined;

  const flush = async (): Promise<void> => {
    if (batch.length === 0) return;
    await sender.room();
    sender.send(batch);
    batch = [];
    used = 0;
  };
  const reject = (number: number, problem: string): void => {
    if (spec.onError === 'stop') {
      stop = new SluiceError(
        ErrorCode.decode,
        `line ${number} of ${from}: ${problem}; stopped there, after writing the lines before it (--on-error skip skips bad lines)`,
      );
      return;
    }
    skipped++;
    if (skipped <= SKIPS_SHOWN) io.warn?.(`sluice produce: line ${number} of ${from} skipped: ${problem}`);
    if (skipped === SKIPS_SHOWN) io.warn?.('sluice produce: further skipped lines are only counted');
  };
  const limit = `topic ${topic} takes records of at most ${maxMessageBytes} bytes (max.message.bytes)`;
  const fits = (size: number): boolean => batch.length < options.batchSize && used + size <= room;
  const add = async (record: LineRecord, number: number): Promise<void> => {
    const letter = { ...record, headers };
    const alone = recordSize(letter, 0);
    if (alone > room) {
      return reject(
        number,
        `with its key and headers it takes ${alone + RECORD_BATCH_OVERHEAD} bytes; ${limit}`,
      );
    }
    if (!fits(recordSize(letter, batch.length))) await flush();
    used += recordSize(letter, batch.length);
    const partition = partitioner(record, partitionCount);
    batch.push(options.headers === undefined ? { ...record, partition } : { ...record, partition, headers });
  };

  const start = performance.now();
  const progress = showProgress(io.progress, topic, 'records', () => sender.count, start);
  try {
    for await (const line of readLines(input, maxMessageBytes)) {
      read = line.number;
      if ('tooLong' in line) reject(line.number, `it is ${line.tooLong} bytes long; ${limit}`);
      else if (line.bytes.length === 0) emptyLines++;
      else {
        const record = lineRecord(line.bytes, spec);
        if ('problem' in record) reject(line.number, record.problem);
        else await add(record, line.number);
      }
      if (stop !== undefined || sender.failed || io.signal?.aborted) break;
    }
  } catch (error) {
    // A signal ends the reading by destroying the input; anything else is a read error.
    if (!io.signal?.aborted)
      throw new SluiceError(ErrorCode.usage, `cannot read ${from}: ${errorText(error)}`, { cause: error });
  }
  await flush();
  await sender.drain(target.failed);
  progress();
  if (stop !== undefined) throw stop;

  const { totals, perSecond } = sender.totals(start);
  return {
    ...totals,
    recordsPerSecond: perSecond,
    from,
    format: spec.format,
    lines: read,
    emptyLines,
    skipped,
    partitioner: options.partitioner,
    compression: options.compression,
  };
}
