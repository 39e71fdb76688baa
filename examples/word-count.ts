// Word count, the Spark Streaming classic: lines in, counts per word per batch out.
// SLUICE_VALUE_FORMAT=string SLUICE_BROKERS=127.0.0.1:9092 SLUICE_TOPICS=lines node bin/sluice.js run examples/word-count.ts
import { defineJob } from 'sluice';

export default defineJob((ctx) => {
  const counts = ctx
    .stream<string>()
    .flatMap((record) => record.value.toLowerCase().split(/\s+/))
    .filter((word) => word.length > 0)
    .map((word): [string, number] => [word, 1])
    .reduceByKey((a, b) => a + b);

  const dir = ctx.env.WORD_COUNT_DIR;
  if (dir) counts.saveAsTextFiles(dir);
  else counts.print(20);
});
