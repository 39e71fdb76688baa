// Where a built-in job's rows go: SLUICE_SINK.

import type { SluiceConfig } from '../config/index.ts';
import type { DStream } from '../dsl/index.ts';

const CONSOLE_ROWS = 20;

/** Writes `rows` to SLUICE_SINK: the console (20 rows a batch), files, Kafka (keyed by `key`) or PostgreSQL. */
export function writeToSink<R extends { readonly key: unknown }>(
  rows: DStream<R>,
  config: Pick<SluiceConfig, 'sink' | 'sinkCompression'>,
): void {
  const { sink } = config;
  if (sink.type === 'console') rows.print(CONSOLE_ROWS);
  else if (sink.type === 'file') rows.saveAsTextFiles(sink.dir);
  else if (sink.type === 'kafka') {
    rows.toKafka(sink.topic, { key: (row) => row.key, compression: config.sinkCompression });
  } else rows.toPostgres({ connection: sink.url, table: sink.table, createTable: true });
}
