/** Stable error codes: programs match on these, so never rename one. */
export const ErrorCode = {
  configInvalid: 'SLUICE_CONFIG_INVALID',
  usage: 'SLUICE_USAGE',
  localKafka: 'SLUICE_LOCAL_KAFKA',
  localPostgres: 'SLUICE_LOCAL_POSTGRES',
  javaMissing: 'SLUICE_JAVA_MISSING',
  decode: 'SLUICE_DECODE',
  jobInvalid: 'SLUICE_JOB_INVALID',
  jobMismatch: 'SLUICE_JOB_MISMATCH',
  userFunction: 'SLUICE_USER_FUNCTION',
  sink: 'SLUICE_SINK',
  /** The sink refused the batch's data (a row that does not fit the table): retrying cannot help. */
  sinkRejected: 'SLUICE_SINK_REJECTED',
  kafka: 'SLUICE_KAFKA',
  /** The brokers stayed away longer than SLUICE_KAFKA_RETRY_TIMEOUT_MS: a restart may find them back. */
  kafkaUnavailable: 'SLUICE_KAFKA_UNAVAILABLE',
  worker: 'SLUICE_WORKER',
  checkpoint: 'SLUICE_CHECKPOINT',
  /** A keyed state handle used against its rules (update of a timing-out state, an undefined state). */
  state: 'SLUICE_STATE',
  /** A key whose state partition this instance does not own: the stream needs a repartition. */
  statePartition: 'SLUICE_STATE_PARTITION',
  transaction: 'SLUICE_TRANSACTION',
  /**
   * Keyed state across instances: a repartition topic that cannot be created or has another
   * partition count, or subscribed topics whose partition counts differ (no co-assignment).
   */
  repartition: 'SLUICE_REPARTITION',
  /** The admin HTTP server cannot listen (the port is taken, the address is not local). */
  http: 'SLUICE_HTTP',
  /** No batch completed for SLUICE_STALL_TIMEOUT_MS while data waited: a restart may unstick it. */
  stalled: 'SLUICE_STALLED',
  /**
   * The dead-letter topic cannot be written (missing, not authorised, too small a record limit,
   * brokers away past SLUICE_KAFKA_RETRY_TIMEOUT_MS): the batch cannot be committed without losing records.
   */
  deadLetter: 'SLUICE_DLQ',
  /** `sluice bench` could not measure: a run it started failed, or its broker did not come up. */
  bench: 'SLUICE_BENCH',
} as const;

export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];
