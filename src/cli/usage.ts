// The help texts of `sluice` and of the commands that take no flags of their own (run, doctor,
// version, completion); produce, topics, lag, tail and bench keep theirs beside their parsers.

import { BUILT_IN_JOBS } from '../jobs/index.ts';

export const USAGE = `usage: sluice <command> [options]

commands:
  run [job]   run a job (default: SLUICE_JOB, the built-in "aggregate"); without SLUICE_BROKERS
              it runs on the built-in generator source. Configured by SLUICE_* variables
              (sluice run --help for the main ones).
  produce     write generated click events, or lines from a file or stdin, to a Kafka topic
  topics      list, describe (partitions, leaders, offsets) and create topics
  lag         a consumer group's committed offsets, end offsets and lag per partition
  tail        print a topic's records (headers too) as they arrive, without committing offsets
  bench       measure throughput and end-to-end latency for a sweep of settings; writes
              results.json, a report and SVG charts (docs/tuning.md)
  doctor      check that this installation can run Sluice: Node version, Kafka client,
              worker threads, msgpack and LZ4 (native or pure TypeScript); prints JSON
  completion  print a bash or zsh completion script
  version     print the Sluice version
  help        print this text; sluice help <command> prints the command's

  -h, --help  print this text (after a command: that command's)
  --version   print the Sluice version`;

export const RUN_USAGE = `usage: sluice run [job]

Runs a job until a signal (SIGINT/SIGTERM drain it, exit 0) or, with SLUICE_TRIGGER=available-now,
until it has processed what the topics held at start. [job] is a built-in job
(${Object.keys(BUILT_IN_JOBS).join(', ')}) or a job module file; default SLUICE_JOB, else aggregate.
Without SLUICE_BROKERS it runs on the built-in generator source.

Everything else is set by SLUICE_* environment variables, checked together at start (a bad one:
exit 2, every problem named). The main groups:

  brokers, topics  SLUICE_BROKERS (host:port,…), SLUICE_TOPICS (list or /regex/), SLUICE_GROUP_ID,
                   SLUICE_STARTING_OFFSETS; TLS and SASL: SLUICE_KAFKA_SSL*, SLUICE_KAFKA_SASL*
  job              SLUICE_JOB, SLUICE_VALUE_FORMAT (json | string | bytes); the built-in jobs'
                   SLUICE_KEY_FIELD, SLUICE_VALUE_FIELD, SLUICE_AGG, SLUICE_WINDOW_MS, SLUICE_SLIDE_MS;
                   bad records: SLUICE_ON_DECODE_ERROR (fail | skip | dlq), SLUICE_DLQ_TOPIC
  trigger          SLUICE_TRIGGER (micro-batch | continuous | available-now), SLUICE_BATCH_INTERVAL_MS,
                   SLUICE_MAX_RECORDS_PER_BATCH, SLUICE_BACKPRESSURE
  workers          SLUICE_WORKERS (worker threads; default CPUs - 1)
  checkpoints      SLUICE_CHECKPOINT_DIR, SLUICE_CHECKPOINT_INTERVAL_MS, SLUICE_GUARANTEE
                   (at-least-once | exactly-once)
  outputs          SLUICE_SINK (console | file:<dir> | kafka:<topic> | postgres://…), SLUICE_SINK_COMPRESSION
  admin            SLUICE_HTTP_PORT (/livez, /readyz, /metrics, the dashboard; unset: 4040, else the
                   next free up to 4055; 0: any free port), SLUICE_HTTP_ENABLED, SLUICE_LOG_LEVEL,
                   SLUICE_SHUTDOWN_TIMEOUT_MS, SLUICE_STALL_TIMEOUT_MS
  generator        SLUICE_GENERATOR_RATE (events/s; default 10000, available-now unpaced; 0: unpaced),
                   SLUICE_GENERATOR_EVENTS, SLUICE_GENERATOR_PARTITIONS

Every variable with its type, default and meaning: docs/configuration.md (running: docs/running.md).
Exit codes: 0 done, 1 a runtime failure, 2 bad configuration or usage, 130 a second signal.

  -h, --help       print this text`;

export const DOCTOR_USAGE = `usage: sluice doctor

Checks that this installation can run Sluice: the Kafka client, a worker thread, msgpack and every
compression codec (native addons or the pure-TypeScript fallbacks, per SLUICE_NATIVE), and the
Kafka security variables. Prints one JSON report; exit 0 when everything works, else 1.

  -h, --help   print this text`;

export const VERSION_USAGE = `usage: sluice version

Prints the Sluice version.

  -h, --help   print this text`;

export const COMPLETION_USAGE = `usage: sluice completion bash|zsh

Prints a completion script for commands, subcommands and flags. To use it:
  bash:  source <(sluice completion bash)    (or save it as ~/.local/share/bash-completion/completions/sluice)
  zsh:   source <(sluice completion zsh)     (in ~/.zshrc, after compinit)

  -h, --help   print this text`;
