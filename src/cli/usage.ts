// The `sluice` command's top-level help text.

export const USAGE = `usage: sluice <command> [options]

commands:
  run [job]  run a job (default: SLUICE_JOB, the built-in "aggregate"); without SLUICE_BROKERS
             it runs on the built-in generator source. Configured by SLUICE_* variables.
  produce    write generated click events to a Kafka topic (see sluice produce --help)
  topics     list, describe (partitions, leaders, offsets) and create topics
  lag        a consumer group's committed offsets, end offsets and lag per partition
  tail       print a topic's records as they arrive, without committing offsets
             (topics, lag and tail: see sluice <command> --help and docs/tools.md)
  bench      measure throughput and end-to-end latency for a sweep of settings; writes
             results.json, a report and SVG charts (see sluice bench --help, docs/tuning.md)
  doctor     check that this installation can run Sluice: Node version, Kafka client,
             worker threads, msgpack and LZ4 (native or pure TypeScript); prints JSON
  version    print the Sluice version
  help       print this text`;
