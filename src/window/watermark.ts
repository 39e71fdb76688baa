/** One partition's part of the watermark, as plain data for a checkpoint. */
export type PartitionClockSnapshot = {
  readonly max: [number, number][];
  readonly lastActive: number;
  /** The engine's watermark when it was taken: it never goes back, across a restart too. */
  readonly watermark: number;
};

type PartitionClock = {
  /** Largest event time seen per withWatermark node. */
  readonly max: Map<number, number>;
  /** Batch time when the partition last had records, or was first owned. */
  lastActive: number;
};

/**
 * The engine's event-time watermark, on the main thread. A partition's watermark is, over the
 * withWatermark nodes, the least of (largest event time seen − allowed lateness); the engine's is
 * the least over the owned partitions that are not idle. A partition without records for
 * `idleTimeoutMs` stops holding it back; when every partition is idle, the most advanced one
 * leads. The watermark never goes back.
 */
export class WatermarkTracker {
  readonly #lateness: ReadonlyMap<number, number>;
  readonly #idleTimeoutMs: number;
  readonly #partitions = new Map<string, PartitionClock>();
  #current = Number.NEGATIVE_INFINITY;

  constructor(lateness: ReadonlyMap<number, number>, idleTimeoutMs: number) {
    this.#lateness = lateness;
    this.#idleTimeoutMs = idleTimeoutMs;
  }

  get current(): number {
    return this.#current;
  }

  /** A partition this instance owns; a new one holds the watermark back until it is idle. */
  own(partition: string, time: number): void {
    if (!this.#partitions.has(partition))
      this.#partitions.set(partition, { max: new Map(), lastActive: time });
  }

  forget(partition: string): void {
    this.#partitions.delete(partition);
  }

  owned(): string[] {
    return [...this.#partitions.keys()];
  }

  /**
   * Per owned partition (id), its own watermark (-∞ before its first event time) and whether it is
   * idle at batch time `time`, so that it no longer holds the engine's back.
   */
  partitions(time: number): { readonly id: string; readonly watermark: number; readonly idle: boolean }[] {
    return [...this.#partitions].map(([id, clock]) => ({
      id,
      watermark: this.#partitionWatermark(clock),
      idle: time - clock.lastActive >= this.#idleTimeoutMs,
    }));
  }

  snapshot(partition: string): PartitionClockSnapshot | undefined {
    const clock = this.#partitions.get(partition);
    return clock
      ? { max: [...clock.max], lastActive: clock.lastActive, watermark: this.#current }
      : undefined;
  }

  /** A restored partition: its largest event times count again; its idle clock starts now. */
  restore(partition: string, snapshot: PartitionClockSnapshot, time: number): void {
    this.#partitions.set(partition, { max: new Map(snapshot.max), lastActive: time });
    if (snapshot.watermark > this.#current) this.#current = snapshot.watermark;
  }

  /** A batch's largest event times for one partition. */
  observe(partition: string, eventTimes: readonly (readonly [number, number])[], time: number): void {
    this.own(partition, time);
    const clock = this.#partitions.get(partition) as PartitionClock;
    for (const [node, eventTime] of eventTimes) {
      const max = clock.max.get(node);
      if (max === undefined || eventTime > max) clock.max.set(node, eventTime);
    }
    if (eventTimes.length > 0) clock.lastActive = time;
  }

  /** Recomputes the watermark as of batch time `time`. */
  advance(time: number): number {
    let active = Number.POSITIVE_INFINITY;
    let anyActive = false;
    let leader = Number.NEGATIVE_INFINITY;
    for (const clock of this.#partitions.values()) {
      const watermark = this.#partitionWatermark(clock);
      if (watermark > leader) leader = watermark;
      if (time - clock.lastActive >= this.#idleTimeoutMs) continue;
      anyActive = true;
      if (watermark < active) active = watermark;
    }
    const next = anyActive ? active : leader;
    if (next > this.#current) this.#current = next;
    return this.#current;
  }

  #partitionWatermark(clock: PartitionClock): number {
    let watermark = Number.POSITIVE_INFINITY;
    for (const [node, max] of clock.max) {
      const candidate = max - (this.#lateness.get(node) ?? 0);
      if (candidate < watermark) watermark = candidate;
    }
    return clock.max.size === 0 ? Number.NEGATIVE_INFINITY : watermark;
  }
}
