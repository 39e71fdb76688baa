// Word count, the Spark Streaming classic: lines in, counts per word per batch out.
// Run it on a topic of text lines (a broker: `npm run kafka -- start`; SLUICE_BROKERS=<its address>):
//   printf 'to be or not to be\nthat is the question\n' | npx sluice produce --topic lines --create --partitions 2 --from-file -
//   SLUICE_TOPICS=lines SLUICE_VALUE_FORMAT=string SLUICE_TRIGGER=available-now npx sluice run examples/word-count.ts
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
